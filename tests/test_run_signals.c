/* The launcher keeps its promise whatever is done to it (issue 10, item 4):
 * signals the command sends its parent, signals sent to forkchaos, a
 * stopped or killed supervisor, a killed launcher.  The command is
 * build/targets/launcher_hostile. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_run_util.h"

static struct fc_result r;

static const char *hostile(void)
{
	return fc_build_path("targets/launcher_hostile");
}

Test(run_signals, fatal_signals_the_command_sends_its_parent_are_dropped, .timeout = 30)
{
	/* before: SIGHUP, then SIGUSR1 killed the launcher, and the command
	 * lived on without a timeout */
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--", hostile(), "signal-parent", "5", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 5, "err: %s", r.err);
	cr_expect(fc_line(r.out, "signalled "), "out: %s", r.out);
}

Test(run_signals, plan_signal_at_parent_from_the_first_process_misses_forkchaos, .timeout = 30)
{
	cr_expect_eq(fc_probe(&r, "pipe2:when=1:signal=SIGUSR1@parent", NULL, (const char *const[]){ "pipe2", "1", NULL }), 0,
		     "err: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 0 OK"), "out: %s", r.out);
}

/* forkchaos run -- launcher_hostile wait-stdin MARKER 9, once it has started */
static void launch_waiting(struct fc_launch *l)
{
	char marker[256];
	fc_temp_path(marker, sizeof marker, "started");
	cr_assert_eq(fc_launch(l, (const char *const[]){ "forkchaos", "run", "--", hostile(), "wait-stdin", marker, "9", NULL }),
		     0);
	cr_assert(fc_await_file(marker), "the command never started");
}

Test(run_signals, signals_sent_to_forkchaos_itself_are_ignored, .timeout = 30)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF,  SIGXCPU,
				    SIGXFSZ, SIGIO,   SIGPWR,  SIGSYS,  SIGTRAP,   SIGSTKFLT };
	char err[4096];
	struct fc_launch l = { 0 };
	launch_waiting(&l);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		kill(l.pid, sigs[i]);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		kill(l.pid, sig);
	fc_launch_release(&l);
	int status = fc_launch_wait(&l, err, sizeof err);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 9, "status 0x%x (err: %s): expected the command's exit 9", status,
		  err);
}

Test(run_signals, sigquit_is_an_interrupt_passed_on_to_the_command, .timeout = 30)
{
	char err[4096];
	struct fc_launch l = { 0 };
	launch_waiting(&l);
	kill(l.pid, SIGQUIT);
	int status = fc_launch_wait(&l, err, sizeof err);
	/* forkchaos exits (it is not killed), with the command's death */
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGQUIT, "status 0x%x (err: %s)", status, err);
}

Test(run_signals, command_that_stops_its_parent_still_times_out, .timeout = 30)
{
	/* before: the launcher, stopped, never reached its timeout */
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--timeout", "500ms", "--", hostile(), "stop-parent", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 124, "err: %s", r.err);
	cr_expect(strstr(r.err, "timeout"), "err: %s", r.err);
}

Test(run_signals, command_that_kills_its_parent_keeps_its_exit_status, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--", hostile(), "kill-parent", "exit", "7", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 7, "err: %s", r.err);
	cr_expect(strstr(r.err, "killed its parent, forkchaos' supervisor (SIGKILL)"), "err: %s", r.err);
}

Test(run_signals, command_that_kills_its_parent_still_times_out, .timeout = 30)
{
	const char *argv[] = {
		fc_build_path("forkchaos"), "run", "--timeout", "500ms", "--", hostile(), "kill-parent", "hang", NULL
	};
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 124, "err: %s", r.err);
}

Test(run_signals, sigkill_of_forkchaos_kills_the_command_tree, .timeout = 30)
{
	char pids_file[256];
	pid_t pids[2];
	struct fc_launch l = { 0 };
	fc_temp_path(pids_file, sizeof pids_file, "pids");
	cr_assert_eq(fc_launch(&l, (const char *const[]){ "forkchaos", "run", "--", hostile(), "tree", pids_file, NULL }), 0);
	cr_assert(fc_await_file(pids_file), "the command never started");
	cr_assert_eq(fc_read_pids(pids_file, pids, 2), 2);
	kill(l.pid, SIGKILL);
	fc_launch_wait(&l, NULL, 0);
	int root_dead = fc_await_dead(pids[0]), child_dead = fc_await_dead(pids[1]);
	kill(pids[0], SIGKILL); /* whatever the verdict, nothing is left */
	kill(pids[1], SIGKILL);
	cr_expect(root_dead, "the command (pid %d) outlived forkchaos", (int)pids[0]);
	cr_expect(child_dead, "the command's child (pid %d) outlived forkchaos", (int)pids[1]);
}

/* The signal state launcher_hostile reports, run by ARGV. */
static void signal_state(const char *const argv[], char *buf, size_t len)
{
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "err: %s", r.err);
	snprintf(buf, len, "%.*s", (int)len - 1, r.out);
}

Test(run_signals, command_starts_with_the_callers_mask_and_ignored_signals, .timeout = 30)
{
	/* forkchaos blocks nearly every signal while it runs: none of that may
	 * reach the command */
	char direct[512], shimmed[512];
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGUSR1, SIG_IGN);
	signal_state((const char *const[]){ hostile(), "signal-state", NULL }, direct, sizeof direct);
	signal_state((const char *const[]){ fc_build_path("forkchaos"), "run", "--", hostile(), "signal-state", NULL }, shimmed,
		     sizeof shimmed);
	cr_expect(strstr(direct, "SigBlk:"), "out: %s", direct);
	cr_expect_str_eq(shimmed, direct);
}

Test(run_signals, sigkill_of_forkchaos_process_group_kills_the_command_tree, .timeout = 30)
{
	/* as timeout(1) and job control send it: to the whole group */
	char pids_file[256];
	pid_t pids[2];
	struct fc_launch l = { .own_group = 1 }; /* the test's own group left out */
	fc_temp_path(pids_file, sizeof pids_file, "pids");
	cr_assert_eq(fc_launch(&l, (const char *const[]){ "forkchaos", "run", "--", hostile(), "tree", pids_file, NULL }), 0);
	cr_assert(fc_await_file(pids_file), "the command never started");
	cr_assert_eq(fc_read_pids(pids_file, pids, 2), 2);
	cr_assert_eq(getpgid(l.pid), l.pid);
	kill(-l.pid, SIGKILL);
	fc_launch_wait(&l, NULL, 0);
	int root_dead = fc_await_dead(pids[0]), child_dead = fc_await_dead(pids[1]);
	kill(pids[0], SIGKILL);
	kill(pids[1], SIGKILL);
	cr_expect(root_dead && child_dead, "the command's tree (pids %d %d) outlived forkchaos' group", (int)pids[0],
		  (int)pids[1]);
}
