/* forkchaos report on fixture results folders (tests/fixtures/report/):
 * given outcomes, the verdict, the tables and the exit code it must give;
 * sections shown only when their data is there; the folder's text escaped
 * in both formats. */
#include "test_report_util.h"

TestSuite(report, .fini = remove_dir);

Test(report, demo_folder_holds_and_shows_every_section, .timeout = 30)
{
	const char *d = fixture("demo");
	cr_assert_eq(report_of(d), 0, "exit %d: %s%s", r.code, r.out, r.err);
	cr_expect(strstr(r.out, "report: HELD (0 things failed)"), "%s", r.out);
	char *md = read_file(d, "report.md", NULL), *html = read_file(d, "report.html", NULL);
	cr_assert(md && html);
	static const char *const headings[] = { "Verdict",       "Scenarios \u00d7 libraries", "Failures",      "Sweep",
						"Leak campaign", "Exit-to-wait latency",       "Shim overhead", "Plots",
						"Environment" };
	for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++) {
		char md_h[128], html_h[128];
		snprintf(md_h, sizeof md_h, "\n## %s\n", headings[i]);
		snprintf(html_h, sizeof html_h, "<h2>%s</h2>", headings[i]);
		cr_expect(strstr(md, md_h), "report.md lacks %s", headings[i]);
		cr_expect(strstr(html, html_h), "report.html lacks %s", headings[i]);
	}
	cr_expect(strstr(md, "**\u2705 HELD**"), "%s", md);
	cr_expect(strstr(html, "<span class=\"badge held\">HELD</span>"));
	free(md);
	free(html);
}

Test(report, matrix_rows_and_verdict_follow_the_verdicts, .timeout = 30)
{
	char *md = md_of(fixture("demo"), 0);
	/* the library under test first (run.json's order), then each defect */
	cr_expect(strstr(md, "| scenario | libffd.so (under test) | fork-fail-leak | torn-oldact |\n"), "%s", md);
	cr_expect(strstr(md, "| fork-fail-leak | PASS | FAIL 5/5 | PASS |\n"));
	cr_expect(strstr(md, "| torn-oldact | PASS | PASS | FAIL 20/20 |\n"));
	cr_expect(strstr(md, "| lifecycle-generic | PASS | PASS | FAIL 3/5 |\n"));
	cr_expect(strstr(md, "| detected | all pass | yes | yes |\n"));
	cr_expect(strstr(md, "**held**: every scenario held on libffd.so: 3 passed (15 runs)"));
	cr_expect(strstr(md, "**held**: mutation score 2/2: every seeded defect was detected"));
	cr_expect(strstr(md, "**expected**: the seeded defects failed 3 scenarios between them"));
	free(md);
}

Test(report, surviving_defect_fails_the_verdict_and_is_named, .timeout = 30)
{
	char *md = md_of(fixture("matrix"), 1);
	cr_expect(strstr(r.out, "FAIL  mutation score 1/2: no scenario detected torn-oldact"), "%s", r.out);
	cr_expect(strstr(md, "| torn-oldact | PASS | ERROR | PASS |\n"), "%s", md);
	/* a harness error is no detection; the fds failure is */
	cr_expect(strstr(md, "| detected | all pass | yes | SURVIVED |\n"));
	cr_expect(strstr(md, "**\u274c FAILED**: 1 thing failed."));
	free(md);
}

Test(report, failure_of_the_library_under_test_fails_with_a_judged_reproduce, .timeout = 30)
{
	char *md = md_of(fixture("check-fail"), 1);
	cr_expect(strstr(r.out, "FAIL  1 of 2 scenarios failed on libffd.so: fork-fail-leak (FAIL: fds)"), "%s", r.out);
	cr_expect(strstr(md, "| fork-fail-leak | FAIL 2/5 |\n"), "%s", md);
	cr_expect(strstr(md, "### On the library under test, libffd.so"));
	/* judged by the oracle that failed, the driver's report left to the judge */
	cr_expect(strstr(md,
			 "/opt/forkchaos/build/forkchaos run --check fds --plan fork:lib=libffd:error=EAGAIN --seed 1 "
			 "--timeout 10s -- env FORKCHAOS_LIB=/opt/forkchaos/build/libffd.so /opt/forkchaos/build/drivers/"
			 "ffdriver fail-fork EAGAIN '<b>quoted</b>'\n"),
		  "%s", md);
	cr_expect(!strstr(md, "FORKCHAOS_REPORT=/dev/stderr"));
	free(md);
}

