/* The launcher: exit codes, plan validation, timeout, environment, trace. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

Test(run, exit_code_of_the_command_is_passed_on, .timeout = 30)
{
	cr_expect_eq(fc_probe(&r, NULL, NULL, (const char *const[]){ "exit", "37", NULL }), 37);
}

Test(run, death_by_signal_gives_128_plus_n, .timeout = 30)
{
	cr_expect_eq(fc_probe(&r, NULL, NULL, (const char *const[]){ "kill", "15", NULL }), 128 + 15);
}

Test(run, malformed_plan_exits_2_without_running_the_target, .timeout = 30)
{
	char marker[256];
	fc_temp_path(marker, sizeof marker, "marker");
	const char *argv[] = { fc_build_path("forkchaos"), "run",  "--plan", "pipe2:when=3:error=EMFILE;fork:when=x", "--",
			       "/usr/bin/touch",           marker, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect_neq(access(marker, F_OK), 0, "the target ran despite the bad plan");
	/* one line naming the rule, the column and what was expected */
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos"), 1, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "rule 2"), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "column 37"), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "expected"), "stderr: %s", r.err);
	unlink(marker);
}

Test(run, unknown_call_is_rejected_with_exit_2, .timeout = 30)
{
	cr_expect_eq(fc_probe(&r, "frobnicate:error=EIO", NULL, (const char *const[]){ "exit", "0", NULL }), 2);
	cr_expect(strstr(r.err, "rule 1"), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "unknown call"), "stderr: %s", r.err);
}

Test(run, missing_command_exits_2_and_leaves_no_trace_file, .timeout = 30)
{
	char trace[256];
	fc_temp_path(trace, sizeof trace, "t.jsonl");
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--trace", trace, "--", "/nonexistent/forkchaos-nothing", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(strstr(r.err, "No such file"), "stderr: %s", r.err);
	cr_expect_neq(access(trace, F_OK), 0, "an empty trace was left behind");
}

Test(run, timeout_kills_the_whole_tree_and_exits_124, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),     "run",  "--timeout", "300ms", "--",
			       fc_build_path("targets/probe"), "hang", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 124, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "timeout"), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "wchan"), "the timeout message names where it was stuck: %s", r.err);
	/* fc_exec returned: every pipe end of the tree is closed, i.e. the
	 * child and grandchild of probe are gone too (they held stdout) */
}

Test(run, ld_preload_is_prepended_not_replaced, .timeout = 30)
{
	/* verify_asan_link_order=0: under SAN= forkchaos itself is sanitized and
	 * would refuse an LD_PRELOAD ahead of its runtime */
	const char *argv[] = { "/usr/bin/env",
			       "LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6",
			       "ASAN_OPTIONS=verify_asan_link_order=0",
			       fc_build_path("forkchaos"),
			       "run",
			       "--",
			       fc_build_path("targets/probe"),
			       "env",
			       "LD_PRELOAD",
			       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	const char *line = fc_line(r.out, "env LD_PRELOAD ");
	cr_assert(line, "out: %s", r.out);
	cr_expect(strstr(line, "libforkchaos.so:/lib/x86_64-linux-gnu/libm.so.6"), "line: %s", line);
}

Test(run, trace_is_json_lines_with_the_design_fields, .timeout = 30)
{
	char trace[256];
	fc_temp_path(trace, sizeof trace, "trace.jsonl");
	cr_assert_eq(fc_probe(&r, "pipe2:when=2:error=EMFILE;fork:when=1:delay=1ms", trace,
			      (const char *const[]){ "fork", "1", "2", NULL }),
		     0, "stderr: %s", r.err);
	const char *argv[] = { "/usr/bin/python3", "tests/check_trace.py", trace, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "trace check: %s %s", r.out, r.err);
	cr_expect(fc_line(r.out, "call pipe2 injected 1"), "summary: %s", r.out);
	cr_expect(fc_line(r.out, "call fork injected 1"), "summary: %s", r.out);
	cr_expect(fc_line(r.out, "call exec injected 0"), "summary: %s", r.out);
	unlink(trace);
}

Test(run, prob_without_seed_prints_the_chosen_seed, .timeout = 30)
{
	cr_assert_eq(fc_probe(&r, "dup:prob=0.5:error=EMFILE", NULL, (const char *const[]){ "prob", "10", NULL }), 0);
	cr_expect(strstr(r.err, "replay with --seed"), "stderr: %s", r.err);
}

Test(run, help_documents_every_option, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--help", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0);
	const char *options[] = { "--plan", "--trace", "--timeout", "--seed", "--shim", "examples" };
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		cr_expect(strstr(r.out, options[i]), "run --help lacks %s", options[i]);
	const char *top[] = { fc_build_path("forkchaos"), "--help", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)top), 0);
	const char *items[] = { "error=", "retval=", "delay=",      "delay_exit=", "signal=",   "at=",
				"when=",  "prob=",   "seed=",       "caller=",     "lib=",      "proc=",
				"sig=",   "fd=",     "syscall:nr=", "pipe2",       "sys_clone3" };
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		cr_expect(strstr(r.out, items[i]), "--help lacks %s", items[i]);
}

