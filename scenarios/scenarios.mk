# Scenario drivers: small programs that load the library under test at run
# time ($FORKCHAOS_LIB) and report observations ($FORKCHAOS_REPORT).
DRIVER_SRCS := $(filter-out scenarios/drivers/observe.c,$(wildcard scenarios/drivers/*.c))
DRIVERS := $(patsubst scenarios/drivers/%.c,$(BUILD)/drivers/%,$(DRIVER_SRCS))
ALL_OUTPUTS += $(DRIVERS)

$(BUILD)/drivers/%: scenarios/drivers/%.c scenarios/drivers/observe.c scenarios/drivers/observe.h lib/ffd.h
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -Ilib -o $@ $< scenarios/drivers/observe.c -ldl -lpthread
