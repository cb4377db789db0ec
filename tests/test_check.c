/* forkchaos check itself, on small scenarios written by each test around
 * build/targets/probe (the libffd scenarios are run by make check too). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_scenario.h"

TestSuite(check, .fini = remove_dir);

/* check of a target that reports one leaked fd, the scenario's KEYS added. */
static int leaking(const char *keys)
{
	scenario("t.scn",
		 "# window -: reports a leak\nname: leaks\ntarget: /bin/sh -c 'echo \"fds 3 4\" >> $FORKCHAOS_REPORT'\nrepeat: "
		 "1\n%s",
		 keys);
	return CHECK(NULL);
}

Test(check, passing_scenario_exits_0, .timeout = 60)
{
	scenario("a.scn",
		 "# window -: a plain pass\nname: plain\ntarget: %s pipe2 3\nplan: pipe2:when=2:error=EMFILE\nrepeat: 2\n",
		 probe());
	cr_assert_eq(CHECK("-j", "2"), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "PASS  plain"), "out: %s", r.out);
	cr_expect(strstr(r.out, "0/2 runs failed"), "out: %s", r.out);
}

Test(check, hang_fails_no_hang_and_names_where, .timeout = 60)
{
	scenario("h.scn", "# window -: hangs\nname: hangs\ntarget: %s hang\ntimeout: 200ms\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK("--seed", "5"), 1, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.out, "FAIL  hangs"), "out: %s", r.out);
	cr_expect(strstr(r.out, "[hang]"), "out: %s", r.out);
	cr_expect(strstr(r.out, "wchan"), "out: %s", r.out);
	cr_expect(strstr(r.out, "reproduce: ") && strstr(r.out, "--seed 5"), "the repro line carries the seed: %s", r.out);
}

Test(check, crash_is_named_and_xfail_is_not_a_failure, .timeout = 60)
{
	scenario("c.scn", "# window -: crashes\nname: crashes\ntarget: %s kill 11\nrepeat: 1\nexpect: xfail crashes on purpose\n",
		 probe());
	cr_assert_eq(CHECK("--tap"), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "not ok 1 - crashes # TODO crashes on purpose"), "out: %s", r.out);
}

Test(check, crash_without_xfail_fails_no_crash, .timeout = 60)
{
	scenario("c.scn", "# window -: crashes\nname: crashes\ntarget: %s kill 6\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[crash] the target died by signal 6 (SIGABRT)"), "out: %s", r.out);
}

Test(check, xpass_fails_the_run, .timeout = 60)
{
	scenario("x.scn", "# window -: passes\nname: passes\ntarget: %s exit 0\nrepeat: 1\nexpect: xfail believed broken\n",
		 probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(fc_line(r.out, "XPASS passes"), "out: %s", r.out);
}

Test(check, stray_processes_fail_no_stray, .timeout = 60)
{
	/* probe fork 1 waits for its child, so no stray: use a shell that
	 * leaves a sleeping grandchild behind */
	scenario("s.scn", "# window -: leaves a stray\nname: strays\ntarget: /bin/sh -c '/bin/sleep 30 & exit 0'\nrepeat: 1\n");
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[strays] 1 descendant"), "out: %s", r.out);
}

Test(check, malformed_scenario_exits_2_naming_file_and_line, .timeout = 60)
{
	scenario("bad.scn", "# window 1: broken\nname: broken\ntarget: %s exit 0\nrepeat: many\n", probe());
	cr_assert_eq(CHECK(NULL), 2);
	cr_expect(strstr(r.err, "bad.scn:4:"), "err: %s", r.err);
	cr_expect(strstr(r.err, "expected repeat: N"), "err: %s", r.err);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos"), 1, "one line: %s", r.err);
}

Test(check, malformed_plan_in_scenario_exits_2, .timeout = 60)
{
	refused("# window 1: broken plan\nname: broken\ntarget: %s exit 0\nplan: pipe2:when=zero\n",
		"bad.scn:4: bad plan: rule 1");
}

Test(check, scenario_must_open_with_its_window_comment, .timeout = 60)
{
	refused("name: nocomment\ntarget: %s exit 0\n", "bad.scn:1:");
}

Test(check, strict_check_without_observation_fails, .timeout = 60)
{
	scenario("q.scn", "# window -: claims a check it cannot see\nname: blind\ntarget: %s exit 0\ncheck: status\nrepeat: 1\n",
		 probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[status] the driver reported nothing"), "out: %s", r.out);
}

/* fds on a command that is no driver: the shim sees for it */
Test(check, fds_on_any_command_is_judged_by_the_shim, .timeout = 60)
{
	scenario("l.scn",
		 "# window -: a spawner that leaks its pipe when fork fails\nname: leaky\ntarget: %s leaky 3\n"
		 "plan: fork:when=2:error=EAGAIN\ncheck: fds\nrepeat: 1\n",
		 fc_build_path("targets/spawner"));
	scenario("t.scn",
		 "# window -: the tidy twin\nname: tidy\ntarget: %s tidy 3\nplan: fork:when=2:error=EAGAIN\ncheck: fds\n"
		 "repeat: 1\n",
		 fc_build_path("targets/spawner"));
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "FAIL  leaky") && strstr(r.out, "[fds] 2 descriptors leaked; the first: fd 3 (pipe)"), "out: %s",
		  r.out);
	cr_expect(strstr(r.out, "made by pipe2 at"), "out: %s", r.out);
	cr_expect(strstr(r.out, "PASS  tidy"), "out: %s", r.out);
}