Test(run, interactive_command_gets_the_terminal, .timeout = 30)
{
	/* under a pseudo-terminal (script), the command reads from it; without
	 * the terminal handed over, SIGTTIN would stop it until the timeout */
	char inner[1024], outer[1400];
	snprintf(inner, sizeof inner, "%s run --timeout 10s -- /bin/sh -c 'read x; echo got \\$x'", fc_build_path("forkchaos"));
	snprintf(outer, sizeof outer, "echo hello | script -qec \"%s\" /dev/null", inner);
	const char *argv[] = { "/bin/sh", "-c", outer, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.out, "got hello"), "out: %s", r.out);
}

Test(run, shim_that_is_not_a_shared_object_is_refused, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--shim", "/etc/passwd", "--", "/bin/true", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(strstr(r.err, "--shim /etc/passwd"), "err: %s", r.err);
}

Test(run, interrupt_kills_a_command_that_ignores_it_and_exits_3, .timeout = 40)
{
	char marker[256], script[1024];
	fc_temp_path(marker, sizeof marker, "started");
	snprintf(script, sizeof script, "trap '' TERM; touch %s; exec %s hang", marker, fc_build_path("targets/probe"));
	/* its stderr is the test's to read: the "interrupted" line is meant */
	int err[2], saved = dup(2);
	cr_assert_eq(pipe(err), 0);
	dup2(err[1], 2);
	pid_t pid = fc_spawn_forkchaos(
		(const char *const[]){ "forkchaos", "run", "--timeout", "60s", "--", "/bin/sh", "-c", script, NULL }, -1);
	dup2(saved, 2);
	close(saved);
	close(err[1]);
	cr_assert(fc_await_file(marker), "the command never started");
	kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status 0x%x: expected exit 3 after the grace", status);
	ssize_t got = read(err[0], r.err, sizeof r.err - 1);
	r.err[got > 0 ? got : 0] = 0;
	cr_expect(strstr(r.err, "forkchaos run: interrupted: "), "err: %s", r.err);
	close(err[0]);
}

Test(run, timeout_names_the_function_a_spinning_target_is_in, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),       "run",  "--timeout", "300ms", "--",
			       fc_build_path("targets/lineage"), "spin", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 124, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "state R running: spin_forever+0x"), "stderr: %s", r.err);
}

Test(run, timeout_describes_every_thread_blocked_or_running, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--timeout", "300ms", "--", fc_build_path("targets/lineage"),
			       "spin-and-block",           NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 124, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "2 threads: "), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "state R running: spin_forever+0x"), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "state S wchan ") && strstr(r.err, "blocked_in_pause+0x"), "stderr: %s", r.err);
}

Test(run, option_given_twice_is_refused, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--plan",
			       "pipe2:error=EMFILE",
			       "-p",
			       "fork:error=EAGAIN",
			       "--",
			       "/bin/true",
			       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(fc_line(r.err, "forkchaos run: --plan given twice; expected it at most once"), "err: %s", r.err);
}

Test(run, unknown_option_is_one_line_naming_it, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--bogus", "--", "/bin/true", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(fc_line(r.err, "forkchaos run: unknown option '--bogus'; see `forkchaos run --help`"), "err: %s", r.err);
	cr_expect_eq(fc_count_prefix(r.err, ""), 1, "one line: %s", r.err);
}

Test(run, bad_timeout_names_the_option_and_the_form, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "-T", "soon", "--", "/bin/true", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(fc_line(r.err, "forkchaos run: bad --timeout 'soon': expected a duration like 30, 500ms or 2s"), "err: %s",
		  r.err);
}
