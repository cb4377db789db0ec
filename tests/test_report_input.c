/* forkchaos report on what is not a results folder (exit 2, one line
 * naming what is missing, nothing written), on data that would break a
 * format (control bytes, a report.md past 1 MB), and its plots step
 * (plots.sh run with the folder; no gnuplot or no script: a note). */
#include <errno.h>
#include "test_report_util.h"

TestSuite(report_input, .fini = remove_dir);

/* report DIR exits 2 with one line on stderr holding WHAT; nothing written. */
static void not_results(const char *folder, const char *what)
{
	cr_assert_eq(report_of(folder), 2, "exit %d: %s%s", r.code, r.out, r.err);
	cr_expect(strstr(r.err, what), "stderr: %s (expected: %s)", r.err, what);
	cr_expect_eq(occurrences(r.err, "\n"), 1, "more than one line: %s", r.err);
	cr_expect(!strncmp(r.err, "forkchaos report: ", 18), "%s", r.err);
	char path[512];
	snprintf(path, sizeof path, "%s/report.html", folder);
	cr_expect(access(path, F_OK) < 0, "%s was written", path);
	snprintf(path, sizeof path, "%s/report.md", folder);
	cr_expect(access(path, F_OK) < 0, "%s was written", path);
}

Test(report_input, missing_folder_exits_2_naming_it, .timeout = 30)
{
	not_results(in_dir("no-such-folder"), "no-such-folder: No such file or directory; expected a results folder");
}

Test(report_input, folder_without_run_json_exits_2_naming_it, .timeout = 30)
{
	const char *d = in_dir("empty");
	mkdir(d, 0755);
	not_results(d, "is not a results folder: it has no run.json");
}

Test(report_input, results_root_is_pointed_at_its_latest, .timeout = 30)
{
	const char *root = in_dir("results");
	char latest[512];
	mkdir(root, 0755);
	fixture("check-fail");
	snprintf(latest, sizeof latest, "%s/latest", root);
	cr_assert(symlink(in_dir("check-fail"), latest) == 0);
	not_results(root, "it has no run.json (its latest/ is one: ");
}

/* A check folder whose run.json is TEXT: refused, naming WHAT. */
static void run_json_refused(const char *text, const char *what)
{
	const char *d = fixture("check-fail");
	put(d, "run.json", "%s", text);
	not_results(d, what);
}

Test(report_input, run_json_that_is_not_json_exits_2, .timeout = 30)
{
	run_json_refused("{\"forkchaos\":\"0.1.0\",\"kind\":\"check\",\"host\":{\"kernel\":",
			 "run.json is not a results folder's run.json: at byte");
}

Test(report_input, run_json_without_kind_exits_2, .timeout = 30)
{
	run_json_refused("{\"forkchaos\":\"0.1.0\",\"id\":\"x\"}\n",
			 "run.json is not a results folder's run.json: it has no kind");
}

Test(report_input, run_json_that_is_an_array_exits_2, .timeout = 30)
{
	run_json_refused("[{\"kind\":\"check\"}]\n",
			 "run.json is not a results folder's run.json: at byte 0: expected one JSON object");
}

Test(report_input, unreadable_run_json_exits_2, .timeout = 30)
{
	const char *d = fixture("check-fail");
	char path[512];
	snprintf(path, sizeof path, "%s/run.json", d);
	cr_assert(unlink(path) == 0 && mkdir(path, 0755) == 0); /* root reads any mode: a folder it cannot read as a file */
	not_results(d, "run.json cannot be read: Is a directory");
}

/* The fixture NAME without its FILE: refused, naming WHAT. */
static void without(const char *name, const char *file, const char *what)
{
	const char *d = fixture(name);
	char path[512];
	snprintf(path, sizeof path, "%s/%s", d, file);
	cr_assert(unlink(path) == 0);
	not_results(d, what);
}

Test(report_input, check_folder_without_verdicts_exits_2, .timeout = 30)
{
	without("check-fail", "verdicts.csv", "verdicts.csv is missing: a check's results folder has one");
}

