# The forkchaos command.  It shares the plan parser and the call table with
# the shim, so a plan is validated by the same code that will act on it.
RUNNER_SRCS := $(wildcard runner/*.c)
RUNNER_SHARED := $(PLAN_SRCS)
RUNNER_OBJS := $(patsubst %.c,$(BUILD)/obj/host/%.o,$(RUNNER_SRCS) $(RUNNER_SHARED))
RUNNER_CFLAGS := $(HOST_CFLAGS) -Iinject -Irunner -I$(BUILD)/gen

ALL_OUTPUTS += $(BUILD)/forkchaos

$(BUILD)/obj/host/%.o: %.c inject/*.h inject/*.def runner/*.h $(GEN_SYSNAMES)
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RUNNER_CFLAGS) -c -o $@ $<

$(BUILD)/forkchaos: $(RUNNER_OBJS)
	$(call say,LD,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(RUNNER_LIBS)
