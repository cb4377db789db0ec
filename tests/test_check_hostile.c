/* forkchaos check against targets and events that attack it (issue 10,
 * item 5): a target that kills or stops its worker, check itself killed
 * with SIGKILL, an interrupt outside the wait, a target that plants links
 * or FIFOs in the work folder.  Nothing may be left running, nothing
 * outside the work folder touched, and check must not hang. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_scenario.h"

TestSuite(check, .fini = remove_dir);

/* A target that writes "$$ $PPID" (its pid, its worker's) to MARKER
 * (whole, by a rename) and then does REST. */
static void marking(const char *file, const char *name, const char *marker, const char *rest)
{
	scenario(file,
		 "# window -: %s\nname: %s\ntarget: /bin/sh -c 'echo $$ $PPID > %s.new; mv %s.new %s; %s'\nrepeat: 1\ntimeout: "
		 "50s\n",
		 name, name, marker, marker, marker, rest);
}

Test(check, target_that_kills_its_worker_leaves_nothing_running, .timeout = 60)
{
	char hang[400];
	snprintf(hang, sizeof hang, "kill -KILL $PPID; exec %s hang", probe());
	marking("k.scn", "kills-worker", in_dir("pids"), hang);
	cr_assert_eq(CHECK(NULL), 2, "not judged, so never a pass: %s", r.out);
	cr_expect(strstr(r.out, "[driver] the scenario worker was killed by signal 9 (SIGKILL)"), "out: %s", r.out);
	int target = 0, worker = 0;
	cr_assert_eq(read_pids(in_dir("pids"), &target, &worker), 2, "the target never ran");
	/* check has exited: the target and its children must be gone */
	int left = group_alive(target);
	cr_expect_eq(left, 0, "%d process(es) of the target left running after check exited", left);
	if (left)
		kill(-target, SIGKILL);
}

Test(check, target_that_stops_its_worker_does_not_freeze_check, .timeout = 60)
{
	scenario("s.scn", "# window -: stops its runner\nname: stops-worker\ntarget: /bin/sh -c 'kill -STOP $PPID'\nrepeat: 2\n");
	cr_assert_eq(CHECK(NULL), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "PASS  stops-worker"), "out: %s", r.out);
}

Test(check, sigkill_of_check_leaves_no_worker_target_or_work_folder, .timeout = 60)
{
	char tmp[300], hang[300];
	snprintf(tmp, sizeof tmp, "%s", in_dir("tmp"));
	cr_assert_eq(mkdir(tmp, 0755), 0);
	snprintf(hang, sizeof hang, "exec %s hang", probe());
	marking("a.scn", "a-hangs", in_dir("a.pids"), hang);
	marking("b.scn", "b-hangs", in_dir("b.pids"), hang);
	setenv("TMPDIR", tmp, 1); /* the work folder goes there */
	pid_t pid = spawn_quiet((const char *const[]){ "forkchaos", "check", "-j", "2", "--lib",
						       fc_build_path("targets/libfcprobe.so"), "--out", out_dir(), dir, NULL },
				-1);
	cr_assert(fc_await_file(in_dir("a.pids")) && fc_await_file(in_dir("b.pids")), "the scenarios never started");
	cr_assert_eq(entries(tmp), 1, "one work folder while it runs");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 2; i++) {
		int target = 0, worker = 0;
		cr_assert_eq(read_pids(in_dir(i ? "b.pids" : "a.pids"), &target, &worker), 2);
		cr_expect(await_ended(worker), "worker %d outlived check", worker);
		cr_expect(await_group_gone(target), "the target %d outlived check", target);
	}
	for (int tries = 0; (entries(tmp) || entries(out_dir())) && tries < 2000; tries++)
		poll(NULL, 0, 10);
	cr_expect_eq(entries(tmp), 0, "the work folder was left in %s", tmp);
	cr_expect_eq(entries(out_dir()), 0, "the unfinished results folder was left in %s", out_dir());
}

