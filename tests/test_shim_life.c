/* A process's life under the shim, and what the launcher says of it: the
 * environment read without the program's getenv, counts in fork children
 * and atfork handlers, the trace's fields and exit lines, the rule summary,
 * --trace-calls and --trace-max.  Targets: tests/targets/life, ownlibc,
 * probe, run under `forkchaos run`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;
static char trace[256], text[1 << 20];

#define FC_RUN(...) fc_exec(&r, (char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", __VA_ARGS__, NULL })

static const char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[got] = 0;
	if (f)
		fclose(f);
	return text;
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;
	for (const char *p = haystack; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void setup(void)
{
	fc_temp_path(trace, sizeof trace, "life.jsonl");
}

static void teardown(void)
{
	unlink(trace);
}

TestSuite(life, .init = setup, .fini = teardown);

Test(life, own_getenv_does_not_hide_the_plan_or_the_trace, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--plan", "pipe2:when=2:error=EMFILE", "--trace", trace, "--", fc_build_path("targets/ownlibc"),
			    "pipes", "3"),
		     0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 2 -1 EMFILE"), "the plan was not applied: %s", r.out);
	cr_expect(strstr(slurp(trace), "\"call\":\"exec\""), "no trace line from the program");
}

Test(life, own_close_is_not_called_by_the_shim, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--", fc_build_path("targets/ownlibc"), "pipes", "2"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "own-close-calls 4 of 4"), "the shim's own closes reached the program's: %s", r.out);
}

Test(life, atfork_child_handler_call_is_the_childs_first, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--plan", "pipe2:when=4:error=EMFILE", "--", fc_build_path("targets/life"), "atfork"), 0,
		     "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "atfork-child-pipe2 1 0 OK"), "the child handler's pipe2 counted as the parent's: %s", r.out);
	cr_expect(fc_line(r.out, "parent-pipe2 4 -1 EMFILE"), "the parent's 4th pipe2: %s", r.out);
}

Test(life, daemon_child_counts_from_one_and_keeps_the_trace_out_of_its_files, .timeout = 30)
{
	char file[256], script[1024];
	fc_temp_path(file, sizeof file, "daemon.out");
	/* the daemon outlives its parent: the shell waits for its file, or
	 * the launcher would reap it as a stray before it wrote */
	snprintf(script, sizeof script, "'%s' daemon '%s' && until [ -s '%s' ]; do :; done", fc_build_path("targets/life"), file,
		 file);
	cr_assert_eq(FC_RUN("--timeout", "20s", "--plan", "pipe2:when=1:error=EMFILE", "--trace", trace, "--", "/bin/sh", "-c",
			    script),
		     0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "before-daemon-pipe2 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "daemon-pipe2 1 -1 EMFILE"), "the daemon did not count from 1: %s", r.out);
	cr_expect_str_eq(slurp(file), "daemon\n", "trace lines in the daemon's own file");
	unlink(file);
}

Test(life, trace_has_fds_child_wait_and_exit_fields, .timeout = 30)
{
	cr_assert_eq(
		FC_RUN("--plan", "pipe2:when=99:error=EMFILE", "--trace", trace, "--", fc_build_path("targets/life"), "waits"), 0,
		"stderr: %s", r.err);
	const char *t = slurp(trace);
	cr_expect(strstr(t, "\"call\":\"pipe\"") && strstr(t, "\"fds\":["), "no fds on the pipe line: %s", t);
	cr_expect(strstr(t, "\"call\":\"fork\"") && strstr(t, "\"child\":"), "no child on the fork line");
	cr_expect(strstr(t, "\"options\":1") && strstr(t, "\"wpid\":"), "no wpid/options on the WNOHANG waitpid");
	cr_expect(strstr(t, "\"reaped\":") && strstr(t, "\"status\":\"exited:3\""), "no reaped/status on the waitpid: %s", t);
	cr_expect(strstr(t, "\"call\":\"exit\",") && strstr(t, "\"matched\":[") && strstr(t, "\"acted\":[0]"),
		  "no exit line with the rule's counts");
	cr_expect(strstr(t, "\"argv\":[\"") && strstr(t, "\"ppid\":"), "no argv/ppid on the exec line");
}

Test(life, trace_names_the_handler_installed, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--", fc_build_path("targets/life"), "handler"), 0, "stderr: %s", r.err);
	const char *t = slurp(trace);
	cr_expect(strstr(t, "\"handler\":\"on_chld\""), "sigaction's handler is not named: %s", t);
	cr_expect(strstr(t, "\"handler\":\"SIG_IGN\""), "signal()'s SIG_IGN is not named");
}

