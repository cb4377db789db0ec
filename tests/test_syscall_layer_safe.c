/* The syscall layer never leaves anybody waiting: not the target when its
 * call is held and it is killed, its parent exits, or forkchaos times out
 * or is interrupted; not the supervisor when the target has a thousand
 * children or threads whose trapped calls come at once, or kills it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

#define LAYER(plan, ...)                                                                                                     \
	fc_exec(&r,                                                                                                          \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--timeout", "30s", "--plan", plan, \
						      "--", fc_build_path("targets/syslayer"), __VA_ARGS__, NULL })

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

Test(syslayer_safe, target_killed_while_its_call_is_held, .timeout = 20)
{
	/* held for a minute; killed by its own thread 100 ms in */
	cr_assert_eq(LAYER("sys_pipe2:delay=60s", "killed"), 128 + SIGKILL, "stderr: %s", r.err);
	cr_expect(!fc_line(r.out, "killed: survived"), "out: %s", r.out);
}

Test(syslayer_safe, held_call_of_a_child_whose_parent_exited, .timeout = 20)
{
	cr_assert_eq(LAYER("sys_pipe2:delay=60s", "orphan"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "orphan parent exits"), "out: %s", r.out);
	cr_expect(strstr(r.err, "left 1 process(es) behind"), "stderr: %s", r.err);
}

Test(syslayer_safe, a_thousand_children_under_the_filter, .timeout = 60)
{
	cr_assert_eq(LAYER("sys_pipe2:when=1000000:error=EMFILE", "many", "1000"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "many 1000 made 1000 ok"), "out: %s", r.out);
	cr_expect(strstr(r.err, "matched 1000 calls in 1000 processes"), "stderr: %s", r.err);
}

Test(syslayer_safe, a_thousand_children_each_injected, .timeout = 60)
{
	cr_assert_eq(LAYER("sys_pipe2:error=EMFILE", "many", "1000"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "many 1000 made 0 ok"), "out: %s", r.out);
}

Test(syslayer_safe, threads_with_concurrent_held_calls, .timeout = 60)
{
	/* 16 threads, each call held 1 ms: many are held at once */
	cr_assert_eq(LAYER("sys_pipe2:delay=1ms", "threads", "16", "20"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "threads 16 failed 0"), "out: %s", r.out);
	cr_expect(strstr(r.err, "matched 320 calls in 1 process, acted on 320"), "stderr: %s", r.err);
}

Test(syslayer_safe, threads_prob_with_a_seed_fails_the_same_calls_each_run, .timeout = 60)
{
	char first[64];
	cr_assert_eq(LAYER("sys_pipe2:prob=0.5:seed=7:error=EMFILE", "threads", "8", "50"), 0, "stderr: %s", r.err);
	const char *line = fc_line(r.out, "threads 8 failed ");
	cr_assert(line, "out: %s", r.out);
	snprintf(first, sizeof first, "%.*s", (int)strcspn(line, "\n"), line);
	cr_expect(strcmp(first, "threads 8 failed 0") != 0, "prob=0.5 failed nothing: %s", first);
	cr_assert_eq(LAYER("sys_pipe2:prob=0.5:seed=7:error=EMFILE", "threads", "8", "50"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, first), "another seed's choice: %s, then %s", first, r.out);
}

Test(syslayer_safe, timeout_while_a_call_is_held, .timeout = 30)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	const char *argv[] = {
		fc_build_path("forkchaos"),        "run",  "--timeout", "1s", "--plan", "sys_pipe2:delay=60s", "--",
		fc_build_path("targets/syslayer"), "hold", NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 124, "stderr: %s", r.err);
	cr_expect(!fc_line(r.out, "hold: returned"), "out: %s", r.out);
	cr_expect(seconds_since(&start) < 20, "the timeout waited for the held call");
}

Test(syslayer_safe, interrupt_while_a_call_is_held, .timeout = 30)
{
	char marker[256];
	fc_temp_path(marker, sizeof marker, "held");
	pid_t pid = fc_spawn_forkchaos((const char *const[]){ "forkchaos", "run", "--timeout", "60s", "--plan",
							      "sys_pipe2:delay=60s", "--", fc_build_path("targets/syslayer"),
							      "hold", marker, NULL },
				       -1);
	cr_assert(fc_await_file(marker), "the command never started");
	kill(pid, SIGINT);
	int status;
	waitpid(pid, &status, 0);
	/* the held thread takes no signal but SIGKILL: the grace, then the kill */
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status 0x%x: expected exit 3", status);
}

Test(syslayer_safe, command_that_kills_the_supervisor_gets_enosys, .timeout = 30)
{
	cr_assert_eq(LAYER("sys_pipe2:when=5:error=EMFILE", "killparent"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 -1 ENOSYS"), "out: %s", r.out);
	cr_expect(strstr(r.err, "failed with ENOSYS from then on"), "stderr: %s", r.err);
}