Test(report_input, sweep_folder_without_outcomes_exits_2, .timeout = 30)
{
	without("sweep", "outcomes.csv", "outcomes.csv is missing: a sweep's results folder has one");
}

Test(report_input, report_html_through_a_link_writes_neither_file, .timeout = 30)
{
	const char *d = fixture("demo");
	char link[512], target[512];
	snprintf(target, sizeof target, "%s", in_dir("victim"));
	write_file(target, "untouched\n");
	snprintf(link, sizeof link, "%s/report.html", d);
	cr_assert(symlink(target, link) == 0);
	cr_assert_eq(report_of(d), 2, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(r.err, "is a symbolic link"), "%s", r.err);
	char *victim = read_file(dir, "victim", NULL);
	cr_expect(victim && !strcmp(victim, "untouched\n"), "the link's target was written");
	free(victim);
	char md[512];
	snprintf(md, sizeof md, "%s/report.md", d);
	cr_expect(access(md, F_OK) < 0, "report.md was written though report.html was not");
}

Test(report_input, usage_errors_exit_2, .timeout = 30)
{
	const char *none[] = { NULL }, *two[] = { "a", "b", NULL }, *bad[] = { "--bogus", "a", NULL };
	cr_expect_eq(report_env(NULL, none), 2);
	cr_expect(strstr(r.err, "expected a results folder"), "%s", r.err);
	cr_expect_eq(report_env(NULL, two), 2);
	cr_expect(strstr(r.err, "expected one results folder, got 2"), "%s", r.err);
	cr_expect_eq(report_env(NULL, bad), 2);
	cr_expect(strstr(r.err, "unknown option '--bogus'"), "%s", r.err);
}

Test(report_input, control_bytes_and_bad_utf8_are_shown_as_escapes, .timeout = 30)
{
	const char *d = fixture("check-fail");
	char path[512];
	snprintf(path, sizeof path, "%s/verdicts.csv", d);
	write_file(path,
		   "scenario,library,state,runs,failed_runs,oracle,detail,reproduce,trace\n"
		   "evil\x1b[31m,/x/libffd.so,FAIL,1,1,fds,\"bell\x07 del\x7f bad\xff\xfe end\",,\n");
	cr_assert_eq(report_of(d), 1, "%s", r.err);
	size_t n_md = 0, n_html = 0;
	char *md = read_file(d, "report.md", &n_md), *html = read_file(d, "report.html", &n_html);
	cr_assert(md && html);
	for (size_t i = 0; i < n_html; i++)
		cr_assert(html[i] != 0x1b && html[i] != 0x07 && html[i] != 0x7f && (unsigned char)html[i] != 0xff,
			  "a raw control byte in report.html at %zu", i);
	for (size_t i = 0; i < n_md; i++)
		cr_assert(md[i] != 0x1b && md[i] != 0x07 && (unsigned char)md[i] != 0xfe, "a raw byte in report.md at %zu", i);
	cr_expect(strstr(html, "bell\\x07 del\\x7f bad\\xff\\xfe end"), "%s", html);
	cr_expect(strstr(md, "bell\\\\x07 del\\\\x7f bad\\\\xff\\\\xfe end"), "%s", md);
	free(md);
	free(html);
}

Test(report_input, markdown_stays_under_1mb_and_says_what_it_left_out, .timeout = 60)
{
	const char *d = fixture("check-fail");
	char path[512], detail[2049];
	snprintf(path, sizeof path, "%s/verdicts.csv", d);
	memset(detail, 'x', 2048);
	detail[2048] = 0;
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "scenario,library,state,runs,failed_runs,oracle,detail,reproduce,trace\n");
	for (int i = 0; i < 2000; i++)
		fprintf(f, "scn-%d,/x/libffd.so,FAIL,5,5,fds,%s,forkchaos run --plan p -- d %d,\n", i, detail, i);
	fclose(f);
	cr_assert_eq(report_of(d), 1, "%s", r.err);
	size_t n_md = 0, n_html = 0;
	char *md = read_file(d, "report.md", &n_md), *html = read_file(d, "report.html", &n_html);
	cr_assert(md && html);
	cr_expect_lt(n_md, 1000000, "report.md is %zu bytes", n_md);
	cr_expect(strstr(md, "more failures: report.html and verdicts.csv have every one."), "no note of what was left out");
	cr_expect(strstr(md, "\n---\n\nRegenerated from this folder alone"), "report.md lost its end");
	cr_expect_eq(occurrences(html, "<div class=\"failure\">"), 2000, "report.html holds every failure");
	free(md);
	free(html);
}

