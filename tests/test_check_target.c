/* forkchaos check on a program of one's own: any command as the target,
 * its exit status (exit:), what it leaves behind or where it hangs, the
 * crashes of its descendants, the results folder and progress lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_scenario.h"

TestSuite(check, .fini = remove_dir);

/* forkchaos check from the root folder, so that only resolution against
 * the scenario's folder can find its files */
static int check_from_root(void)
{
	const char *argv[] = { fc_build_path("forkchaos"), "check", "--out", out_dir(), dir, NULL };
	cr_assert_eq(chdir("/"), 0);
	return fc_exec(&r, (char *const *)argv);
}

Test(check, file_argument_is_resolved_against_the_scenario_folder, .timeout = 60)
{
	scenario("helper.sh", "exit 0\n");
	scenario("a.scn", "# any command, a file beside it\nname: helper\ntarget: /bin/sh helper.sh\nrepeat: 1\n");
	cr_assert_eq(check_from_root(), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "PASS  helper"), "out: %s", r.out);
}

Test(check, reproduce_line_of_a_command_has_absolute_paths_and_no_library, .timeout = 60)
{
	char helper[512];
	scenario("helper.sh", "exit 3\n");
	scenario("a.scn", "# any command, failing\nname: helper\ntarget: /bin/sh helper.sh\nrepeat: 1\n");
	snprintf(helper, sizeof helper, " /bin/sh %s/helper.sh", dir);
	cr_assert_eq(check_from_root(), 1, "out: %s err: %s", r.out, r.err);
	const char *repro = strstr(r.out, "reproduce: /");
	cr_assert(repro, "out: %s", r.out);
	cr_expect(strstr(repro, helper), "the file's absolute path: %s", repro);
	cr_expect_null(strstr(repro, "FORKCHAOS_LIB"), "no library for a command that is not a driver: %s", repro);
}

Test(check, exit_status_other_than_expected_fails_naming_both, .timeout = 60)
{
	scenario("a.scn", "# exits 3\nname: three\ntarget: %s exit 3\nexit: 4\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[exit] exit status 3, expected 4"), "out: %s", r.out);
}

Test(check, exit_status_defaults_to_0, .timeout = 60)
{
	scenario("a.scn", "# exits 1\nname: one\ntarget: %s exit 1\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[exit] exit status 1, expected 0"), "out: %s", r.out);
}

Test(check, exit_status_as_expected_passes, .timeout = 60)
{
	scenario("a.scn", "# exits 3 on purpose\nname: three\ntarget: %s exit 3\nexit: 3\nrepeat: 1\n", probe());
	cr_expect_eq(CHECK(NULL), 0, "out: %s", r.out);
}

Test(check, exit_any_accepts_every_status, .timeout = 60)
{
	scenario("a.scn", "# exits 7, and that is fine\nname: seven\ntarget: %s exit 7\nexit: any\nrepeat: 1\n", probe());
	cr_expect_eq(CHECK(NULL), 0, "out: %s", r.out);
}

Test(check, bad_exit_value_is_refused_naming_the_form, .timeout = 60)
{
	refused("# bad exit\nname: badexit\ntarget: %s exit 0\nexit: sometimes\n",
		"bad.scn:4: bad exit 'sometimes'; expected exit: N (the target's exit status, 0-255) or exit: any");
}

Test(check, window_scenario_without_its_window_comment_is_refused, .timeout = 60)
{
	refused("# a plain comment\nname: win\nwindow: 3\ntarget: %s exit 0\n",
		"bad.scn:1: a scenario of window 3 opens with a comment naming it (# window 3: ...)");
}

Test(check, stray_report_names_zombie_and_alive_with_command_lines, .timeout = 60)
{
	scenario("s.scn", "# leaves two children behind\nname: strays\ntarget: %s strays\nrepeat: 1\n", lineage());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[strays] 2 descendant process(es)"), "out: %s", r.out);
	cr_expect(strstr(r.out, "1 zombie (already dead, never reaped): pid "), "out: %s", r.out);
	cr_expect(strstr(r.out, " [lineage]"), "a zombie by its name: %s", r.out);
	cr_expect(strstr(r.out, "1 alive (killed by the runner): pid ") && strstr(r.out, "/targets/lineage strays"),
		  "the live one's command line: %s", r.out);
}

Test(check, hang_names_the_user_space_function_it_spins_in, .timeout = 60)
{
	scenario("h.scn", "# spins\nname: spins\ntarget: %s spin\ntimeout: 300ms\nrepeat: 1\n", lineage());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[hang]"), "out: %s", r.out);
	cr_expect(strstr(r.out, "state R running: spin_forever+0x"), "out: %s", r.out);
}

