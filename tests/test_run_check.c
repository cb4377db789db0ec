/* forkchaos run --check: each oracle flags the target that breaks its
 * invariant and passes the sound twin (tests/targets/: spawner, daemonize,
 * sigchld_components, closer), which prints the same with every oracle on
 * as without the shim; the exit code, --check-out and bad input. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

#define FC_RUN(...) fc_exec(&r, (char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", __VA_ARGS__, NULL })

/* One invariant: the broken target and its sound twin (same program, other
 * mode), the plan that opens the window, what the failure line says. */
struct pair {
	const char *oracle, *target, *broken, *sound, *plan, *says;
};

static const struct pair pairs[] = {
	{ "fds", "spawner", "leaky", "tidy", "fork:when=2:error=EAGAIN",
	  "fds: 2 descriptors leaked; the first: fd 3 (pipe) open at exit, not at start; made by pipe2 at" },
	{ "strays", "daemonize", "double-fork", "wait", "", "strays: 1 descendant process(es) left behind" },
	{ "chained", "sigchld_components", "replace", "chain", "",
	  "chained: SIGCHLD handler component_handler installed at main over app_handler without reading it: app_handler "
	  "is lost" },
	{ "chained", "sigchld_components", "ignore-pred", "chain", "",
	  "chained: SIGCHLD handler component_handler (installed at main) read its predecessor app_handler and returned "
	  "without calling it" },
	{ "errno", "sigchld_components", "clobber", "save-errno", "",
	  "errno: the SIGCHLD handler component_handler returned with errno changed: 0 (0) became ESRCH (3)" },
	{ "eintr", "sigchld_components", "no-restart", "restart", "",
	  "eintr: read at reader failed with EINTR that no rule injected: the SIGCHLD handler component_handler "
	  "interrupted it, installed without SA_RESTART" },
	{ "double-close", "closer", "twice", "once", "",
	  "double-close: close(3) at main: the descriptor was not open (EBADF), no rule injected it" },
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

static const char *target(const struct pair *p)
{
	char name[64];
	snprintf(name, sizeof name, "targets/%s", p->target);
	return fc_build_path(name);
}

static int run_checked(const struct pair *p, const char *list, const char *mode)
{
	return FC_RUN("--quiet", "--check", list, "--plan", p->plan, "--", target(p), mode, "3");
}

static void broken_is_flagged(const struct pair *p, const char *list)
{
	cr_expect_eq(run_checked(p, list, p->broken), 1, "%s %s under --check %s: stderr: %s", p->target, p->broken, list, r.err);
	char line[512];
	snprintf(line, sizeof line, "forkchaos run: check: %s", p->says);
	cr_expect(fc_line(r.err, line), "%s %s: no line '%s' in: %s", p->target, p->broken, line, r.err);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos run: check: "), 1, "one failure only: %s", r.err);
}

Test(run_check, each_oracle_flags_its_broken_target, .timeout = 120)
{
	for (size_t i = 0; i < NPAIRS; i++)
		broken_is_flagged(&pairs[i], pairs[i].oracle);
}

Test(run_check, each_broken_target_fails_the_same_way_with_check_all, .timeout = 120)
{
	for (size_t i = 0; i < NPAIRS; i++)
		broken_is_flagged(&pairs[i], "all");
}

Test(run_check, each_sound_twin_passes_and_prints_what_it_prints_without_the_shim, .timeout = 120)
{
	for (size_t i = 0; i < NPAIRS; i++) {
		const struct pair *p = &pairs[i];
		static char plain[sizeof r.out];
		/* without the shim, and without the plan's fault: only the
		 * oracles' presence may not change what the program prints */
		cr_assert_eq(fc_exec(&r, (char *const *)(const char *const[]){ target(p), p->sound, "3", NULL }), 0,
			     "%s %s alone: %s", p->target, p->sound, r.err);
		snprintf(plain, sizeof plain, "%s", r.out);
		cr_expect_eq(FC_RUN("--quiet", "--check", "all", "--", target(p), p->sound, "3"), 0,
			     "%s %s under --check all: %s", p->target, p->sound, r.err);
		cr_expect_str_eq(r.out, plain, "%s %s printed otherwise under --check all", p->target, p->sound);
		cr_expect_null(strstr(r.err, "forkchaos run: check:"), "%s %s: %s", p->target, p->sound, r.err);
		cr_expect_eq(run_checked(p, p->oracle, p->sound), 0, "%s %s under its plan: %s", p->target, p->sound, r.err);
	}
}

Test(run_check, aliases_name_the_same_oracle_and_the_line_uses_the_short_name, .timeout = 30)
{
	cr_expect_eq(run_checked(&pairs[0], "no-fd-leak", "leaky"), 1, "stderr: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: check: fds: "), "stderr: %s", r.err);
}