Test(check, junit_is_well_formed_with_one_testcase_each, .timeout = 60)
{
	char junit[256];
	fc_temp_path(junit, sizeof junit, "junit.xml");
	scenario("1.scn", "# window -: ok\nname: one\ntarget: %s exit 0\nrepeat: 1\n", probe());
	scenario("2.scn", "# window -: crash\nname: two\ntarget: %s kill 9\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK("--junit", junit), 1);
	const char *py[] = {
		"/usr/bin/python3", "-c",
		"import sys, xml.etree.ElementTree as E\n"
		"t = E.parse(sys.argv[1]).getroot()\n"
		"cases = t.findall('.//testcase')\n"
		"print('cases', len(cases))\n"
		"for c in cases:\n"
		"    f = c.find('failure')\n"
		"    print(c.get('name'), 'failure' if f is not None else 'ok', f.get('type') if f is not None else '')\n",
		junit, NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)py), 0, "not XML: %s", r.err);
	cr_expect(fc_line(r.out, "cases 2"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "one ok"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "two failure crash"), "out: %s", r.out);
	unlink(junit);
}

Test(check, baseline_gates_only_new_failures, .timeout = 60)
{
	char baseline[256];
	fc_temp_path(baseline, sizeof baseline, "baseline");
	scenario("k.scn", "# window -: known failure\nname: known\ntarget: %s kill 9\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK("--baseline", baseline, "--update-baseline"), 0, "err: %s", r.err);
	cr_assert_eq(CHECK("--baseline", baseline), 0, "a known failure failed the run: %s", r.out);
	cr_expect(strstr(r.out, "known: in baseline"), "out: %s", r.out);
	scenario("n.scn", "# window -: new failure\nname: newly\ntarget: %s kill 9\nrepeat: 1\n", probe());
	cr_expect_eq(CHECK("--baseline", baseline), 1, "a new failure passed the gate: %s", r.out);
	unlink(baseline);
}

Test(check, filter_selects_by_name, .timeout = 60)
{
	scenario("1.scn", "# window -: ok\nname: alpha-one\ntarget: %s exit 0\nrepeat: 1\n", probe());
	scenario("2.scn", "# window -: crash\nname: beta-two\ntarget: %s kill 9\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK("--filter", "alpha-*"), 0, "out: %s", r.out);
	cr_expect_null(strstr(r.out, "beta-two"), "out: %s", r.out);
}

Test(check, sigint_stops_the_run_with_exit_3_and_partial_results, .timeout = 60)
{
	char marker[256], junit[256];
	fc_temp_path(marker, sizeof marker, "started");
	fc_temp_path(junit, sizeof junit, "junit.xml");
	scenario("1.scn", "# window -: quick\nname: a-quick\ntarget: %s exit 0\nrepeat: 1\n", probe());
	scenario("2.scn",
		 "# window -: long\nname: b-long\ntarget: /bin/sh -c 'touch %s; exec %s hang'\ntimeout: 50s\nrepeat: 10\n",
		 marker, probe());
	int code = interrupted_check(marker, SIGINT, (const char *const[]){ "--junit", junit, NULL });
	const char *text = r.out;
	cr_expect_eq(code, 3, "exit %d, out: %s", code, text);
	cr_expect(strstr(text, "PASS  a-quick"), "the finished scenario is reported: %s", text);
	/* the run we cut short is no verdict: not a crash, and no more runs */
	cr_expect(strstr(text, "NOT-RUN b-long"), "the interrupted scenario: %s", text);
	cr_expect_null(strstr(text, "FAIL"), "an interrupted run judged as a failure: %s", text);
	cr_expect_eq(access(junit, F_OK), 0, "partial JUnit kept");
	unlink(marker);
	unlink(junit);
}

Test(check, driver_that_cannot_run_is_a_harness_error, .timeout = 60)
{
	/* exit 2 from one of our drivers: it could not run its pattern; that
	 * is no verdict on the library, and CI must not read it as one */
	scenario("e.scn", "# window -: cannot run\nname: cannot\ntarget: ffdriver no-such-pattern\nrepeat: 3\n");
	cr_assert_eq(CHECK(NULL), 2, "out: %s", r.out);
	cr_expect(strstr(r.out, "ERROR cannot"), "out: %s", r.out);
	cr_expect(strstr(r.out, "[driver] the driver could not run its pattern: "), "the driver's message is shown: %s", r.out);
	cr_expect(strstr(r.out, "1/1 runs failed"), "stops after the first run: %s", r.out);
}

Test(check, exit_2_of_a_command_is_its_status_not_a_harness_error, .timeout = 60)
{
	scenario("e.scn", "# not a driver\nname: two\ntarget: /bin/sh -c \"echo no such input >&2; exit 2\"\nrepeat: 1\n");
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "FAIL  two"), "out: %s", r.out);
	cr_expect(strstr(r.out, "[exit] exit status 2, expected 0; its stderr ends: no such input"), "out: %s", r.out);
}

