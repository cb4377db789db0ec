# The forkchaos command.  It shares the plan parser and the call table with
# the shim, so a plan is validated by the same code that will act on it.
RUNNER_SRCS := $(wildcard runner/*.c)
RUNNER_SHARED := $(PLAN_SRCS)
RUNNER_OBJS := $(patsubst %.c,$(BUILD)/obj/host/%.o,$(RUNNER_SRCS) $(RUNNER_SHARED))
RUNNER_CFLAGS := $(HOST_CFLAGS) -Iinject -Irunner -I$(BUILD)/gen
# stuck.c: libunwind's remote unwinder (libunwind-dev); deferred, as deps may install it.
RUNNER_LIBS = $(shell pkg-config --libs libunwind-ptrace libunwind-generic 2>/dev/null || echo -lunwind-ptrace -lunwind-generic -lunwind)
# seccomp*.c: the syscall layer's filter is built with libseccomp (libseccomp-dev).
RUNNER_LIBS += $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)

ALL_OUTPUTS += $(BUILD)/forkchaos

$(BUILD)/obj/host/%.o: %.c inject/*.h inject/*.def runner/*.h runner/*.def lib/windows.def $(GEN_SYSNAMES)
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RUNNER_CFLAGS) -c -o $@ $<

$(BUILD)/forkchaos: $(RUNNER_OBJS)
	$(call say,LD,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(RUNNER_LIBS)

# forkchaos with one more oracle row (tests/canary_oracle.def) and nothing
# else changed: tests/test_check.c shows that a new row reaches every
# scenario.  Every runner object is rebuilt, as the row count sizes them.
CANARY_OBJS := $(patsubst %.c,$(BUILD)/obj/canary/%.o,$(RUNNER_SRCS) tests/canary_oracle.c) \
               $(patsubst %.c,$(BUILD)/obj/host/%.o,$(RUNNER_SHARED))
ALL_OUTPUTS += $(BUILD)/forkchaos-canary

$(BUILD)/obj/canary/%.o: %.c inject/*.h inject/*.def runner/*.h runner/*.def lib/windows.def tests/canary_oracle.def $(GEN_SYSNAMES)
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(RUNNER_CFLAGS) -DFC_ORACLES_EXTRA='"../tests/canary_oracle.def"' -c -o $@ $<

$(BUILD)/forkchaos-canary: $(CANARY_OBJS)
	$(call say,LD,$@)
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(RUNNER_LIBS)

# The scheduler on its own, with a result type of the test's (sweep and
# explore will bring theirs); picked up by tests.mk's test_check* glob.
$(BUILD)/tests/test_check_sched: tests/test_check_sched.c runner/sched.c runner/sched.h
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -iquote runner -o $@ $< runner/sched.c $(HOST_LDFLAGS) -lcriterion -lpthread

# forkchaos sweep and merge's tests (built by tests.mk's test_% rule); they
# run the spawner, ffdriver and the seeded defects.
SWEEP_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_sweep*.c))
ALL_OUTPUTS += $(SWEEP_TEST_BINS)
TESTS += $(SWEEP_TEST_BINS)
$(SWEEP_TEST_BINS): tests/test_sweep_util.h tests/check_scenario.h

# forkchaos explore and minimize's tests (tests.mk's test_% rule): the new
# plan actions on tests/targets/perturb, explore on the targets, libffd and
# its seeded defects.
EXPLORE_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_explore*.c))
ALL_OUTPUTS += $(EXPLORE_TEST_BINS)
TESTS += $(EXPLORE_TEST_BINS)
$(EXPLORE_TEST_BINS): tests/check_scenario.h tests/test_sweep_util.h tests/test_explore_util.h
