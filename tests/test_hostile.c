/* Issue 9, an adversarial review of what the shim promises inside a target
 * (async-signal-safe, lock- and malloc-free, fork-, vfork- and
 * thread-safe, invisible): one test per finding's behaviour, each running
 * its reproducer (tests/targets/hostile_*.c) under `forkchaos run`.  A race
 * (or a lock wait that depends on timing) runs its reproducer in rounds,
 * the reproducer exiting 1 when its run showed the bug, and fails on any
 * bad round, saying k/N and the last bad run; the same reproducers, 200
 * runs each, are `make stress` (scripts/stress.sh). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;
static char trace[256], text[1 << 20], last_bad[4096];

#define JEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
#define TCMALLOC "/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4"
#define FAKETIME "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

/* forkchaos run --quiet --timeout 30s [--plan PLAN] [--trace T] -- ARGS */
static int run(const char *plan, int traced, const char *const args[])
{
	const char *argv[40];
	int n = 0;
	/* copied: fc_build_path's few slots are reused by later calls */
	static char forkchaos[4096];
	if (!forkchaos[0])
		snprintf(forkchaos, sizeof forkchaos, "%s", fc_build_path("forkchaos"));
	argv[n++] = forkchaos;
	argv[n++] = "run";
	argv[n++] = "--quiet";
	argv[n++] = "--timeout";
	argv[n++] = "30s";
	if (plan) {
		argv[n++] = "--plan";
		argv[n++] = plan;
	}
	if (traced) {
		unlink(trace);
		argv[n++] = "--trace";
		argv[n++] = trace;
	}
	argv[n++] = "--";
	for (int i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

#define RUN(plan, traced, ...) run((plan), (traced), (const char *const[]){ __VA_ARGS__, NULL })

/* ROUNDS runs of run(); how many did not exit 0 (the last one's output is
 * in last_bad). */
static int bad_rounds(int rounds, const char *plan, int traced, const char *const args[])
{
	int bad = 0;
	last_bad[0] = 0;
	for (int round = 0; round < rounds; round++)
		if (run(plan, traced, args) != 0) {
			bad++;
			snprintf(last_bad, sizeof last_bad, "exit %d: %.2000s%.2000s", r.code, r.out, r.err);
		}
	return bad;
}

#define ROUNDS(n, plan, traced, ...) bad_rounds((n), (plan), (traced), (const char *const[]){ __VA_ARGS__, NULL })
#define TARGET(name) fc_build_path("targets/" name)

static const char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[got] = 0;
	if (f)
		fclose(f);
	return text;
}

static void setup(void)
{
	fc_temp_path(trace, sizeof trace, "hostile.jsonl");
}

static void teardown(void)
{
	unlink(trace);
}

TestSuite(hostile, .init = setup, .fini = teardown);

/* ---- 1, 2: another interposer beside the shim ---- */

/* PRELOAD (a malloc replacement) before or after the shim: /bin/ls and a
 * threaded allocator workout must run, with a trace and with a %mem rule. */
static void other_preload_runs(const char *lib, int after)
{
	char preload[1024];
	if (access(lib, R_OK) != 0)
		cr_skip_test("%s is not installed", lib);
	if (after)
		snprintf(preload, sizeof preload, "LD_PRELOAD=%s %s", fc_build_path("libforkchaos.so"), lib);
	else
		snprintf(preload, sizeof preload, "LD_PRELOAD=%s %s", lib, fc_build_path("libforkchaos.so"));
	const char *plans[] = { NULL, "%mem:when=999999999:error=ENOMEM" };
	for (int p = 0; p < 2; p++) {
		cr_expect_eq(RUN(plans[p], !plans[p], "/usr/bin/env", preload, "/bin/ls", "/"), 0,
			     "ls with %s (plan %s): exit %d, stderr: %s", preload, plans[p] ? plans[p] : "none, a trace", r.code,
			     r.err);
		cr_expect_eq(RUN(plans[p], !plans[p], "/usr/bin/env", preload, TARGET("hostile_malloc")), 0,
			     "hostile_malloc with %s (plan %s): exit %d, stderr: %s", preload,
			     plans[p] ? plans[p] : "none, a trace", r.code, r.err);
	}
}

Test(hostile, jemalloc_after_the_shim_runs, .timeout = 60)
{
	other_preload_runs(JEMALLOC, 1);
}

Test(hostile, jemalloc_before_the_shim_runs, .timeout = 60)
{
	other_preload_runs(JEMALLOC, 0);
}

Test(hostile, tcmalloc_after_the_shim_runs, .timeout = 60)
{
	other_preload_runs(TCMALLOC, 1);
}

Test(hostile, tcmalloc_before_the_shim_runs, .timeout = 60)
{
	other_preload_runs(TCMALLOC, 0);
}

Test(hostile, faketime_after_the_shim_neither_recurses_nor_loses_the_trace, .timeout = 60)
{
	char preload[1024];
	if (access(FAKETIME, R_OK) != 0)
		cr_skip_test("%s is not installed", FAKETIME);
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s %s", fc_build_path("libforkchaos.so"), FAKETIME);
	cr_assert_eq(RUN(NULL, 1, "/usr/bin/env", preload, "FAKETIME=@2000-01-01 00:00:00", TARGET("hostile_faketime")), 0,
		     "exit %d, stderr: %s", r.code, r.err);
	cr_expect(fc_line(r.out, "faketime ok year 2000"), "faketime did not answer the program: %s", r.out);
	cr_expect(strstr(slurp(trace), "\"call\":\"pthread_sigmask\""), "no pthread_sigmask line in the trace");
}

/* ---- 3: the shim's stack in a handler ---- */

/* The altstack a handler gets in these tests: the legacy 8 KiB, or the
 * bare handler's need (the kernel's frame differs by CPU: AVX-512 is
 * larger) plus the shim's 4 KiB budget and 512 bytes for the handler,
 * whichever is larger.  The promise is that the shim fits such a stack;
 * on a larger one, depth= may use the room to unwind (caller.c). */
static const char *legacy_altstack(void)
{
	static char size_arg[32];
	cr_assert_eq(RUN(NULL, 0, TARGET("hostile_altstack"), "write"), 0, "bare measure: %s%s", r.out, r.err);
	const char *line = strstr(r.out, " bare ");
	long bare = line ? atol(line + 6) : 0, size = bare + 4096 + 512 > 8192 ? bare + 4096 + 512 : 8192;
	snprintf(size_arg, sizeof size_arg, "%ld", size);
	return size_arg;
}

/* hostile_altstack MODE under PLAN with a trace, on that stack: the shim's
 * part of the handler's stack, within its 4 KiB budget (exit 0). */
static void altstack_within_budget(const char *plan, const char *mode)
{
	const char *size = legacy_altstack();
	cr_expect_eq(RUN(plan, 1, TARGET("hostile_altstack"), mode, size), 0, "plan %s: exit %d: %s%s", plan ? plan : "none",
		     r.code, r.out, r.err);
}

Test(hostile, altstack_depth2_unwinding_fits_the_shims_budget, .timeout = 30)
{
	altstack_within_budget("write:caller=handler:depth=2:delay=1ns", "write");
}

Test(hostile, altstack_traced_call_fits_the_shims_budget, .timeout = 30)
{
	altstack_within_budget(NULL, "write");
}

Test(hostile, altstack_index_rebuild_fits_the_shims_budget, .timeout = 30)
{
	altstack_within_budget("pipe:lib=libhostile_plugin:error=EMFILE", "plugin");
}

Test(hostile, legacy_altstack_handler_with_depth2_never_crashes, .timeout = 60)
{
	const char *size = legacy_altstack();
	int crashed = 0;
	for (int round = 0; round < 20; round++)
		crashed += RUN("write:caller=handler:depth=2:delay=1ns", 1, TARGET("hostile_altstack"), "write", size) >= 128;
	cr_expect_eq(crashed, 0, "%d/20 runs died on a %s-byte altstack (last exit %d)", crashed, size, r.code);
}

/* ---- 4 ---- */

Test(hostile, clone_of_null_function_fails_einval_as_glibc, .timeout = 30)
{
	cr_assert_eq(RUN(NULL, 1, TARGET("hostile_clone")), 0, "exit %d: %s", r.code, r.err);
	cr_expect(fc_line(r.out, "clone -1 EINVAL"), "glibc says EINVAL; under the shim: %s", r.out);
}

/* ---- 5: the symbol index past its 256 objects ---- */

Test(hostile, lib_rule_on_the_300th_object_fires_or_is_refused, .timeout = 60)
{
	int code = RUN("pipe:lib=libmany-299:error=EMFILE", 0, TARGET("hostile_manylibs"), "300");
	cr_expect(fc_line(r.out, "libmany-299 pipe -1 EMFILE") || (code == 2 && strstr(r.err, "lib=")),
		  "the rule neither fired nor was refused (exit %d): %s%s", code, r.out, r.err);
}

/* ---- 7: a fork made inside glibc ---- */

Test(hostile, forkpty_child_counts_from_one_and_keeps_the_trace_out_of_its_file, .timeout = 30)
{
	char file[256];
	fc_temp_path(file, sizeof file, "forkpty.log");
	cr_assert_eq(RUN("pipe2:when=1:error=EMFILE", 1, TARGET("hostile_forkpty"), file), 0, "exit %d: %s", r.code, r.err);
	cr_expect(fc_line(r.out, "parent-pipe2 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "forkpty-child-pipe2 -1 EMFILE"), "the forkpty child did not count from 1: %s", r.out);
	cr_expect(fc_line(r.out, "child-exit 0"), "out: %s", r.out);
	cr_expect_str_eq(slurp(file), "forkpty\n", "trace lines in the child's own file");
	unlink(file);
}

/* ---- 11: dlclose ---- */

Test(hostile, plugin_reloads_under_a_caller_rule_keep_memory_flat, .timeout = 60)
{
	cr_expect_eq(RUN("pipe:caller=plugin:error=EMFILE", 0, TARGET("hostile_plugin"), "reload", "1000"), 0,
		     "the index grew with the rounds: %s%s", r.out, r.err);
}

Test(hostile, plugin_reloads_under_a_trace_keep_memory_flat, .timeout = 60)
{
	cr_expect_eq(RUN(NULL, 1, TARGET("hostile_plugin"), "reload", "1000"), 0, "the index grew with the rounds: %s%s", r.out,
		     r.err);
}

/* ---- 12: the trace's descriptor ---- */

/* "open-fds A -> B": B is A */
static void fds_flat(void)
{
	const char *line = strstr(r.out, "open-fds ");
	int before = -1, after = -2;
	cr_assert(line && sscanf(line, "open-fds %d -> %d", &before, &after) == 2, "out: %s", r.out);
	cr_expect_eq(after, before, "descriptors open: %d before, %d after: %s", before, after, r.out);
}

Test(hostile, injected_close_range_failures_leak_no_descriptor, .timeout = 30)
{
	cr_assert_eq(RUN("close_range:error=EINVAL;closefrom:error=EINVAL", 1, TARGET("hostile_fds"), "range-fail", "2000"), 0,
		     "exit %d: %s", r.code, r.err);
	fds_flat();
}

Test(hostile, real_close_range_failures_leak_no_descriptor, .timeout = 30)
{
	cr_assert_eq(RUN(NULL, 1, TARGET("hostile_fds"), "range-fail", "2000", "1"), 0, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(r.out, "failed 2000"), "the calls did not fail: %s", r.out);
	fds_flat();
}

Test(hostile, dup2_from_a_bad_fd_onto_the_trace_leaks_nothing, .timeout = 30)
{
	cr_assert_eq(RUN(NULL, 1, TARGET("hostile_fds"), "dup2-bad"), 0, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(r.out, "dup2-bad -1 EBADF"), "out: %s", r.out);
	fds_flat();
}

Test(hostile, the_trace_number_is_ebadf_to_the_program, .timeout = 30)
{
	cr_assert_eq(RUN(NULL, 1, TARGET("hostile_fds"), "shim-number"), 0, "exit %d: %s", r.code, r.err);
	cr_assert(fc_line(r.out, "trace-number found"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "fcntl -1 EBADF"), "fcntl(F_GETFD) on a number never opened: %s", r.out);
	cr_expect(fc_line(r.out, "close -1 EBADF"), "close() of a number never opened: %s", r.out);
}

Test(hostile, close_range_over_the_trace_is_traced, .timeout = 30)
{
	cr_assert_eq(RUN(NULL, 1, TARGET("hostile_fds"), "range-traced"), 0, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(slurp(trace), "\"call\":\"close_range\""), "no close_range line: %s", text);
}

/* ---- 14: at=inside copies what the kernel wrote, no more ---- */

/* The program's line under the plan, without its "usr2 N" (the signal
 * the plan sends), is its line without the shim. */
static void inside_copies_only_the_kernels_bytes(const char *call, const char *plan)
{
	char bare[512], *cut;
	cr_assert_eq(fc_exec(&r, (char *const[]){ (char *)TARGET("hostile_sigmask"), (char *)call, NULL }), 0);
	snprintf(bare, sizeof bare, "%.500s", r.out);
	if ((cut = strstr(bare, " usr2 ")))
		*cut = 0;
	cr_assert_eq(RUN(plan, 0, TARGET("hostile_sigmask"), call), 0, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(r.out, " usr2 1"), "the plan's signal did not come: %s", r.out);
	if ((cut = strstr(r.out, " usr2 ")))
		*cut = 0;
	cr_expect_str_eq(r.out, bare, "bytes 8..127 of the caller's set differ from libc's own: %s under the shim, %s without",
			 r.out, bare);
}

Test(hostile, sigprocmask_inside_copies_only_the_kernels_bytes, .timeout = 30)
{
	inside_copies_only_the_kernels_bytes("sigprocmask", "sigprocmask:at=inside:signal=SIGUSR2");
}

Test(hostile, pthread_sigmask_inside_copies_only_the_kernels_bytes, .timeout = 30)
{
	inside_copies_only_the_kernels_bytes("pthread_sigmask", "pthread_sigmask:at=inside:signal=SIGUSR2");
}

/* Not sigaction: glibc 2.36 copies all 128 bytes of oldact.sa_mask from a
 * kernel_sigaction on its own stack, of which the kernel wrote 8: bytes
 * 8..127 are whatever that stack held, with or without the shim, so there
 * is nothing of the caller's to keep. */

/* ---- 15: the trace's writes raise no signal in the target ---- */

Test(hostile, trace_to_a_closed_stdout_pipe_raises_no_sigpipe, .timeout = 30)
{
	char script[2048];
	snprintf(script, sizeof script, "LD_PRELOAD='%s' FORKCHAOS_TRACE=/dev/stdout '%s'; echo \"status $?\" >&2",
		 fc_build_path("libforkchaos.so"), TARGET("hostile_sigpipe"));
	char pipeline[2300];
	snprintf(pipeline, sizeof pipeline, "( %s ) | head -c1 >/dev/null", script);
	fc_exec(&r, (char *const[]){ "/bin/sh", "-c", pipeline, NULL });
	cr_assert(strstr(r.err, "status 0"), "the program's status is not its own (141: SIGPIPE): %s", r.err);
	cr_expect(strstr(r.err, "reader gone"), "the reader did not leave, nothing was shown: %s", r.err);
}

Test(hostile, trace_past_rlimit_fsize_raises_no_sigxfsz_nor_cuts_a_line, .timeout = 30)
{
	cr_expect_eq(RUN(NULL, 1, TARGET("hostile_fsize")), 0, "exit %d (153: SIGXFSZ): %s", r.code, r.err);
	size_t len = strlen(slurp(trace));
	cr_expect(len > 0 && text[len - 1] == '\n', "the trace ends in a cut line: ...%s", len > 80 ? text + len - 80 : text);
}

/* ---- the races and lock waits ---- */

/* ---- 5, 6: the loader's lock ---- */

Test(hostile, handler_call_from_jit_code_under_a_trace_takes_no_loader_lock, .timeout = 60)
{
	int bad = ROUNDS(3, NULL, 1, TARGET("hostile_jit"));
	cr_expect_eq(bad, 0, "%d/3 runs: the handler waited for the loader lock; last: %s", bad, last_bad);
}

Test(hostile, handler_call_from_jit_code_under_a_lib_rule_takes_no_loader_lock, .timeout = 60)
{
	int bad = ROUNDS(3, "pipe:lib=libc:error=EMFILE", 0, TARGET("hostile_jit"));
	cr_expect_eq(bad, 0, "%d/3 runs: the handler waited for the loader lock; last: %s", bad, last_bad);
}

Test(hostile, fork_child_of_a_threaded_program_never_hangs, .timeout = 90)
{
	int bad = ROUNDS(5, NULL, 1, TARGET("hostile_forkchild"), "50");
	cr_expect_eq(bad, 0, "%d/5 runs had a fork child hang; last: %s", bad, last_bad);
}

/* ---- 8: the trace's number against dup2 from another thread ---- */

Test(hostile, dup2_over_the_trace_while_threads_trace_keeps_lines_out_of_the_pipe, .timeout = 90)
{
	int bad = ROUNDS(10, NULL, 1, TARGET("hostile_juggler"), "200");
	cr_expect_eq(bad, 0, "%d/10 runs: trace bytes came out of the program's pipe; last: %s", bad, last_bad);
}

/* ---- 9, 10: counts that must be exact ---- */

Test(hostile, raw_clone_threads_count_exactly, .timeout = 60)
{
	int bad = ROUNDS(10, "pipe2:when=1..100000:error=EMFILE", 0, TARGET("hostile_rawclone"), "100000", "100000");
	cr_expect_eq(bad, 0, "%d/10 runs lost counts; last: %s", bad, last_bad);
}

Test(hostile, handler_calls_inside_the_shims_guard_are_all_seen, .timeout = 60)
{
	int bad = ROUNDS(10, "pipe:caller=busy:depth=2:error=EMFILE;dup:error=EMFILE", 0, TARGET("hostile_guarded"), "2000");
	cr_expect_eq(bad, 0, "%d/10 runs: handler calls passed the shim unseen; last: %s", bad, last_bad);
}

/* ---- 11: a rule's ranges after dlclose ---- */

Test(hostile, caller_rule_does_not_fire_on_a_library_loaded_where_its_function_was, .timeout = 60)
{
	int bad = ROUNDS(5, "pipe:caller=alpha:error=EMFILE", 0, TARGET("hostile_plugin"), "swap");
	cr_expect_eq(bad, 0, "%d/5 runs: caller=alpha fired on beta; last: %s", bad, last_bad);
	cr_expect(strstr(r.out, "alpha -1 EMFILE"), "the rule did not fire on alpha itself: %s", r.out);
}