Test(check, failure_line_names_every_failed_invariant, .timeout = 60)
{
	/* a target that reports two broken invariants: the headline follows
	 * the check: order, the other is listed too */
	scenario("t.scn",
		 "# window -: two failures\nname: two\ntarget: /bin/sh -c 'echo \"fds 3 4\" >> $FORKCHAOS_REPORT; echo \"flag "
		 "nonblock 1 0\" >> $FORKCHAOS_REPORT'\ncheck: flags-honoured no-fd-leak\nrepeat: 1\n");
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[flags] flag nonblock: expected 1, got 0"), "out: %s", r.out);
	cr_expect(strstr(r.out, "(also failed: fds)"), "out: %s", r.out);
}

Test(check, zombie_left_behind_fails_no_stray, .timeout = 60)
{
	/* the shell's child is never waited for: when the target exits it is
	 * a zombie (or about to be one); it counts as a stray every time */
	scenario("z.scn", "# window -: a zombie\nname: zombie\ntarget: /bin/sh -c '/bin/true & exec /bin/true'\nrepeat: 10\n");
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "10/10 runs failed  [strays]"), "out: %s", r.out);
}

Test(check, malformed_report_line_fails_its_oracle, .timeout = 60)
{
	scenario("m.scn",
		 "# window -: a broken report\nname: broken-report\ntarget: /bin/sh -c 'echo \"fds x y\" >> "
		 "$FORKCHAOS_REPORT'\nrepeat: 1\n");
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[fds] malformed observation 'fds x y'"), "out: %s", r.out);
}

