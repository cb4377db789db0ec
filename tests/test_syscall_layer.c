/* Syscall-level injection (issue 13): sys_NAME rules reach the syscalls
 * glibc makes inside fork(), posix_spawn(), pthread_create(), system() and
 * popen(), a static binary's, and those of programs nobody here wrote, with
 * the counting of entry-point rules (per process, when=, a child from 1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

#define LAYER(plan, ...)                                                                                       \
	fc_exec(&r,                                                                                            \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--plan", plan, "--", \
						      fc_build_path("targets/syslayer"), __VA_ARGS__, NULL })

Test(syslayer, sys_clone_eagain_fails_fork, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone:error=EAGAIN", "fork", "1"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "fork 1 -1 EAGAIN"), "out: %s", r.out);
}

Test(syslayer, sys_clone3_enosys_lets_posix_spawn_fall_back, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone3:error=ENOSYS", "spawn"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "spawn 1 OK"), "out: %s", r.out);
	/* the fallback is really taken: clone3 was refused */
	cr_expect(strstr(r.err, "acted on 1"), "stderr: %s", r.err);
}

Test(syslayer, sys_clone3_and_clone_eagain_fail_posix_spawn, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone3,sys_clone:error=EAGAIN", "spawn"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "spawn 1 -1 EAGAIN"), "out: %s", r.out);
}

Test(syslayer, sys_clone3_and_clone_eagain_fail_pthread_create, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone3,sys_clone:error=EAGAIN", "thread"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "thread 1 -1 EAGAIN"), "out: %s", r.out);
}

Test(syslayer, system_fails_cleanly_without_a_shell, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone3,sys_clone:error=EAGAIN", "system"), 0, "stderr: %s", r.err);
	/* glibc's system() says a shell it could not start is status 127 */
	cr_expect(fc_line(r.out, "system 127-no-shell"), "out: %s", r.out);
}

Test(syslayer, popen_fails_cleanly_with_null, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone3,sys_clone:error=EAGAIN", "popen"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "popen NULL"), "out: %s", r.out);
}

Test(syslayer, when_2_fails_only_the_second_fork, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone:when=2:error=EAGAIN", "fork", "3"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "fork 1 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "fork 2 -1 EAGAIN"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "fork 3 OK"), "out: %s", r.out);
}

Test(syslayer, a_forked_child_counts_again_from_1, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone:when=2:error=EAGAIN", "forkchild", "2"), 0, "stderr: %s", r.err);
	/* the child's second clone is its own second, not the parent's third */
	cr_expect(fc_line(r.out, "child-fork 1 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child-fork 2 -1 EAGAIN"), "out: %s", r.out);
	/* the parent's: its first made the child, its second fails */
	cr_expect(fc_line(r.out, "first-fork 1 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "parent-fork 1 -1 EAGAIN"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "parent-fork 2 OK"), "out: %s", r.out);
	cr_expect(strstr(r.err, "in 2 processes"), "stderr: %s", r.err);
}

Test(syslayer, an_exec_counts_again_from_1, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_pipe2:when=2:error=EMFILE", "reexec", "2"), 0, "stderr: %s", r.err);
	/* each image's second pipe2 fails: the same pid, a new image */
	cr_expect_eq(fc_count_prefix(r.out, "pipe2 1 OK"), 2, "out: %s", r.out);
	cr_expect_eq(fc_count_prefix(r.out, "pipe2 2 -1 EMFILE"), 2, "out: %s", r.out);
}

Test(syslayer, static_binary_pipe2_is_reached, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),           "run", "--plan", "sys_pipe2:error=EMFILE", "--",
			       fc_build_path("targets/static_pipe"), NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "static pipe2 -1"), "out: %s", r.out);
}

Test(syslayer, static_binary_with_an_entry_point_rule_is_refused, .timeout = 30)
{
	const char *argv[] = {
		fc_build_path("forkchaos"),           "run", "--plan", "pipe2:error=EMFILE;sys_pipe2:error=EMFILE", "--",
		fc_build_path("targets/static_pipe"), NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "statically linked"), "stderr: %s", r.err);
	cr_expect(!fc_line(r.out, "static pipe2"), "it ran: %s", r.out);
}

Test(syslayer, retval_is_what_the_syscall_returns, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_getppid:retval=42", "getppid"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "getppid 42"), "out: %s", r.out);
}

Test(syslayer, signal_is_sent_before_the_answer, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_pipe2:signal=SIGUSR1", "signal"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "signal delivered"), "out: %s", r.out);
}

Test(syslayer, via_api_acts_on_syscall2_only, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_getppid:via=api:retval=42", "raw"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "raw getppid 42"), "out: %s", r.out);
	cr_assert_eq(LAYER("sys_getppid:via=api:retval=42", "getppid"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "getppid real"), "glibc's getppid() is out of via=api's reach: %s", r.out);
}

Test(syslayer, syscall2_calls_are_counted_once, .timeout = 30)
{
	/* the shim sees syscall(SYS_getppid) too: the supervisor alone acts */
	cr_assert_eq(LAYER("sys_getppid:when=2:retval=42", "raw"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "raw getppid real"), "out: %s", r.out);
	cr_expect(strstr(r.err, "matched 1 call in 1 process, acted on 0"), "stderr: %s", r.err);
}

