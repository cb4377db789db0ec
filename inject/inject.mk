# The LD_PRELOAD shim.  Built with the target-side flags (never sanitized: a
# sanitizer runtime cannot be preloaded behind the target's own).
SHIM_SRCS := $(wildcard inject/*.c)
SHIM_OBJS := $(patsubst inject/%.c,$(BUILD)/obj/inject/%.o,$(SHIM_SRCS)) $(BUILD)/obj/inject/vfork-x86_64.o
SHIM_CFLAGS := $(TARGET_CFLAGS) -fvisibility=default -ftls-model=initial-exec -fcallgraph-info=su -I$(BUILD)/gen -Iinject
SHIM_LIBS := -ldl -lgcc_s
GEN_SYSNAMES := $(BUILD)/gen/sysnames.def
GEN_CALL_HEADERS := $(BUILD)/gen/call_headers.h
# The plan parser and the call table, shared with the launcher and test_plan.
PLAN_SRCS := inject/plan.c inject/plan_keys.c inject/plan_via.c inject/plan_msg.c inject/plan_file.c inject/names.c inject/calls.c

ALL_OUTPUTS += $(BUILD)/libforkchaos.so

# Every syscall name the kernel headers know, so a plan can say sys_NAME.
$(GEN_SYSNAMES):
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)printf '#include <sys/syscall.h>\n' | $(CC) -E -dM - | \
	  sed -n 's/^#define SYS_\([a-z0-9_]*\) .*/X(\1)/p' | sort -u > $@.tmp && mv $@.tmp $@

# The headers the calls' types need, from the tables' HEADER("h") facts.
$(GEN_CALL_HEADERS): inject/calls.def inject/syscalls.def inject/inject.mk
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)grep -h '^[A-Z]*(' inject/calls.def inject/syscalls.def | grep -o 'HEADER("[^"]*")' | sed 's/HEADER("\(.*\)")/#include <\1>/' | sort -u > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/inject/%.o: inject/%.c inject/*.h inject/*.def $(GEN_SYSNAMES) $(GEN_CALL_HEADERS)
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o $@ $<

$(BUILD)/obj/inject/vfork-x86_64.o: inject/vfork-x86_64.S
	$(call say,AS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c -o $@ $<

# The export list comes from the same table as the wrappers.
$(BUILD)/gen/shim.map: inject/shim.map.in inject/calls.def
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -E -P -Iinject -x c inject/shim.map.in | grep -v '^ *$$' > $@.tmp && mv $@.tmp $@

$(BUILD)/libforkchaos.so: $(SHIM_OBJS) $(BUILD)/gen/shim.map
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,--version-script=$(BUILD)/gen/shim.map -Wl,-z,now -o $@ $(SHIM_OBJS) $(SHIM_LIBS)