Test(check, target_that_signals_its_runner_is_a_harness_error, .timeout = 60)
{
	scenario("k.scn",
		 "# window -: signals its parent\nname: kills-parent\ntarget: /bin/sh -c 'kill -TERM $PPID; exec %s "
		 "hang'\ntimeout: 20s\nrepeat: 1\n",
		 probe());
	cr_assert_eq(CHECK(NULL), 2, "not judged, so never a pass: %s", r.out);
	cr_expect(strstr(r.out, "ERROR kills-parent"), "out: %s", r.out);
}

Test(check, relative_target_is_relative_to_the_scenario_folder, .timeout = 60)
{
	char link[512];
	scenario("rel.scn", "# window -: relative target\nname: relative\ntarget: ./probe-here exit 0\nrepeat: 1\n");
	snprintf(link, sizeof link, "%s/probe-here", dir);
	cr_assert_eq(symlink(probe(), link), 0);
	cr_assert_eq(chdir("/"), 0);
	cr_assert_eq(CHECK(NULL), 0, "run from /: %s %s", r.out, r.err);
	cr_expect(strstr(r.out, "PASS  relative"), "out: %s", r.out);
}

Test(check, xpass_is_not_ok_in_tap, .timeout = 60)
{
	scenario("x.scn", "# window -: passes\nname: passes\ntarget: %s exit 0\nrepeat: 1\nexpect: xfail believed broken\n",
		 probe());
	cr_assert_eq(CHECK("--tap"), 1);
	cr_expect(fc_line(r.out, "not ok 1 - passes (XPASS"), "out: %s", r.out);
}

Test(check, indented_baseline_names_still_match, .timeout = 60)
{
	char baseline[256];
	fc_temp_path(baseline, sizeof baseline, "baseline");
	FILE *f = fopen(baseline, "w");
	cr_assert(f);
	fputs("# known\n   known   # indented, with a comment\n", f);
	fclose(f);
	scenario("k.scn", "# window -: known failure\nname: known\ntarget: %s kill 9\nrepeat: 1\n", probe());
	cr_expect_eq(CHECK("--baseline", baseline), 0, "out: %s", r.out);
}

Test(check, junit_into_a_missing_folder_fails_before_running, .timeout = 60)
{
	char marker[256];
	fc_temp_path(marker, sizeof marker, "ran");
	scenario("1.scn", "# window -: leaves a mark\nname: marks\ntarget: /usr/bin/touch %s\nrepeat: 1\n", marker);
	cr_assert_eq(CHECK("--junit", "/nonexistent-folder/j.xml"), 2);
	cr_expect(strstr(r.err, "--junit /nonexistent-folder/j.xml"), "err: %s", r.err);
	cr_expect_neq(access(marker, F_OK), 0, "a scenario ran before the error");
}