/* A folder NAME holding a stand-in for TOOL (a script), on PATH first. */
static const char *stand_in(const char *name, const char *tool, const char *script)
{
	const char *folder = in_dir(name); /* one of in_dir's slots: two stand-ins may be in use */
	char path[512];
	mkdir(folder, 0755);
	snprintf(path, sizeof path, "%s/%s", folder, tool);
	write_file(path, "%s", script);
	chmod(path, 0755);
	return folder;
}

Test(report_input, plots_sh_is_run_with_the_folder_and_its_plots_shown, .timeout = 30)
{
	const char *d = fixture("check-fail");
	char scripts[400], path_env[1200], scripts_env[600];
	snprintf(scripts, sizeof scripts, "%s",
		 stand_in("scripts", "plots.sh",
			  "mkdir -p \"$1/plots\" && printf '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\">"
			  "<rect width=\"9\" height=\"9\" fill=\"red\"/></svg>' > \"$1/plots/replay.svg\"\n"));
	const char *bin = stand_in("bin", "gnuplot", "exit 0\n");
	snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin, getenv("PATH"));
	snprintf(scripts_env, sizeof scripts_env, "FORKCHAOS_SCRIPTS=%s", scripts);
	const char *env[] = { path_env, scripts_env, NULL }, *args[] = { d, NULL };
	cr_assert_eq(report_env(env, args), 1, "exit %d: %s", r.code, r.err);
	cr_expect(!strstr(r.err, "note:"), "%s", r.err);
	char *html = read_file(d, "report.html", NULL);
	cr_assert(html);
	cr_expect(strstr(html,
			 "<img class=\"plot\" alt=\"Race-window replay: failures out of N, defect against fixed\" "
			 "src=\"data:image/svg+xml;base64,PHN2Zy"),
		  "the plot plots.sh drew is not inline");
	free(html);
}

Test(report_input, no_gnuplot_is_a_note_and_the_report_is_written, .timeout = 30)
{
	const char *d = fixture("demo");
	const char *empty = stand_in("nothing", "nothing", "");
	char path_env[600];
	snprintf(path_env, sizeof path_env, "PATH=%s", empty);
	const char *env[] = { path_env, NULL }, *args[] = { d, NULL };
	cr_assert_eq(report_env(env, args), 0, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(r.err, "forkchaos report: note: gnuplot is not installed (apt-get install gnuplot-nox)"), "%s", r.err);
	char *md = read_file(d, "report.md", NULL);
	cr_assert(md);
	cr_expect(strstr(md, "> **Note:** gnuplot is not installed"), "the note is not in report.md");
	cr_expect(strstr(md, "\n## Plots\n"), "the plots already there are gone");
	free(md);
}

Test(report_input, no_plots_sh_is_a_note, .timeout = 30)
{
	const char *d = fixture("demo");
	const char *bin = stand_in("bin", "gnuplot", "exit 0\n"), *empty = stand_in("nothing", "nothing", "");
	char path_env[1200], scripts_env[600];
	snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin, getenv("PATH"));
	snprintf(scripts_env, sizeof scripts_env, "FORKCHAOS_SCRIPTS=%s", empty);
	const char *env[] = { path_env, scripts_env, NULL }, *args[] = { d, NULL };
	cr_assert_eq(report_env(env, args), 0, "exit %d: %s", r.code, r.err);
	cr_expect(strstr(r.err, "holds no plots.sh: the plots were not redrawn"), "%s", r.err);
}