Test(check, hang_names_the_last_intercepted_call_of_the_thread, .timeout = 60)
{
	/* probe hang forks, then pauses: fork is its last call */
	scenario("h.scn", "# hangs\nname: hangs\ntarget: %s hang\ntimeout: 300ms\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "state S wchan ") && strstr(r.out, "pause+0x"), "out: %s", r.out);
	cr_expect(strstr(r.out, "last call: fork = "), "out: %s", r.out);
}

/* check of a target that writes the shim's line for a child killed by SIG */
static int reports_child_signaled(int sig)
{
	scenario("c.scn",
		 "# reports a signaled child\nname: child\ntarget: /bin/sh -c 'echo \"child-signaled 4242 %d\" >> "
		 "$FORKCHAOS_REPORT'\nrepeat: 1\n",
		 sig);
	return CHECK(NULL);
}

Test(check, child_signaled_line_fails_no_crash, .timeout = 60)
{
	cr_assert_eq(reports_child_signaled(11), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[crash] descendant pid 4242 died by signal 11 (SIGSEGV)"), "out: %s", r.out);
}

Test(check, child_that_segfaults_and_is_reaped_by_the_target_fails_no_crash, .timeout = 60)
{
	/* the shim sees the target's own waitpid reap it (with a NULL status) */
	scenario("c.scn", "# a child of the target dies by SIGSEGV\nname: child\ntarget: %s child-crash\nrepeat: 1\n",
		 fc_build_path("targets/life"));
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[crash] descendant pid ") && strstr(r.out, "died by signal 11 (SIGSEGV)"), "out: %s", r.out);
}

Test(check, child_ended_by_sigterm_is_not_a_crash, .timeout = 60)
{
	/* how a parent ends a child on purpose (ffdriver does) */
	cr_expect_eq(reports_child_signaled(15), 0, "out: %s", r.out);
}

Test(check, orphan_that_aborts_fails_no_crash, .timeout = 60)
{
	scenario("o.scn", "# a grandchild aborts\nname: orphan\ntarget: %s orphan-crash\nrepeat: 1\n", lineage());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "[crash] descendant pid ") && strstr(r.out, "died by signal 6 (SIGABRT)"), "out: %s", r.out);
}

/* The run folder results/latest points at, by name. */
static void latest(char *buf, size_t len)
{
	char link[400];
	snprintf(link, sizeof link, "%s/latest", out_dir());
	ssize_t n = readlink(link, buf, len - 1);
	cr_assert_gt(n, 0, "no %s", link);
	buf[n] = 0;
}

static int exists(const char *name, const char *file)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/%s", out_dir(), name, file);
	return access(path, F_OK) == 0;
}

Test(check, results_folder_holds_verdicts_junit_and_failing_traces, .timeout = 60)
{
	char id[128];
	scenario("1.scn", "# passes\nname: good\ntarget: %s exit 0\nrepeat: 1\n", probe());
	scenario("2.scn", "# fails\nname: bad\ntarget: %s kill 9\nrepeat: 2\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	latest(id, sizeof id);
	cr_expect(exists(id, "run.json") && exists(id, "verdicts.csv") && exists(id, "verdicts.jsonl") && exists(id, "junit.xml"),
		  "folder %s", id);
	cr_expect(exists(id, "traces/bad.libfcprobe.1.jsonl") && exists(id, "traces/bad.libfcprobe.2.jsonl"),
		  "each failing run's trace");
	cr_expect(!exists(id, "traces/good.libfcprobe.1.jsonl"), "a passing run's trace is not kept");
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/verdicts.csv", out_dir(), id);
	const char *py[] = { "/usr/bin/python3", "-c",
			     "import csv, json, sys\n"
			     "rows = list(csv.DictReader(open(sys.argv[1])))\n"
			     "for row in rows: print(row['scenario'], row['state'], row['oracle'], row['trace'])\n"
			     "run = json.load(open(sys.argv[1].replace('verdicts.csv', 'run.json')))\n"
			     "print('run', run['kind'], run['command'][:2], sorted(run['host']))\n",
			     path, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)py), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "good PASS"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "bad FAIL crash traces/bad.libfcprobe.1.jsonl"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "run check ['forkchaos', 'check'] ['cpus', 'glibc', 'kernel']"), "out: %s", r.out);
}

Test(check, each_check_gets_a_new_folder_and_latest_moves, .timeout = 60)
{
	char first[128], second[128];
	scenario("1.scn", "# passes\nname: good\ntarget: %s exit 0\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 0, "out: %s", r.out);
	latest(first, sizeof first);
	cr_assert_eq(CHECK(NULL), 0, "out: %s", r.out);
	latest(second, sizeof second);
	cr_expect_str_neq(first, second);
	cr_expect(exists(first, "run.json"), "the first folder stays");
}

Test(check, long_run_prints_progress_lines, .timeout = 60)
{
	scenario("h.scn", "# slow: hangs\nname: slow\ntarget: %s hang\ntimeout: 500ms\nrepeat: 2\n", probe());
	cr_assert_eq(CHECK("--progress-every", "100ms"), 1, "out: %s", r.out);
	cr_expect(strstr(r.err, "check: 0/2 scenario runs done, 0 failed, ") ||
			  strstr(r.err, "check: 1/2 scenario runs done, 1 failed, "),
		  "err: %s", r.err);
}

Test(check, quick_run_prints_no_progress, .timeout = 60)
{
	scenario("a.scn", "# quick\nname: quick\ntarget: %s exit 0\nrepeat: 2\n", probe());
	cr_assert_eq(CHECK(NULL), 0, "out: %s", r.out);
	cr_expect_null(strstr(r.err, "scenario runs done"), "err: %s", r.err);
}