Test(life, each_forked_child_writes_its_exit_line, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--", fc_build_path("targets/life"), "forks", "3"), 0, "stderr: %s", r.err);
	cr_expect_eq(count(slurp(trace), "\"call\":\"exit\""), 4, "3 children and the parent: %s", text);
}

Test(life, summary_says_what_each_rule_did, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--plan", "pipe2:when=2:error=EMFILE;fork:error=EAGAIN:when=99", "--", fc_build_path("targets/life"),
			    "forks", "3"),
		     0, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "rule 1 `pipe2:when=2:error=EMFILE`: matched 3 calls in 3 processes, acted on 0"), "stderr: %s",
		  r.err);
	cr_expect(strstr(r.err, "rule 2 `fork:error=EAGAIN:when=99`: matched 3 calls in 1 process, acted on 0"), "stderr: %s",
		  r.err);
}

Test(life, summary_names_vfork_when_a_fork_rule_never_matched, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--plan", "fork:error=EAGAIN", "--", fc_build_path("targets/probe"), "vfork"), 0, "stderr: %s",
		     r.err);
	cr_expect(strstr(r.err, "matched no call: the command spawns with vfork"), "stderr: %s", r.err);
}

Test(life, quiet_silences_the_summary, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--quiet", "--plan", "fork:error=EAGAIN", "--", fc_build_path("targets/probe"), "vfork"), 0);
	cr_expect_null(strstr(r.err, "rule 1"), "stderr: %s", r.err);
}

Test(life, unresolved_caller_is_said_at_start, .timeout = 30)
{
	cr_assert_eq(
		FC_RUN("--plan", "pipe2:caller=no_such_function:error=EMFILE", "--", fc_build_path("targets/life"), "forks", "1"),
		0);
	cr_expect(strstr(r.err, "its caller= names no function"), "stderr: %s", r.err);
}

Test(life, eintr_into_a_wnohang_wait_is_warned_once, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--plan", "waitpid:when=1:error=EINTR", "--", fc_build_path("targets/life"), "waits"), 0);
	cr_expect_eq(count(r.err, "injected EINTR into a WNOHANG wait"), 1, "stderr: %s", r.err);
}

Test(life, close_eintr_at_enter_is_warned, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--plan", "close:when=99:error=EINTR", "--", fc_build_path("targets/life"), "forks", "1"), 0);
	cr_expect(strstr(r.err, "at=exit:error=EINTR"), "stderr: %s", r.err);
}

Test(life, trace_calls_keeps_only_the_listed_calls, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--trace-calls", "fork,%wait", "--", fc_build_path("targets/life"), "forks", "2"),
		     0, "stderr: %s", r.err);
	const char *t = slurp(trace);
	cr_expect(strstr(t, "\"call\":\"fork\"") && strstr(t, "\"call\":\"waitpid\""), "trace: %s", t);
	cr_expect_null(strstr(t, "\"call\":\"pipe2\""), "pipe2 traced: %s", t);
}

Test(life, trace_calls_refuses_an_unknown_name, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--trace-calls", "fork,nosuch", "--", "/bin/true"), 2);
	cr_expect(strstr(r.err, "unknown call 'nosuch'"), "stderr: %s", r.err);
}

Test(life, trace_max_stops_each_process_with_one_line, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--trace-max", "2K", "--", fc_build_path("targets/life"), "forks", "20"), 0,
		     "stderr: %s", r.err);
	const char *t = slurp(trace);
	cr_expect_lt(strlen(t), 2048 + 21 * 300, "the trace grew past its cap: %zu bytes", strlen(t));
	cr_expect_geq(count(t, "\"call\":\"trace-stopped\""), 1, "no trace-stopped line");
	cr_expect(strstr(r.err, "reached --trace-max"), "stderr: %s", r.err);
}

Test(life, child_crash_is_written_to_the_report, .timeout = 30)
{
	char report[256], env[300];
	fc_temp_path(report, sizeof report, "report");
	snprintf(env, sizeof env, "FORKCHAOS_REPORT=%s", report);
	cr_assert_eq(FC_RUN("--", "/usr/bin/env", env, fc_build_path("targets/life"), "child-crash"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(slurp(report), "child-signaled "), "report: %s", text);
	cr_expect(strstr(text, " 11\n"), "not SIGSEGV: %s", text);
	unlink(report);
}

Test(life, explain_prints_the_summary_and_leaves_no_file, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--explain", "--plan", "fork:when=2:error=EAGAIN", "--", fc_build_path("targets/life"), "forks", "3"),
		     0, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "processes (3, children under their parent)"), "stderr: %s", r.err);
	cr_expect(strstr(r.err, "injected (1 times at 1 site)"), "stderr: %s", r.err);
}

