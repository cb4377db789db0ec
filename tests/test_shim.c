/* The shim's behaviours, observed by tests/targets/probe run under
 * `forkchaos run`.  One behaviour per test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

static const char *read_back(const char *path);

#define PROBE(plan, ...) fc_probe(&r, plan, NULL, (const char *const[]){ __VA_ARGS__, NULL })

Test(shim, third_pipe2_fails_with_emfile, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:when=3:error=EMFILE", "pipe2", "5"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 0 OK"));
	cr_expect(fc_line(r.out, "pipe2 2 0 OK"));
	cr_expect(fc_line(r.out, "pipe2 3 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "pipe2 4 0 OK"));
	cr_expect(fc_line(r.out, "pipe2 5 0 OK"));
}

Test(shim, second_fork_fails_with_eagain, .timeout = 30)
{
	cr_assert_eq(PROBE("fork:when=2:error=EAGAIN", "fork", "3"), 0, "stderr: %s", r.err);
	cr_expect_null(fc_line(r.out, "fork 1 -1"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "fork 2 -1 EAGAIN"), "out: %s", r.out);
	cr_expect_null(fc_line(r.out, "fork 3 -1"), "out: %s", r.out);
	cr_expect_eq(fc_count_prefix(r.out, "fork "), 3);
}

Test(shim, when_range_with_step_selects_every_other_call, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:when=2..6+2:error=ENFILE", "pipe2", "7"), 0);
	const char *expected[] = { "pipe2 1 0", "pipe2 2 -1 ENFILE", "pipe2 3 0", "pipe2 4 -1 ENFILE",
				   "pipe2 5 0", "pipe2 6 -1 ENFILE", "pipe2 7 0" };
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		cr_expect(fc_line(r.out, expected[i]), "missing '%s' in: %s", expected[i], r.out);
}

Test(shim, delay_of_50ms_is_observed, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:delay=50ms", "delay"), 0);
	long ret, us;
	cr_assert_eq(sscanf(fc_line(r.out, "delay ") ? fc_line(r.out, "delay ") : "", "delay %ld %ld", &ret, &us), 2, "out: %s",
		     r.out);
	cr_expect_eq(ret, 0, "the delayed call still succeeds");
	cr_expect_geq(us, 50000, "a delay of 50 ms lasted only %ld us", us);
}

Test(shim, delay_exit_is_observed_after_the_call, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:delay_exit=30ms", "delay"), 0);
	long ret, us;
	cr_assert_eq(sscanf(fc_line(r.out, "delay ") ? fc_line(r.out, "delay ") : "", "delay %ld %ld", &ret, &us), 2);
	cr_expect_geq(us, 30000, "delay_exit of 30 ms lasted only %ld us", us);
}

Test(shim, caller_depth_leaves_no_descriptor_behind, .timeout = 30)
{
	/* the unwinder for depth= must not open anything in the target (a
	 * library that validates addresses through a pipe would) */
	cr_assert_eq(PROBE("pipe:caller=via_helper:depth=2:delay=1ns", "census"), 0, "stderr: %s", r.err);
	int before, after, ret;
	const char *line = fc_line(r.out, "census ");
	cr_assert(line && sscanf(line, "census %d %d ret %d", &before, &after, &ret) == 3, "out: %s", r.out);
	cr_expect_eq(before, after, "descriptors before %d, after %d", before, after);
}

Test(shim, sigchld_inside_sigaction_sees_oldact_unfilled, .timeout = 30)
{
	cr_assert_eq(PROBE("sigaction:sig=SIGCHLD:at=inside:signal=SIGCHLD", "inside"), 0, "stderr: %s", r.err);
	/* the new handler ran, oldact was not yet filled when it ran, and the
	 * caller got its oldact filled afterwards */
	cr_expect(fc_line(r.out, "sigaction 0 handler_calls 1 saw_oldact_filled 0 oldact_filled_after 1"), "out: %s", r.out);
}

