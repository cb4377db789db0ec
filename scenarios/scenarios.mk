# Scenario drivers: small programs that load the library under test at run
# time ($FORKCHAOS_LIB) and report observations ($FORKCHAOS_REPORT).  A
# driver NAME is scenarios/drivers/NAME.c, plus its parts NAME_*.c and
# NAME.h, NAME.def when it has any; observe.c/h serve them all.
DRIVER_NAMES := $(filter-out observe,$(foreach f,$(wildcard scenarios/drivers/*.c),$(if $(findstring _,$(notdir $(f))),,$(basename $(notdir $(f))))))
DRIVERS := $(patsubst %,$(BUILD)/drivers/%,$(DRIVER_NAMES))
ALL_OUTPUTS += $(DRIVERS)
# uvdriver drives the system's libuv (libuv1-dev, scripts/deps.sh)
DRIVER_LIBS_uvdriver = $(shell pkg-config --cflags --libs libuv)

define driver_rule
$(BUILD)/drivers/$(1): scenarios/drivers/$(1).c $(wildcard scenarios/drivers/$(1)_*.c scenarios/drivers/$(1).h scenarios/drivers/$(1).def) \
		scenarios/drivers/observe.c scenarios/drivers/observe.h lib/ffd.h
	$$(call say,CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(TARGET_CFLAGS) -Ilib -o $$@ $$(filter %.c,$$^) $$(DRIVER_LIBS_$(1)) -ldl -lpthread
endef
$(foreach d,$(DRIVER_NAMES),$(eval $(call driver_rule,$(d))))

# make demo's campaign tests (tests/test_campaign*.c, built by tests.mk's
# rule): FC_SRC_ROOT is where they find scripts/ and tests/fixtures/.
CAMPAIGN_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_campaign*.c))
ALL_OUTPUTS += $(CAMPAIGN_TEST_BINS)
TESTS += $(CAMPAIGN_TEST_BINS)
$(CAMPAIGN_TEST_BINS): HOST_CFLAGS += -DFC_SRC_ROOT='"$(CURDIR)"'
$(CAMPAIGN_TEST_BINS): tests/test_campaign.h

# the tests of the real targets' scenarios (scenarios/libuv/, scenarios/real/)
REAL_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_real*.c))
ALL_OUTPUTS += $(REAL_TEST_BINS)
TESTS += $(REAL_TEST_BINS)
$(REAL_TEST_BINS): tests/check_scenario.h
