/* Counting on the fast path: a call that only rules name is counted in its
 * wrapper and made at once when no rule fires (engine.c, hooks.h); the
 * counts stay exact with threads (the atomic add) and start again from 1
 * in a forked child.  Targets: tests/targets/probe and life under
 * `forkchaos run`. */
#include <criterion/criterion.h>
#include <string.h>
#include "fc_test_util.h"

static struct fc_result r;

#define PROBE(plan, ...) fc_probe(&r, plan, NULL, (const char *const[]){ __VA_ARGS__, NULL })

Test(count, when_1001_to_2000_fails_exactly_1000_of_4000_calls_in_4_threads, .timeout = 60)
{
	/* 4 threads x 1000 pipe2: the 1001st to the 2000th matching calls
	 * fail, whichever threads make them, and no other */
	cr_assert_eq(PROBE("pipe2:when=1001..2000:error=EMFILE", "threads", "1000"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "threads failures 1000 of 4000"), "out: %s", r.out);
}

Test(count, rule_that_never_fires_counts_every_call_of_4_threads, .timeout = 60)
{
	cr_assert_eq(PROBE("pipe2:when=999999999:error=EMFILE", "threads", "1000"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "threads failures 0 of 4000"), "out: %s", r.out);
	cr_expect(strstr(r.err, "rule 1 `pipe2:when=999999999:error=EMFILE`: matched 4000 calls in 1 process, acted on 0"),
		  "stderr: %s", r.err);
}

Test(count, child_of_a_fork_a_rule_counts_counts_from_1, .timeout = 30)
{
	/* fork itself is counted on the fast path (its rule never fires) and
	 * made by a tail call: its child is reset by the atfork handler, and
	 * each child's first pipe2 is its own 1st */
	cr_assert_eq(PROBE("fork:when=999999999:error=EAGAIN;pipe2:when=1:error=EMFILE", "fork", "2", "2"), 0, "stderr: %s",
		     r.err);
	cr_expect(fc_line(r.out, "child1-pipe2 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child1-pipe2 2 0 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child2-pipe2 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(strstr(r.err, "rule 1 `fork:when=999999999:error=EAGAIN`: matched 2 calls in 1 process, acted on 0"),
		  "stderr: %s", r.err);
}

Test(count, child_whose_first_calls_come_from_4_threads_counts_each_from_1, .timeout = 60)
{
	/* the parent's 1000 pipe2 are its 1st to 1000th; the child takes its
	 * slot at its first count, from whichever of its 4 threads, and its
	 * 1001st to 2000th fail: none lost, none counted twice */
	cr_assert_eq(PROBE("pipe2:when=1001..2000:error=EMFILE", "forkthreads", "1000"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "parent failures 0 of 1000, child exited 0"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "child failures 1000 of 4000"), "out: %s", r.out);
	cr_expect(strstr(r.err, "rule 1 `pipe2:when=1001..2000:error=EMFILE`: matched 5000 calls in 2 processes, acted on 1000"),
		  "stderr: %s", r.err);
}

Test(count, rule_naming_two_calls_counts_each_call_once, .timeout = 30)
{
	/* 5 pipe2, each pipe's 2 descriptors closed: 15 calls for the rule */
	cr_assert_eq(PROBE("pipe2,close:when=999999999:error=EMFILE", "pipe2", "5"), 0, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "matched 15 calls in 1 process, acted on 0"), "stderr: %s", r.err);
}