Test(shim, sigchld_at_exit_of_sigaction_sees_oldact_filled, .timeout = 30)
{
	cr_assert_eq(PROBE("sigaction:sig=SIGCHLD:at=exit:signal=SIGCHLD", "inside"), 0);
	cr_expect(fc_line(r.out, "sigaction 0 handler_calls 1 saw_oldact_filled 1 oldact_filled_after 1"), "out: %s", r.out);
}

Test(shim, sig_selector_spares_other_signals, .timeout = 30)
{
	cr_assert_eq(PROBE("sigaction:sig=SIGUSR1:error=EINVAL", "inside"), 0);
	cr_expect(fc_line(r.out, "sigaction 0 handler_calls 0"), "out: %s", r.out);
}

Test(shim, caller_fires_only_from_the_named_function, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe:caller=from_alpha:error=EMFILE", "caller", "2"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "alpha 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "alpha 2 -1 EMFILE"));
	cr_expect(fc_line(r.out, "beta 1 0 OK"));
	cr_expect(fc_line(r.out, "helper 1 0 OK"));
}

Test(shim, caller_depth_reaches_through_a_wrapper_function, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe:caller=via_helper:depth=2:error=EMFILE", "caller", "1"), 0);
	cr_expect(fc_line(r.out, "helper 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "beta 1 0 OK"), "beta is called directly, not via the helper");
	cr_expect(fc_line(r.out, "alpha 1 0 OK"));
}

static void pattern_for(const char *plan, char *out, size_t len)
{
	cr_assert_eq(PROBE(plan, "prob", "200"), 0, "stderr: %s", r.err);
	const char *line = fc_line(r.out, "pattern ");
	cr_assert(line);
	snprintf(out, len, "%.*s", (int)strcspn(line + 8, "\n"), line + 8);
}

Test(shim, same_seed_gives_same_sequence_and_another_seed_another, .timeout = 60)
{
	char first[256], second[256], other[256];
	pattern_for("dup:prob=0.3:seed=11:error=EMFILE", first, sizeof first);
	pattern_for("dup:prob=0.3:seed=11:error=EMFILE", second, sizeof second);
	pattern_for("dup:prob=0.3:seed=12:error=EMFILE", other, sizeof other);
	cr_expect_str_eq(first, second, "same seed, different choices");
	cr_expect_str_neq(first, other, "seeds 11 and 12 chose the same calls");
	int fired = 0;
	for (const char *p = first; *p; p++)
		fired += *p == 'x';
	/* 200 draws at p=0.3: far outside [20, 100] would mean a broken generator */
	cr_expect(fired > 20 && fired < 100, "fired %d of 200 at p=0.3", fired);
}

Test(shim, counting_restarts_in_the_forked_child, .timeout = 30)
{
	/* the first pipe2 of each process fails: the parent makes none, each
	 * child makes two, and each child's first one fails */
	cr_assert_eq(PROBE("pipe2:when=1:error=EMFILE", "fork", "2", "2"), 0);
	cr_expect(fc_line(r.out, "child1-pipe2 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child1-pipe2 2 0 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child2-pipe2 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child2-pipe2 2 0 OK"), "out: %s", r.out);
}

Test(shim, proc_child_spares_the_parent, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:proc=child:error=EMFILE;fork:proc=child:error=EAGAIN", "fork", "2", "1"), 0);
	cr_expect(fc_line(r.out, "fork 1 "), "out: %s", r.out);
	cr_expect_null(fc_line(r.out, "fork 1 -1"), "the parent's fork was hit: %s", r.out);
	cr_expect(fc_line(r.out, "child1-pipe2 1 -1 EMFILE"), "out: %s", r.out);
}

Test(shim, proc_parent_spares_the_children, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:proc=parent:error=EMFILE", "fork", "1", "1"), 0);
	cr_expect(fc_line(r.out, "child1-pipe2 1 0 OK"), "out: %s", r.out);
}

Test(shim, errno_is_untouched_by_pass_through_calls, .timeout = 30)
{
	/* a plan that names these calls, so they take the full path */
	cr_assert_eq(PROBE("pipe2,close,malloc:when=1000:error=EIO", "errno"), 0);
	cr_expect(fc_line(r.out, "errno pipe2 0 4242 close 4343 malloc 4444"), "out: %s", r.out);
}

Test(shim, repeated_plan_key_exits_2_naming_rule_and_column, .timeout = 30)
{
	/* the last error= used to win unseen: ENFILE was injected */
	cr_expect_eq(PROBE("pipe2:error=EMFILE:error=ENFILE", "pipe2", "1"), 2);
	cr_expect_null(fc_line(r.out, "pipe2 1"), "the target ran: %s", r.out);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos"), 1, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "rule 1") && strstr(r.err, "column 20") && strstr(r.err, "error= once"), "stderr: %s", r.err);
}

Test(shim, repeated_plan_key_stops_the_target_before_main, .timeout = 30)
{
	/* without the launcher: the shim's own parser refuses it, in the target */
	char preload[512];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", fc_build_path("libforkchaos.so"));
	const char *argv[] = { "/usr/bin/env",
			       preload,
			       "FORKCHAOS_PLAN=pipe2:when=2:when=1:error=EMFILE",
			       fc_build_path("targets/probe"),
			       "pipe2",
			       "2",
			       NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2, "out: %s err: %s", r.out, r.err);
	cr_expect_null(fc_line(r.out, "pipe2 1"), "the target ran: %s", r.out);
	cr_expect(strstr(r.err, "column 14") && strstr(r.err, "when= once"), "stderr: %s", r.err);
}

Test(shim, retval_replaces_the_result_without_the_call, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:when=1:retval=-1:error=ENFILE", "pipe2", "2"), 0);
	cr_expect(fc_line(r.out, "pipe2 1 -1 ENFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "pipe2 2 0 OK"));
}

Test(shim, posix_spawn_error_is_its_return_value, .timeout = 30)
{
	cr_assert_eq(PROBE("posix_spawn:error=EAGAIN", "spawn"), 0);
	cr_expect(fc_line(r.out, "spawn 11 EAGAIN"), "out: %s", r.out);
}

Test(shim, syscall_is_dispatched_by_number, .timeout = 30)
{
	cr_assert_eq(PROBE("sys_getppid:error=EPERM;sys_close:error=EINTR", "sys"), 0);
	cr_expect(fc_line(r.out, "sys_getppid 1 -1 EPERM"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "sys_close 1 -1 EINTR"), "out: %s", r.out);
}

Test(shim, syscall_nr_selector_matches_the_number, .timeout = 30)
{
	cr_assert_eq(PROBE("syscall:nr=110:error=EPERM", "sys"), 0); /* 110: getppid on x86_64 */
	cr_expect(fc_line(r.out, "sys_getppid 1 -1 EPERM"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "sys_close 1 -1 EBADF"), "close(12345) passes through: %s", r.out);
}

Test(shim, vfork_passes_through_intact, .timeout = 30)
{
	cr_assert_eq(PROBE("vfork:delay=1ms", "vfork"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "vfork 1 OK status 7"), "out: %s", r.out);
}

Test(shim, vfork_can_fail_with_an_injected_error, .timeout = 30)
{
	cr_assert_eq(PROBE("vfork:error=ENOMEM", "vfork"), 0);
	cr_expect(fc_line(r.out, "vfork -1 ENOMEM"), "out: %s", r.out);
}

Test(shim, no_plan_passes_everything_through, .timeout = 30)
{
	cr_assert_eq(fc_probe(&r, NULL, NULL, (const char *const[]){ "pipe2", "3", NULL }), 0);
	cr_expect_eq(fc_count_prefix(r.out, "pipe2 "), 3);
	cr_expect_null(strstr(r.out, " -1 "), "a call failed without a plan: %s", r.out);
}

Test(shim, signal_at_enter_arrives_before_the_call, .timeout = 30)
{
	/* the handler is installed by the very sigaction the rule acts on: a
	 * signal at enter finds the default SIGCHLD disposition (ignore), so
	 * the handler must not run; at=inside and at=exit (above) it does */
	cr_assert_eq(PROBE("sigaction:sig=SIGCHLD:signal=SIGCHLD", "inside"), 0);
	cr_expect(fc_line(r.out, "sigaction 0 handler_calls 0"), "out: %s", r.out);
}

Test(shim, when_counts_atomically_across_threads, .timeout = 60)
{
	/* 4 threads x 200 calls: exactly the first 50 matching calls fail,
	 * whichever threads make them */
	cr_assert_eq(PROBE("pipe2:when=1..50:error=EMFILE", "threads", "200"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "threads failures 50 of 800"), "out: %s", r.out);
}

Test(shim, shim_survives_exec_and_counts_from_one_again, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe2:when=1:error=EMFILE", "exec", "2"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 -1 EMFILE"), "the exec'd image is not under the plan: %s", r.out);
	cr_expect(fc_line(r.out, "pipe2 2 0 OK"), "out: %s", r.out);
}

Test(shim, fd_selector_matches_the_fd_argument, .timeout = 30)
{
	cr_assert_eq(PROBE("close:fd=1001:error=EIO", "fdsel"), 0);
	cr_expect(fc_line(r.out, "close1000 1 -1 EBADF"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "close1001 1 -1 EIO"), "out: %s", r.out);
}

Test(shim, lib_selector_fires_only_for_calls_from_that_library, .timeout = 30)
{
	cr_assert_eq(PROBE("pipe:lib=libfcprobe:error=ENFILE", "lib", fc_build_path("targets/libfcprobe.so")), 0, "stderr: %s",
		     r.err);
	cr_expect(fc_line(r.out, "lib 1 -1 ENFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "main 1 0 OK"), "out: %s", r.out);
}

Test(shim, calls_from_a_signal_handler_are_intercepted, .timeout = 30)
{
	/* the shim raises SIGUSR1 on entry to pipe(); the handler's pipe2 is
	 * itself failed by the second rule */
	cr_assert_eq(PROBE("pipe:signal=SIGUSR1;pipe2:error=EMFILE", "handler"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "handler main 0 handler_pipe2 -1"), "out: %s", r.out);
}

Test(shim, first_matching_rule_with_an_action_wins, .timeout = 30)
{
	/* both rules match the 2nd call; the first in plan order acts */
	cr_assert_eq(PROBE("pipe2:when=2:error=EMFILE;pipe2:when=2..3:error=ENFILE", "pipe2", "3"), 0);
	cr_expect(fc_line(r.out, "pipe2 2 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "pipe2 3 -1 ENFILE"), "out: %s", r.out);
}

Test(shim, error_at_exit_reports_failure_after_the_real_call, .timeout = 30)
{
	/* Linux close(): the fd is gone even when EINTR is reported */
	cr_assert_eq(PROBE("close:when=1:at=exit:error=EINTR", "closeexit"), 0);
	cr_expect(fc_line(r.out, "close-first 1 -1 EINTR"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "close-again 1 -1 EBADF"), "the first close did not happen: %s", r.out);
}

Test(shim, error_at_enter_skips_the_real_call, .timeout = 30)
{
	cr_assert_eq(PROBE("close:when=1:error=EINTR", "closeexit"), 0);
	cr_expect(fc_line(r.out, "close-first 1 -1 EINTR"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "close-again 1 0 OK"), "the skipped close happened: %s", r.out);
}

Test(shim, wait_child_holds_the_call_until_its_child_died, .timeout = 30)
{
	cr_assert_eq(PROBE("posix_spawn:wait_child=10s", "spawnwait"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "spawnwait 0 dead_on_return 1"), "out: %s", r.out);
}

Test(shim, signal_to_child_reaches_the_forked_child, .timeout = 30)
{
	/* SIGKILL@child at the exit of fork: the parent's waitpid sees it.  The
	 * child is held in its pipe2 (a delay) so it cannot exit first. */
	cr_assert_eq(PROBE("fork:at=exit:signal=SIGKILL@child;pipe2:proc=child:delay=20s", "fork", "1", "1"), 0, "stderr: %s",
		     r.err);
	cr_expect(fc_line(r.out, "child1-status killed:9"), "out: %s", r.out);
	cr_assert_eq(PROBE(NULL, "fork", "1"), 0);
	cr_expect(fc_line(r.out, "child1-status exited:0"), "without the rule: %s", r.out);
}

Test(shim, trace_lines_from_threads_never_interleave, .timeout = 60)
{
	/* 4 threads x 300 pipe2+close at once: every line must parse on its own
	 * (tests/check_trace.py; forked children: run.trace_is_json_lines...) */
	char trace[256];
	fc_temp_path(trace, sizeof trace, "t.jsonl");
	cr_assert_eq(fc_probe(&r, "pipe2:prob=0.1:seed=5:error=EMFILE", trace, (const char *const[]){ "threads", "300", NULL }),
		     0);
	const char *check[] = { "/usr/bin/python3", "tests/check_trace.py", trace, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)check), 0, "trace check: %s %s", r.out, r.err);
	int injected = 0;
	const char *line = fc_line(r.out, "call pipe2 injected ");
	cr_assert(line && sscanf(line, "call pipe2 injected %d", &injected) == 1, "summary: %s", r.out);
	cr_expect(injected > 40 && injected < 200, "prob=0.1 of 1200 calls injected %d", injected);
}

Test(shim, mem_calls_are_traced_only_when_asked, .timeout = 30)
{
	char trace[256];
	fc_temp_path(trace, sizeof trace, "t.jsonl");
	cr_assert_eq(fc_probe(&r, NULL, trace, (const char *const[]){ "errno", NULL }), 0);
	cr_expect_null(strstr(read_back(trace), "\"call\":\"malloc\""), "malloc traced without being asked");
	cr_assert_eq(fc_probe(&r, "malloc:when=999999:error=ENOMEM", trace, (const char *const[]){ "errno", NULL }), 0);
	cr_expect(strstr(read_back(trace), "\"call\":\"malloc\""), "malloc named by a rule, but not traced");
}

/* ---- regressions: targets that once broke the shim itself ---- */

#define STRESS(bin, plan, trace, ...)                                                                                        \
	fc_exec(&r,                                                                                                          \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--timeout", "60s", "--plan", plan, \
						      "--trace", trace, "--", fc_build_path(bin), __VA_ARGS__, NULL })

static char scratch[256];

static const char *read_back(const char *path)
{
	static char text[1 << 18];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = 0;
	if (f)
		fclose(f);
	return text;
}

Test(shim_regress, traced_handlers_do_not_deadlock_on_malloc, .timeout = 120)
{
	/* a stripped target: no symbols, so every trace line once meant an
	 * allocating libunwind lookup, from handlers too */
	fc_temp_path(scratch, sizeof scratch, "t.jsonl");
	/* no tcache: every malloc takes the arena lock the other thread holds */
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--timeout",
			       "60s",
			       "--plan",
			       "waitpid:delay=1ns",
			       "--trace",
			       scratch,
			       "--",
			       "/usr/bin/env",
			       "GLIBC_TUNABLES=glibc.malloc.tcache_count=0",
			       fc_build_path("targets/stress-stripped"),
			       "handler-malloc",
			       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "ok handler-malloc"));
	unlink(scratch);
}

Test(shim_regress, handler_on_an_8k_alternate_stack_survives_tracing, .timeout = 60)
{
	fc_temp_path(scratch, sizeof scratch, "t.jsonl");
	cr_assert_eq(STRESS("targets/stress", "waitpid:caller=reap:delay=1ns", scratch, "altstack"), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "ok altstack"));
	unlink(scratch);
}

Test(shim_regress, vfork_child_closing_fds_leaves_the_parents_trace_alone, .timeout = 60)
{
	char data[256];
	fc_temp_path(scratch, sizeof scratch, "t.jsonl");
	fc_temp_path(data, sizeof data, "data");
	cr_assert_eq(STRESS("targets/stress", "pipe:delay=1ns", scratch, "vclose", data), 0, "err: %s", r.err);
	cr_expect_str_eq(read_back(data), "mine\n", "the trace leaked into the target's file");
	unlink(scratch);
	unlink(data);
}

Test(shim_regress, closefrom_then_reused_fds_never_receive_the_trace, .timeout = 60)
{
	char data[256];
	fc_temp_path(scratch, sizeof scratch, "t.jsonl");
	fc_temp_path(data, sizeof data, "data");
	cr_assert_eq(STRESS("targets/stress", "pipe:delay=1ns", scratch, "closefrom", data), 0, "err: %s", r.err);
	cr_expect_str_eq(read_back(data), "mine\n", "the trace leaked into the target's file");
	cr_expect(strstr(read_back(scratch), "\"call\":\"pipe\""), "the trace stopped after closefrom");
	unlink(scratch);
	unlink(data);
}

Test(shim_regress, counts_from_signal_handlers_are_not_lost, .timeout = 120)
{
	fc_temp_path(scratch, sizeof scratch, "t.jsonl");
	cr_assert_eq(STRESS("targets/stress", "write:fd=3:when=20000+:error=EIO", "/dev/null", "sigrace", "400000"), 0, "err: %s",
		     r.err);
	long writes, failures;
	const char *line = fc_line(r.out, "sigrace ");
	cr_assert(line && sscanf(line, "sigrace writes %ld failures %ld", &writes, &failures) == 2, "out: %s", r.out);
	cr_expect_eq(failures, writes - 19999, "%ld writes, %ld failed: from the 20000th on, all must fail", writes, failures);
}

Test(shim_regress, caller_names_longer_than_64_characters_match, .timeout = 60)
{
	cr_assert_eq(STRESS("targets/stress",
			    "pipe:caller=a_function_with_a_rather_long_name_of_more_than_sixty_four_characters_x:error=EMFILE",
			    "/dev/null", "longcaller"),
		     0);
	cr_expect(fc_line(r.out, "long -1 EMFILE"), "out: %s", r.out);
}

Test(shim_regress, caller_on_a_stripped_binary_warns_in_the_trace, .timeout = 60)
{
	fc_temp_path(scratch, sizeof scratch, "t.jsonl");
	cr_assert_eq(STRESS("targets/stress-stripped",
			    "pipe:caller=a_function_with_a_rather_long_name_of_more_than_sixty_four_characters_x:error=EMFILE",
			    scratch, "longcaller"),
		     0);
	cr_expect(fc_line(r.out, "long 0 OK"), "no symbols, no match: %s", r.out);
	const char *trace = read_back(scratch);
	cr_expect(strstr(trace, "\"call\":\"warning\"") && strstr(trace, "no function of that name"), "no warning in the trace");
	/* with no symbols, callers are named object+offset (for addr2line) */
	cr_expect(strstr(trace, "\"caller\":\"stress-stripped+0x"), "no object+offset caller in the trace");
	unlink(scratch);
}

Test(shim_regress, clone3_with_a_bad_pointer_gets_efault, .timeout = 60)
{
	cr_assert_eq(STRESS("targets/stress", "sys_clone3:delay=1ns", "/dev/null", "clone3bad"), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "clone3 -1 EFAULT"), "out: %s", r.out);
}

Test(shim_regress, vfork_in_a_constructor_before_ours_works, .timeout = 60)
{
	cr_assert_eq(STRESS("targets/early", "pipe:delay=1ns", "/dev/null", NULL), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "early vfork status 5"), "out: %s", r.out);
}

Test(shim_regress, seed_is_decimal_in_the_launcher_and_the_shim, .timeout = 60)
{
	char eight[sizeof r.out], zero_eight[sizeof r.out], ten[sizeof r.out];
	const char *argv8[] = {
		fc_build_path("forkchaos"),     "run",  "--seed", "8", "--plan", "dup:prob=0.5:error=EMFILE", "--",
		fc_build_path("targets/probe"), "prob", "64",     NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)argv8), 0);
	snprintf(eight, sizeof eight, "%s", r.out);
	argv8[3] = "08";
	cr_assert_eq(fc_exec(&r, (char *const *)argv8), 0);
	snprintf(zero_eight, sizeof zero_eight, "%s", r.out);
	argv8[3] = "010";
	cr_assert_eq(fc_exec(&r, (char *const *)argv8), 0);
	snprintf(ten, sizeof ten, "%s", r.out);
	cr_expect_str_eq(eight, zero_eight, "08 and 8 are the same decimal seed");
	cr_expect_str_neq(eight, ten, "010 is ten, not octal eight");
}
