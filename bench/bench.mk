# make bench: the shim's cost and the harness's power, measured side by
# side (scripts/bench.sh).  callcost binds its symbols at start (-z now):
# each fork child of its loop would otherwise look up _exit anew, through
# every object preloaded before libc, which is the loader's cost, not a
# call's.
BENCH_PROGS := $(BUILD)/bench/callcost $(BUILD)/bench/libempty.so
ALL_OUTPUTS += $(BENCH_PROGS)

$(BUILD)/bench/lib%.so: bench/%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -shared -Wl,-z,now -Wl,-z,noseparate-code -o $@ $<

$(BUILD)/bench/%: bench/%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -Wl,-z,now -o $@ $<