Test(run_check, an_injected_eintr_or_ebadf_is_no_finding, .timeout = 30)
{
	const char *spawner = fc_build_path("targets/spawner"), *closer = fc_build_path("targets/closer");
	/* the spawner's parent reads its error pipe: EINTR there is the plan's */
	cr_expect_eq(FC_RUN("-q", "--check", "eintr", "--plan", "read:when=1:error=EINTR", "--", spawner, "tidy", "2"), 0,
		     "stderr: %s", r.err);
	cr_expect_eq(FC_RUN("-q", "--check", "double-close", "--plan", "close:when=1:error=EBADF", "--", closer, "once"), 0,
		     "stderr: %s", r.err);
	/* at=exit: the call ran, and the error the target sees is the plan's */
	cr_expect_eq(FC_RUN("-q", "--check", "eintr", "--plan", "read:when=1:at=exit:error=EINTR", "--", spawner, "tidy", "2"), 0,
		     "stderr: %s", r.err);
	cr_expect_eq(FC_RUN("-q", "--check", "double-close", "--plan", "close:when=1:at=exit:error=EBADF", "--", closer, "once"),
		     0, "stderr: %s", r.err);
}

Test(run_check, without_a_failure_the_exit_code_is_the_commands, .timeout = 30)
{
	cr_expect_eq(FC_RUN("-q", "--check", "all", "--", "/bin/sh", "-c", "exit 7"), 7, "stderr: %s", r.err);
	cr_expect_null(strstr(r.err, "check:"), "stderr: %s", r.err);
}

Test(run_check, hang_and_crash_are_always_judged, .timeout = 30)
{
	cr_expect_eq(FC_RUN("-q", "--check", "fds", "--timeout", "300ms", "--", "/bin/sleep", "20"), 1, "stderr: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: check: hang: ran past its timeout"), "stderr: %s", r.err);
	cr_expect_eq(FC_RUN("-q", "--check", "fds", "--", "/bin/sh", "-c", "kill -SEGV $$"), 1, "stderr: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: check: crash: the target died by signal 11 (SIGSEGV)"), "stderr: %s", r.err);
}

Test(run_check, check_out_holds_each_failure_and_the_verdict, .timeout = 30)
{
	char out[256];
	fc_temp_path(out, sizeof out, "check-out");
	cr_assert_eq(FC_RUN("-q", "--check", "fds,strays", "--check-out", out, "--plan", "fork:when=2:error=EAGAIN", "--",
			    fc_build_path("targets/spawner"), "leaky", "3"),
		     1, "stderr: %s", r.err);
	const char *py[] = {
		"/usr/bin/python3", "-c",
		"import json, sys\n"
		"rows = [json.loads(l) for l in open(sys.argv[1])]\n"
		"for row in rows[:-1]: print('failure', row['oracle'], row['detail'][:12])\n"
		"end = rows[-1]\n"
		"print('exit', end['exit'], 'failed', ','.join(end['failed']), 'checked', ','.join(end['checked']))\n"
		"print('rules', end['matched'], end['acted'])\n",
		out, NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)py), 0, "not JSON Lines: %s", r.err);
	cr_expect(fc_line(r.out, "failure fds 2 descriptor"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "exit 0 failed fds checked hang,crash,strays,fds"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "rules [3] [1]"), "the rule matched 3 forks and acted on one: %s", r.out);
	unlink(out);
}

