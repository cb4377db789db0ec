/* The reproduce command of a generated report, on a real `forkchaos
 * check` of a defect's scenario and a real `forkchaos sweep`: taken from
 * report.md (and the same in report.html), run, and failing as the report
 * says: exit 1, the oracle the report names, the detail it shows. */
#include "test_report_util.h"

TestSuite(report_repro, .fini = remove_dir);

/* forkchaos check --lib the defect's build --out DIR/results SCENARIO;
 * its results folder. */
static const char *checked(const char *defect, const char *scenario)
{
	char lib[256], scn[256];
	snprintf(lib, sizeof lib, "defects/libffd-%s.so", defect);
	snprintf(scn, sizeof scn, "scenarios/%s.scn", scenario);
	const char *out = in_dir("results");
	const char *argv[] = { fc_build_path("forkchaos"), "check", "--lib", fc_build_path(lib), "--out", out, scn, NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 1, "check of %s on %s: exit %d: %s%s", scenario, defect, r.code, r.out,
		     r.err);
	static char latest[512];
	snprintf(latest, sizeof latest, "%s/latest", out);
	return latest;
}

/* The text between BEGIN and END in TEXT (malloc'd), or NULL. */
static char *between(const char *text, const char *begin, const char *end)
{
	const char *from = strstr(text, begin);
	const char *to = from ? strstr(from + strlen(begin), end) : NULL;
	return to ? strndup(from + strlen(begin), (size_t)(to - from - strlen(begin))) : NULL;
}

/* HTML's five entities back to their characters, in place. */
static void unescape(char *s)
{
	static const char *const entities[][2] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" }
	};
	char *w = s;
	for (const char *p = s; *p;) {
		size_t k = 0;
		while (k < 5 && strncmp(p, entities[k][0], strlen(entities[k][0])))
			k++;
		if (k < 5) {
			*w++ = entities[k][1][0];
			p += strlen(entities[k][0]);
		} else
			*w++ = *p++;
	}
	*w = 0;
}

/* The report of FOLDER's one failure: its command run, as the report says. */
static void reproduces(const char *folder, const char *oracle, const char *detail)
{
	cr_assert_eq(report_of(folder), 1, "exit %d: %s%s", r.code, r.out, r.err);
	char *md = read_file(folder, "report.md", NULL), *html = read_file(folder, "report.html", NULL);
	cr_assert(md && html);
	char named[64], finding[64];
	snprintf(named, sizeof named, "; oracle `%s`\n", oracle);
	snprintf(finding, sizeof finding, "\n**%s** at `", oracle);
	cr_expect(strstr(md, named) || strstr(md, finding), "report.md does not name %s: %s", oracle, md);
	char *line = between(md, "```sh\n", "\n```"), *shown = between(html, "<pre class=\"copy\"><code>", "</code></pre>");
	cr_assert(line && shown, "no reproduce block: %s", md);
	unescape(shown);
	cr_expect_str_eq(shown, line, "report.html and report.md show different commands");
	cr_expect(strstr(line, " --seed "), "the seed is not in the command: %s", line);
	const char *argv[] = { "/bin/sh", "-c", line, NULL };
	fc_exec(&r, (char *const *)argv);
	char says[128];
	snprintf(says, sizeof says, "forkchaos run: check: %s: ", oracle);
	cr_expect_eq(r.code, 1, "%s exited %d: %s", line, r.code, r.err);
	cr_expect(strstr(r.err, says), "%s did not fail by %s: %s", line, oracle, r.err);
	if (detail) {
		char both[512];
		snprintf(both, sizeof both, "%s%s", says, detail);
		cr_expect(strstr(html, detail), "report.html lacks the detail %s", detail);
		cr_expect(strstr(r.err, both), "the command's failure is not the report's: %s", r.err);
	}
	free(line);
	free(shown);
	free(md);
	free(html);
}

Test(report_repro, fd_leak_reproduce_exits_1_by_fds, .timeout = 120)
{
	reproduces(checked("fork-fail-leak", "fork-fail"), "fds", NULL);
}

Test(report_repro, driver_report_oracle_reproduce_exits_1_with_its_detail, .timeout = 120)
{
	reproduces(checked("spawn-errno", "spawn-errno"), "api-errno",
		   "ffd_spawn returned -1 with errno 0; the failure that caused it was EAGAIN");
}

Test(report_repro, sweep_finding_reproduce_exits_1_by_its_oracle, .timeout = 120)
{
	const char *out = in_dir("sweep");
	const char *argv[] = { fc_build_path("forkchaos"),       "sweep", "--calls", "fork", "--max-n", "2", "--out", out, "--",
			       fc_build_path("targets/spawner"), "leaky", "3",       NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 1, "sweep: exit %d: %s%s", r.code, r.out, r.err);
	reproduces(out, "fds", "2 descriptors leaked; the first: fd 3 (pipe) open at exit, not at start; made by pipe2 at main");
}