Test(report, markup_in_the_data_is_text_in_both_formats, .timeout = 30)
{
	const char *d = fixture("check-fail");
	report_of(d);
	char *md = read_file(d, "report.md", NULL), *html = read_file(d, "report.html", NULL);
	cr_assert(md && html);
	cr_expect(!strcasestr(html, "<script"), "a <script> of the data's is markup in report.html");
	cr_expect(!strstr(html, "<b>quoted"), "a <b> of the data's is markup in report.html");
	cr_expect(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | pipe `tick`"));
	cr_expect(strstr(html, "&#39;&lt;b&gt;quoted&lt;/b&gt;&#39;"));
	/* Markdown: every character that could start markup escaped */
	cr_expect(strstr(md,
			 "\\<script\\>alert(\"x\")\\</script\\> \\| pipe \\`tick\\` \\`\\`two\\`\\` \\$x^2\\$ \\*star\\* "
			 "\\_under\\_ \\[link\\](http://example.invalid) &amp; amp \\# hash"),
		  "%s", md);
	cr_expect_eq(occurrences(md, "<script"), occurrences(md, "\\<script"), "an unescaped <script> in report.md");
	free(md);
	free(html);
}

Test(report, check_folder_shows_only_the_sections_it_has_data_for, .timeout = 30)
{
	char *md = md_of(fixture("check-fail"), 1);
	cr_expect(strstr(md, "\n## Verdict\n") && strstr(md, "\n## Failures\n") && strstr(md, "\n## Environment\n"));
	static const char *const absent[] = { "\n## Sweep\n", "\n## Leak campaign\n", "\n## Exit-to-wait latency\n",
					      "\n## Shim overhead\n", "\n## Plots\n" };
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		cr_expect(!strstr(md, absent[i]), "a check folder shows%s", absent[i]);
	free(md);
}

Test(report, sweep_findings_are_deduplicated_and_fail_the_verdict, .timeout = 30)
{
	char *md = md_of(fixture("sweep"), 1);
	cr_expect(strstr(r.out, "2 findings over 6 runs (fds, strays)"), "%s", r.out);
	cr_expect(strstr(r.out, "1 runs could not be run (harness errors)"), "%s", r.out);
	cr_expect(strstr(md, "6 runs over 3 sites: 1 ok, 1 handled, 3 failed (2 findings), 1 errors. Seed 42."), "%s", md);
	/* runs 2 and 3 are one finding (fd 3 and fd 5: the same leak) */
	cr_expect_eq(occurrences(md, "**fds** at"), 1, "%s", md);
	cr_expect(strstr(md, "**fds** at `fork:caller=main` (parent): 2 runs, the first run 2"));
	cr_expect(strstr(md, "**strays** at `pipe2:caller=main` (parent): 1 run, the first run 5"));
	cr_expect(strstr(md, "| `fork:caller=main` | parent | 3 | 3 | 1 | 0 | 2 |  |\n"));
	cr_expect(strstr(md, "| `close:caller=main` | child | 1 | 0 | 0 | 0 | 0 | not swept: no errno to inject |\n"));
	free(md);
}

Test(report, sweep_without_finding_column_dedupes_by_detail_signature, .timeout = 30)
{
	const char *d = fixture("sweep");
	put(d, "outcomes.csv",
	    "run,site,outcome,detail,reproduce\n"
	    "1,fork:caller=main,fds,fd 3 leaked at exit,forkchaos run --check fds -- a\n"
	    "2,fork:caller=main,fds,fd 17 leaked at exit,forkchaos run --check fds -- b\n"
	    "3,fork:caller=main,fds,a pipe leaked at exit,forkchaos run --check fds -- c\n"
	    "4,pipe2:caller=main,fds,fd 3 leaked at exit,forkchaos run --check fds -- d\n");
	char *md = md_of(d, 1);
	cr_expect(strstr(md, "(3 findings)"), "%s", md);
	cr_expect(strstr(md, "**fds** at `fork:caller=main` (): 2 runs, the first run 1"), "%s", md);
	free(md);
}

Test(report, same_folder_gives_the_same_files_again, .timeout = 30)
{
	const char *d = fixture("demo");
	cr_assert_eq(report_of(d), 0);
	size_t n1 = 0, n2 = 0, h1 = 0, h2 = 0;
	char *md1 = read_file(d, "report.md", &n1), *html1 = read_file(d, "report.html", &h1);
	cr_assert_eq(report_of(d), 0);
	char *md2 = read_file(d, "report.md", &n2), *html2 = read_file(d, "report.html", &h2);
	cr_assert(md1 && md2 && html1 && html2);
	cr_expect(n1 == n2 && !memcmp(md1, md2, n1), "report.md differs when regenerated");
	cr_expect(h1 == h2 && !memcmp(html1, html2, h1), "report.html differs when regenerated");
	free(md1);
	free(md2);
	free(html1);
	free(html2);
}

/* A folder of make explore-matrix: each library's time to its first
 * finding, every library's findings (the confirmed first) and the
 * libraries x perturbations map, from the explore folders it names; a
 * defect found only now and then (no finding 5/5) fails the verdict. */
Test(report, explore_matrix_folder_shows_each_library_findings_and_map, .timeout = 30)
{
	char *md = md_of(fixture("explore-matrix"), 1);
	cr_expect(strstr(r.out, "FAIL  explore of unpublished-death: found, but no finding fails 5 runs out of 5"), "%s", r.out);
	cr_expect(strstr(md, "| torn-oldact | 1 | 0.4 s | chained | 1 | 2270 |\n"), "%s", md);
	cr_expect(strstr(md, "### Findings, per library") && strstr(md, "| fixed | none |"), "%s", md);
	cr_expect(strstr(md,
			 "| torn-oldact | chained | `sigaction:caller=ffd__sigchld_install:at=inside:signal=SIGCHLD` | "
			 "5/5 | 0.4 s | signal SIGCHLD inside |\n"),
		  "%s", md);
	cr_expect(strstr(md, "### Libraries \u00d7 perturbations") &&
			  strstr(md, "| torn-oldact | 2 | \u00b7 | \u00b7 | 1 \u00d7 chained | \u00b7 |") &&
			  strstr(md, "| fixed | 1 | \u00b7 | \u00b7 | \u00b7 |"),
		  "%s", md);
	cr_expect(strstr(md, "**held**: explore of torn-oldact: found (first after 383 ms)"), "%s", md);
	free(md);
}