Test(run_check, bad_input_exits_2_before_the_command_runs, .timeout = 30)
{
	char out[256], link_target[256];
	cr_expect_eq(FC_RUN("--check", "fds,nosuch", "--", "/bin/true"), 2, "stderr: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: bad --check 'fds,nosuch': unknown oracle 'nosuch'; expected some of: hang "),
		  "stderr: %s", r.err);
	cr_expect_eq(FC_RUN("--check", "", "--", "/bin/true"), 2, "stderr: %s", r.err);
	cr_expect_eq(FC_RUN("--check-out", "/tmp/x.jsonl", "--", "/bin/true"), 2, "stderr: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: --check-out needs --check LIST"), "stderr: %s", r.err);
	/* a link planted at --check-out: refused, what it points to untouched */
	fc_temp_path(out, sizeof out, "check-out-link");
	fc_temp_path(link_target, sizeof link_target, "check-out-target");
	FILE *f = fopen(link_target, "w");
	cr_assert(f);
	fputs("keep\n", f);
	fclose(f);
	cr_assert_eq(symlink(link_target, out), 0);
	cr_expect_eq(FC_RUN("--check", "fds", "--check-out", out, "--", "/bin/sh", "-c", "echo ran"), 2, "stderr: %s", r.err);
	cr_expect_null(strstr(r.out, "ran"), "the command ran: %s", r.out);
	char kept[16] = "";
	f = fopen(link_target, "r");
	cr_assert(f);
	cr_expect(fgets(kept, sizeof kept, f) && !strcmp(kept, "keep\n"), "the link's target was written: %s", kept);
	fclose(f);
	unlink(out);
	unlink(link_target);
}

Test(run_check, chained_flags_a_sigchld_that_comes_before_the_predecessor_is_stored, .timeout = 30)
{
	/* the torn-oldact window: the component's handler is live, the
	 * predecessor it will chain to not yet in its oldact */
	cr_expect_eq(FC_RUN("-q", "--check", "chained", "--plan", "sigaction:sig=SIGCHLD:when=2:at=inside:signal=SIGCHLD", "--",
			    fc_build_path("targets/sigchld_components"), "torn"),
		     1, "stderr: %s", r.err);
	cr_expect(fc_line(r.err,
			  "forkchaos run: check: chained: SIGCHLD handler component_handler (installed at main) read "
			  "its predecessor app_handler and returned without calling it"),
		  "stderr: %s", r.err);
}

Test(run_check, a_handler_installed_again_over_itself_is_no_broken_chain, .timeout = 30)
{
	/* bash installs its SIGCHLD handler anew for each command substitution */
	cr_expect_eq(FC_RUN("-q", "--check", "chained", "--", "/bin/bash", "-c",
			    "x=$(/bin/true); y=$(/bin/true | /bin/cat); /bin/true"),
		     0, "stderr: %s", r.err);
}

Test(run_check, eintr_of_a_call_the_kernel_never_restarts_is_routine, .timeout = 30)
{
	/* poll() under a handler with SA_RESTART: EINTR all the same
	 * (signal(7)); the program's to retry, no finding */
	cr_expect_eq(FC_RUN("-q", "--check", "eintr", "--", fc_build_path("targets/sigchld_components"), "poll"), 0, "stderr: %s",
		     r.err);
	cr_expect(fc_line(r.out, "poll EINTR"), "the poll was not interrupted: %s", r.out);
}

Test(run_check, an_interrupted_run_is_not_judged_and_exits_3, .timeout = 30)
{
	char marker[256], script[600];
	fc_temp_path(marker, sizeof marker, "check-started");
	snprintf(script, sizeof script, "echo > %s; exec /bin/sleep 30", marker);
	int pid = fc_spawn_forkchaos(
		(const char *const[]){ "forkchaos", "run", "-q", "--check", "all", "--", "/bin/sh", "-c", script, NULL }, -1);
	cr_assert(pid > 0);
	cr_assert(fc_await_file(marker), "the command never started");
	kill(pid, SIGTERM);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	/* before: the command's death by the SIGTERM passed on was judged a
	 * crash, exit 1 */
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status 0x%x", status);
	unlink(marker);
}

Test(run_check, close_of_minus_one_is_no_double_close, .timeout = 30)
{
	/* dash's children close(-1): a no-op that closes nobody's descriptor */
	cr_expect_eq(FC_RUN("-q", "--check", "double-close", "--", fc_build_path("targets/closer"), "minus-one"), 0, "stderr: %s",
		     r.err);
}

Test(run_check, a_first_process_that_lost_the_shim_is_not_judged_and_exits_2, .timeout = 30)
{
	cr_expect_eq(FC_RUN("-q", "--check", "all", "--", "/usr/bin/env", "-i", "/bin/true"), 2, "stderr: %s", r.err);
	cr_expect(fc_line(r.err,
			  "forkchaos run: check: not judged (fds, chained, errno, eintr, double-close): the shim was "
			  "not in the first process when it ended"),
		  "stderr: %s", r.err);
	cr_expect_null(strstr(r.err, "driver reported nothing"), "stderr: %s", r.err);
}