Test(check, sighup_stops_the_run_like_sigint, .timeout = 60)
{
	char marker[256];
	fc_temp_path(marker, sizeof marker, "started");
	scenario("2.scn",
		 "# window -: long\nname: b-long\ntarget: /bin/sh -c 'touch %s; exec %s hang'\ntimeout: 50s\nrepeat: 3\n", marker,
		 probe());
	pid_t pid = spawn_quiet((const char *const[]){ "forkchaos", "check", "--lib", fc_build_path("targets/libfcprobe.so"),
						       "--out", out_dir(), dir, NULL },
				-1);
	cr_assert(fc_await_file(marker), "the scenario never started");
	kill(pid, SIGHUP);
	int status;
	waitpid(pid, &status, 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status 0x%x", status);
}

Test(check, oracle_added_as_a_row_is_judged_in_every_scenario_but_the_skipping_one, .timeout = 120)
{
	/* build/forkchaos-canary is forkchaos with one more row in
	 * oracles.def (tests/canary_oracle.def), an oracle that fails every
	 * run it is judged on; the real scenarios never name it */
	scenario("s.scn",
		 "# window -: skips it\nname: zz-skips-canary\ntarget: %s exit 0\nrepeat: 1\nskip: canary the test's own\n",
		 probe());
	const char *argv[] = { fc_build_path("forkchaos-canary"),
			       "check",
			       "-j",
			       "2",
			       "--repeat",
			       "1",
			       "--out",
			       out_dir(),
			       "scenarios/",
			       dir,
			       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 1, "out: %s err: %s", r.out, r.err);
	int judged = 0, lines = fc_count_prefix(r.out, "PASS ") + fc_count_prefix(r.out, "FAIL ");
	for (const char *at = r.out; (at = strstr(at, "[canary] the canary oracle was judged")); at++)
		judged++;
	cr_expect_geq(lines, 24, "every scenario has its line: %s", r.out);
	cr_expect_eq(judged, lines - 1, "judged in all but one: %s", r.out);
	cr_expect(fc_line(r.out, "PASS  zz-skips-canary"), "skip: removed it: %s", r.out);
}

Test(check, oracle_not_named_in_check_is_still_judged, .timeout = 60)
{
	cr_assert_eq(leaking("check: no-stray\n"), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[fds] fd census 3 before, 4 after (+1)"), "out: %s", r.out);
}

Test(check, skipped_oracle_is_not_judged, .timeout = 60)
{
	cr_assert_eq(leaking("skip: no-fd-leak the shell's descriptors are not ours\n"), 0, "out: %s", r.out);
}

Test(check, skip_without_a_reason_exits_2_naming_the_form, .timeout = 60)
{
	refused("# window -: no reason\nname: noreason\ntarget: %s exit 0\nskip: no-fd-leak\n",
		"bad.scn:4: skip: no-fd-leak has no reason; expected skip: ORACLE REASON");
}

Test(check, hang_cannot_be_skipped, .timeout = 60)
{
	refused("# window -: skips hangs\nname: nohang\ntarget: %s exit 0\nskip: no-hang it is slow\n",
		"bad.scn:4: 'no-hang' cannot be skipped");
}

Test(check, window_beyond_lib_windows_def_is_refused, .timeout = 60)
{
	refused("# window 14: no such window\nname: nowindow\nwindow: 14\ntarget: %s exit 0\n",
		"bad.scn:3: bad window '14'; expected window: N (1-13, lib/windows.def)");
}

Test(check, alias_in_check_names_the_oracle_and_makes_it_strict, .timeout = 60)
{
	scenario("q.scn", "# window -: blind\nname: blind\ntarget: %s exit 0\ncheck: status-once\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[status] the driver reported nothing"), "out: %s", r.out);
}

Test(check, bad_jobs_names_the_option_and_the_range, .timeout = 60)
{
	scenario("a.scn", "# window -: ok\nname: ok\ntarget: %s exit 0\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK("-j", "0"), 2, "out: %s", r.out);
	cr_expect(fc_line(r.err, "forkchaos check: bad --jobs '0': expected a number of jobs from 1 to 64"), "err: %s", r.err);
}

Test(check, scenario_readme_lists_every_window_of_windows_def, .timeout = 30)
{
	/* the users' copy of the list (scenarios/README.md) must not drift
	 * from the one the code derives the valid range from */
	static char readme[65536];
	FILE *f = fopen("scenarios/README.md", "r");
	cr_assert(f, "run from the top of the tree");
	readme[fread(readme, 1, sizeof readme - 1, f)] = 0;
	fclose(f);
	f = fopen("lib/windows.def", "r");
	cr_assert(f);
	char line[512], slug[64], text[400];
	int n, rows = 0;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "W(%d, %63[^,], \"%399[^\"]\")", &n, slug, text) != 3)
			continue;
		char row[512];
		snprintf(row, sizeof row, "| %d | `%s` | %s |", n, slug, text);
		cr_expect(strstr(readme, row), "scenarios/README.md lacks: %s", row);
		rows++;
	}
	fclose(f);
	cr_expect_gt(rows, 0, "no row of lib/windows.def read");
}
