# Criterion tests of the shim and the launcher, and the small target
# programs they run under `forkchaos run` (the shim is never preloaded into a
# Criterion binary: its runner forks, pipes and installs handlers itself).
TARGET_PROGS := $(patsubst tests/targets/%.c,$(BUILD)/targets/%,$(filter-out tests/targets/lib%,$(wildcard tests/targets/*.c))) \
                $(patsubst tests/targets/%.c,$(BUILD)/targets/%.so,$(wildcard tests/targets/lib*.c))
SHIM_TEST_SRCS := $(wildcard tests/test_shim*.c tests/test_run*.c tests/test_plan*.c tests/test_check*.c tests/test_trace*.c tests/test_syscall_layer*.c)
SHIM_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(SHIM_TEST_SRCS))
TEST_UTIL := tests/fc_test_util.c

ALL_OUTPUTS += $(TARGET_PROGS) $(BUILD)/targets/stress-stripped $(SHIM_TEST_BINS)
TESTS += $(SHIM_TEST_BINS)

# The check tests share their helpers (a header: rebuilt when it changes).
$(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_check*.c)): tests/check_scenario.h

# The targets' shared subcommand table and pipe_closed().
$(BUILD)/targets/probe $(BUILD)/targets/stress $(BUILD)/targets/libfcprobe.so: tests/targets/targets.h

# calls2 and fortified share their call table (issue 8's calls); fortified
# is built as Debian builds programs, so that it reaches __open_2,
# __read_chk ... (the shim's ALIAS lines) instead of open, read.
$(BUILD)/targets/calls2 $(BUILD)/targets/fortified: tests/targets/callrow.h
$(BUILD)/targets/fortified: TARGET_CFLAGS += -O2 -D_FORTIFY_SOURCE=2

$(BUILD)/targets/lib%.so: tests/targets/lib%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -shared -o $@ $<

# early links libearly.so, found beside it ($ORIGIN), so that its
# constructor runs before the shim's.
$(BUILD)/targets/early: tests/targets/early.c $(BUILD)/targets/libearly.so
	$(call say,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -o $@ $< -L$(BUILD)/targets -Wl,--no-as-needed -learly -Wl,-rpath,'$$ORIGIN'

# sites links libsites.so (beside it, $ORIGIN); sites-stripped is it with
# no symbols at all, whose calls only a site (caller=OBJECT+0xOFFSET) names.
ALL_OUTPUTS += $(BUILD)/targets/sites-stripped
$(BUILD)/targets/libsites.so: tests/targets/sites.h
$(BUILD)/targets/sites: tests/targets/sites.c tests/targets/sites.h tests/targets/targets.h $(BUILD)/targets/libsites.so
	$(call say,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -o $@ $< -L$(BUILD)/targets -Wl,--no-as-needed -lsites -Wl,-rpath,'$$ORIGIN' -ldl
$(BUILD)/targets/sites-stripped: $(BUILD)/targets/sites
	$(call say,STRIP,$@)
	$(Q)strip -o $@ $<

# stripped: symbol lookups fail, the case that once made the shim call
# libunwind's allocating lookups on every traced call.
$(BUILD)/targets/stress-stripped: $(BUILD)/targets/stress
	$(call say,STRIP,$@)
	$(Q)strip -o $@ $<

$(BUILD)/targets/%: tests/targets/%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -o $@ $< -lpthread -ldl

# every test_plan*.c links the parser (test_plan_file, test_plan_numbers ...)
PLAN_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_plan*.c))
$(PLAN_TEST_BINS): $(BUILD)/tests/%: tests/%.c $(TEST_UTIL) tests/fc_test_util.h $(PLAN_SRCS) inject/*.h inject/*.def $(GEN_SYSNAMES)
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -Iinject -I$(BUILD)/gen -o $@ $< $(TEST_UTIL) $(PLAN_SRCS) $(HOST_LDFLAGS) -lcriterion

$(BUILD)/tests/test_%: tests/test_%.c $(TEST_UTIL) tests/fc_test_util.h
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -Iinject -o $@ $< $(TEST_UTIL) $(HOST_LDFLAGS) -lcriterion

# ---- issue 9's reproducers: tests/targets/hostile_*.c, run by
# tests/test_hostile.c and scripts/stress.sh (make stress)
HOSTILE_PLUGINS := $(BUILD)/targets/libhostile_alpha.so $(BUILD)/targets/libhostile_beta.so
ALL_OUTPUTS += $(BUILD)/tests/test_hostile $(HOSTILE_PLUGINS)
TESTS += $(BUILD)/tests/test_hostile
$(patsubst tests/targets/%.c,$(BUILD)/targets/%,$(wildcard tests/targets/hostile_*.c)): tests/targets/hostile.h tests/targets/targets.h
# libhostile_plugin.so, alpha and beta: one source, the function named
# after the library (this rule, more specific than lib%.so, builds all three)
$(BUILD)/targets/libhostile_%.so: tests/targets/libhostile_plugin.c tests/targets/targets.h
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -DPLUGIN_FN=$* -shared -o $@ $<
# bound at load: a lazy binding's resolver saves the whole vector state on
# the altstack, which is the program's cost, not the shim's
$(BUILD)/targets/hostile_altstack: TARGET_CFLAGS += -Wl,-z,now

# static_pipe: statically linked, out of LD_PRELOAD's reach (what forkchaos
# must say, not hide).
$(BUILD)/targets/static_pipe: tests/targets/static_pipe.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -static -o $@ $<

# ---- issue 10's launcher tests (tests/test_run_*.c): their shared header,
# and a static target, which `run` refuses with a plan or a trace
$(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_run*.c)): tests/test_run_util.h
$(BUILD)/targets/launcher_static: TARGET_CFLAGS += -static

# ---- issue 12's report tests (tests/test_report*.c, their fixtures in
# tests/fixtures/report/); the render test reads chromium's screenshots
# (PNG) with zlib
REPORT_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_report*.c))
ALL_OUTPUTS += $(REPORT_TEST_BINS)
TESTS += $(REPORT_TEST_BINS)
$(REPORT_TEST_BINS): tests/test_report_util.h
$(BUILD)/tests/test_report_render: tests/test_report_render.c $(TEST_UTIL) tests/fc_test_util.h
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -Iinject -o $@ $< $(TEST_UTIL) $(HOST_LDFLAGS) -lcriterion -lz