Test(life, vfork_child_says_which_child_it_is, .timeout = 30)
{
	cr_assert_eq(FC_RUN("--trace", trace, "--", fc_build_path("targets/probe"), "vfork"), 0, "stderr: %s", r.err);
	const char *t = slurp(trace);
	cr_expect(strstr(t, "\"call\":\"vfork\"") && strstr(t, "\"side\":\"child\",\"child\":"), "trace: %s", t);
}

Test(life, handlers_look_the_same_through_the_trampoline, .timeout = 30)
{
	/* a trace turns the trampoline on: what the program sees of its own
	 * handlers (queries, oldact, flags, signal()'s return, SA_RESETHAND, a
	 * raw rt_sigaction query, the handler's arguments) must not change */
	static char bare[sizeof r.out];
	const char *argv[] = { fc_build_path("targets/life"), "dispositions", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0);
	snprintf(bare, sizeof bare, "%s", r.out);
	cr_assert(fc_line(bare, "info calls 1 pid 1"), "out: %s", bare);
	cr_assert_eq(FC_RUN("--trace", trace, "--", fc_build_path("targets/life"), "dispositions"), 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, bare);
	cr_assert_eq(
		FC_RUN("--plan", "pipe:caller=nowhere:error=EIO", "--quiet", "--", fc_build_path("targets/life"), "dispositions"),
		0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out, bare);
}

Test(life, relative_trace_path_is_resolved_once, .timeout = 30)
{
	/* without the launcher: a descendant that chdir()s and execs writes to
	 * the same file, not to one of that name in its new folder */
	char dir[256], script[600];
	fc_temp_path(dir, sizeof dir, "reldir");
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(script, sizeof script,
		 "cd '%s' && LD_PRELOAD='%s' FORKCHAOS_TRACE=rel.jsonl sh -c 'cd sub && /bin/true; cd / && /bin/true'", dir,
		 fc_build_path("libforkchaos.so"));
	char sub[300], rel[300];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	snprintf(rel, sizeof rel, "%s/rel.jsonl", dir);
	cr_expect_eq(count(slurp(rel), "\"call\":\"exec\""), 3, "sh and both trues in one file: %s", text);
	snprintf(rel, sizeof rel, "%s/sub/rel.jsonl", dir);
	cr_expect_neq(access(rel, F_OK), 0, "a second trace in the folder the shell moved to");
	unlink(rel);
	snprintf(rel, sizeof rel, "%s/rel.jsonl", dir);
	unlink(rel);
	rmdir(sub);
	rmdir(dir);
}

Test(life, vfork_line_does_not_claim_an_exit_side_it_could_not_do, .timeout = 30)
{
	cr_assert_eq(
		FC_RUN("--plan", "%proc:at=exit:error=EAGAIN", "--trace", trace, "--", fc_build_path("targets/probe"), "vfork"),
		0, "stderr: %s", r.err);
	const char *line = strstr(slurp(trace), "\"call\":\"vfork\",\"ret\":null");
	cr_assert(line, "trace: %s", text);
	cr_expect(strstr(line, "\"injected\":null,\"not_done\":"), "trace: %s", line);
	cr_expect(strstr(r.err, "acted on 0"), "stderr: %s", r.err);
}

Test(life, exec_of_a_static_program_or_without_the_shim_is_said_in_the_trace, .timeout = 30)
{
	char script[512];
	snprintf(script, sizeof script, "'%s' 2>/dev/null; env -u LD_PRELOAD /bin/true; /bin/true",
		 fc_build_path("targets/static_pipe"));
	cr_assert_eq(FC_RUN("--trace", trace, "--", "/bin/sh", "-c", script), 0, "stderr: %s", r.err);
	const char *t = slurp(trace);
	cr_expect(strstr(t, "static_pipe: is statically linked"), "trace: %s", t);
	cr_expect(strstr(t, "exec /bin/true: gets an environment without the shim"), "trace: %s", t);
	cr_expect_eq(count(t, "without the shim"), 1, "the plain /bin/true keeps the shim: %s", t);
}