/* A two-job Makefile; make spawns each job with posix_spawn. */
static void two_jobs(char *dir, size_t len)
{
	fc_temp_path(dir, len, "make");
	cr_assert_eq(mkdir(dir, 0700), 0);
	char path[512];
	snprintf(path, sizeof path, "%s/Makefile", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("all: a b\na:\n\t@echo job-a\nb:\n\t@echo job-b\n", f);
	fclose(f);
}

Test(syslayer, make_j2_reports_the_second_jobs_spawn_failure, .timeout = 60)
{
	char dir[256], mf[300];
	if (access("/usr/bin/make", X_OK) != 0)
		cr_skip_test("make is not installed");
	two_jobs(dir, sizeof dir);
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--plan",
			       "sys_clone3,sys_clone:when=2:error=EAGAIN",
			       "--",
			       "/usr/bin/make",
			       "-s",
			       "-j2",
			       "-C",
			       dir,
			       NULL };
	int code = fc_exec(&r, (char *const *)argv);
	snprintf(mf, sizeof mf, "%s/Makefile", dir);
	unlink(mf);
	rmdir(dir);
	cr_expect_neq(code, 0, "make did not fail: out %s err %s", r.out, r.err);
	cr_expect(fc_line(r.out, "job-a"), "the first job did not run: %s", r.out);
	cr_expect(!fc_line(r.out, "job-b"), "the second job ran: %s", r.out);
	cr_expect(strstr(r.err, "Resource temporarily unavailable"), "stderr: %s", r.err);
}

/* The real interpreter, not a wrapper script (pyenv's) that forks itself. */
static int python(char *buf, size_t len)
{
	FILE *p = popen("python3 -c 'import sys; print(sys.executable)' 2>/dev/null", "r");
	int ok = p && fgets(buf, (int)len, p) != NULL;
	if (p)
		pclose(p);
	buf[strcspn(buf, "\n")] = 0;
	return ok && buf[0] == '/';
}

Test(syslayer, python_subprocess_raises_oserror, .timeout = 60)
{
	char py[512];
	if (!python(py, sizeof py))
		cr_skip_test("python3 is missing: Python's subprocess not tried");
	const char *script = "import subprocess\n"
			     "try:\n"
			     "    subprocess.run(['true'])\n"
			     "    print('ran')\n"
			     "except OSError as e:\n"
			     "    print('OSError', e.errno)\n";
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--plan",
			       "sys_clone3,sys_clone,sys_vfork:error=EAGAIN",
			       "--",
			       py,
			       "-c",
			       script,
			       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "OSError 11"), "out: %s", r.out);
}

Test(syslayer, trace_says_how_each_call_was_seen, .timeout = 30)
{
	char trace[256];
	fc_temp_path(trace, sizeof trace, "trace");
	const char *argv[] = {
		fc_build_path("forkchaos"),        "run",  "--trace", trace, "--plan", "sys_clone:error=EAGAIN", "--",
		fc_build_path("targets/syslayer"), "fork", "1",       NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	FILE *f = fopen(trace, "r");
	cr_assert(f);
	static char text[65536];
	size_t got = fread(text, 1, sizeof text - 1, f);
	text[got] = 0;
	fclose(f);
	cr_expect(
		strstr(text, "\"call\":\"sys_clone\",\"ret\":-1,\"errno\":11,\"injected\":\"error=EAGAIN\",\"caller\":\"_Fork\""),
		"no injected sys_clone line from _Fork: %s", text);
	cr_expect(strstr(text, "\"via\":\"syscall\""), "trace: %s", text);
	cr_expect(strstr(text, "\"call\":\"fork\"") && strstr(text, "\"via\":\"api\""), "trace: %s", text);
}

Test(syslayer, an_injected_ebadf_is_no_double_close_finding, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--check",
			       "double-close",
			       "--plan",
			       "sys_close:error=EBADF",
			       "--",
			       fc_build_path("targets/syslayer"),
			       "pipe",
			       "2",
			       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "matched 4 calls in 1 process, acted on 4"), "stderr: %s", r.err);
}

Test(syslayer, caller_looks_at_the_frames_above_the_syscall, .timeout = 30)
{
	/* the syscall is made in glibc's _Fork, under fork(), under forks() */
	cr_assert_eq(LAYER("sys_clone:caller=forks:depth=5:error=EAGAIN", "fork", "1"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "fork 1 -1 EAGAIN"), "out: %s", r.out);
	cr_assert_eq(LAYER("sys_clone:caller=forks:error=EAGAIN", "fork", "1"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "fork 1 OK"), "depth=1 is the function that made the syscall: %s", r.out);
}

Test(syslayer, lib_is_the_object_libc_works_for, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_clone:lib=syslayer:error=EAGAIN", "fork", "1"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "fork 1 -1 EAGAIN"), "out: %s", r.out);
	cr_assert_eq(LAYER("sys_clone:lib=libffd:error=EAGAIN", "fork", "1"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "fork 1 OK"), "out: %s", r.out);
}

Test(syslayer, trace_summary_counts_the_supervisors_rules, .timeout = 30)
{
	char trace[256];
	fc_temp_path(trace, sizeof trace, "trace");
	const char *run[] = { fc_build_path("forkchaos"),
			      "run",
			      "-q",
			      "--trace",
			      trace,
			      "--plan",
			      "sys_clone:when=2:error=EAGAIN",
			      "--",
			      fc_build_path("targets/syslayer"),
			      "forkchild",
			      "2",
			      NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)run), 0, "stderr: %s", r.err);
	const char *summary[] = { fc_build_path("forkchaos"), "trace", trace, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)summary), 0, "stderr: %s", r.err);
	/* the parent's 3 clones and the child's 2, from the supervisor's exit lines */
	cr_expect(strstr(r.out, "matched 5 in 2 processes, acted 2"), "out: %s", r.out);
}
