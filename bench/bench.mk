# make bench: the shim's per-call overhead, measured side by side.
BENCH_PROGS := $(BUILD)/bench/callcost
ALL_OUTPUTS += $(BENCH_PROGS)

$(BUILD)/bench/%: bench/%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -o $@ $<