Test(check, interrupt_reaching_a_worker_outside_its_wait_stops_the_run_at_once, .timeout = 60)
{
	/* check run under the shim: in the worker (a forked child), the
	 * pipe2 fc_run_target makes before it blocks the signals raises
	 * SIGINT there, so the interrupt lands in the one window the wait
	 * cannot see; the run must end at once, not at its timeout */
	scenario("h.scn", "# window -: hangs\nname: hangs\ntarget: %s hang\ntimeout: 5s\nrepeat: 1\n", probe());
	/* a sanitized check (make SAN=...) takes the shim before its runtime */
	const char *asan = getenv("ASAN_OPTIONS");
	char options[512];
	snprintf(options, sizeof options, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", options, 1);
	const char *under_shim[] = {
		fc_build_path("forkchaos"), "run", "--plan", "pipe2:proc=child:when=1:signal=SIGINT@self", "--", NULL
	};
	check_under(under_shim, (const char *const[]){ NULL });
	cr_expect(strstr(r.err, "acted on 1"), "the plan never acted: %s", r.err);
	cr_expect(strstr(r.out, "0/0 runs failed"), "the run was not cut short: %s", r.out);
	cr_expect_null(strstr(r.out, "[hang]"), "the run waited for its timeout: %s", r.out);
}

Test(check, link_planted_at_the_next_runs_files_is_not_followed, .timeout = 60)
{
	/* the first run's target links the second run's trace and output
	 * files (in the work folder, beside its report) to a file of ours */
	const char *victim = precious();
	scenario("p.scn",
		 "# window -: plants links\nname: plants\ntarget: /bin/sh -c '[ -e %s ] && exit 0; touch %s; "
		 "d=$(dirname $FORKCHAOS_REPORT); ln -s %s $d/plants.0.1.trace; ln -s %s $d/plants.0.1.err'\nrepeat: 2\n",
		 in_dir("planted"), in_dir("planted"), victim, victim);
	cr_assert_eq(CHECK(NULL), 0, "out: %s err: %s", r.out, r.err);
	cr_expect_str_eq(text_of(victim), "precious\n", "written through the link");
}

Test(check, report_left_as_a_fifo_does_not_hang_check, .timeout = 60)
{
	scenario("f.scn",
		 "# window -: a FIFO report\nname: fifo-report\ntarget: /bin/sh -c 'mkfifo $FORKCHAOS_REPORT'\nrepeat: 1\n");
	cr_assert_eq(CHECK(NULL), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "PASS  fifo-report"), "out: %s", r.out);
}

Test(check, interrupted_check_lists_every_scenario_not_run_by_name, .timeout = 60)
{
	char hang[300];
	snprintf(hang, sizeof hang, "exec %s hang", probe());
	marking("1.scn", "a-long", in_dir("pids"), hang);
	scenario("2.scn", "# window -: next\nname: b-next\ntarget: /bin/true\nrepeat: 1\n");
	scenario("3.scn", "# window -: last\nname: c-last\ntarget: /bin/true\nrepeat: 1\n");
	cr_expect_eq(interrupted_check(in_dir("pids"), SIGINT, (const char *const[]){ NULL }), 3, "out: %s", r.out);
	const char *text = r.out;
	cr_expect(fc_line(text, "NOT-RUN a-long"), "out: %s", text);
	cr_expect(fc_line(text, "NOT-RUN b-next"), "out: %s", text);
	cr_expect(fc_line(text, "NOT-RUN c-last"), "out: %s", text);
	cr_expect(strstr(text, "3 not run"), "out: %s", text);
}

Test(check, escape_sequences_in_a_target_output_are_shown_inert, .timeout = 60)
{
	/* the detail quotes the target's stderr: a terminal must not obey it */
	scenario("e.scn",
		 "# window -: escapes\nname: escapes\ntarget: /bin/sh -c 'printf \"\\033]0;owned\\007\\033[2J\" >&2; exit "
		 "3'\nrepeat: "
		 "1\n");
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect_null(strchr(r.out, '\033'), "a raw escape on stdout: %s", r.out);
	cr_expect(strstr(r.out, "its stderr ends: \\x1b]0;owned\\x07\\x1b[2J"), "out: %s", r.out);
}
