/* report.html is well-formed HTML, by a real parser (html5lib, strict,
 * or xmllint --html; scripts/render-check.sh): for every kind of folder,
 * for data full of markup and control bytes; and the parser used does
 * reject a page that is not (so that these tests can fail). */
#include "test_report_util.h"

TestSuite(report_html, .fini = remove_dir);

/* FILE parses; skipped (saying why, on its own line) without a parser. */
static void parses(const char *folder, const char *file)
{
	char path[512];
	struct fc_result p;
	snprintf(path, sizeof path, "%s/%s", folder, file);
	const char *args[] = { "parse", path, NULL };
	int rc = render_check(&p, args);
	if (rc == 77) {
		fprintf(stderr, "SKIP: report_html: %s", p.err);
		cr_skip_test("no HTML parser: %s", p.err);
	}
	cr_expect_eq(rc, 0, "%s%s", p.out, p.err);
}

static void report_parses(const char *name)
{
	const char *d = fixture(name);
	cr_assert_lt(report_of(d), 2, "exit %d: %s", r.code, r.err);
	parses(d, "report.html");
}

Test(report_html, demo_report_is_well_formed, .timeout = 60)
{
	report_parses("demo");
}

Test(report_html, check_report_with_markup_in_its_data_is_well_formed, .timeout = 60)
{
	report_parses("check-fail");
}

Test(report_html, matrix_report_is_well_formed, .timeout = 60)
{
	report_parses("matrix");
}

Test(report_html, explore_matrix_report_is_well_formed, .timeout = 60)
{
	report_parses("explore-matrix");
}

Test(report_html, sweep_report_is_well_formed, .timeout = 60)
{
	report_parses("sweep");
}

Test(report_html, report_of_control_bytes_is_well_formed, .timeout = 60)
{
	const char *d = fixture("check-fail");
	put(d, "verdicts.csv",
	    "scenario,library,state,runs,failed_runs,oracle,detail,reproduce,trace\n"
	    "\"a\x01</td></tr></table>\",/x/lib\xc3.so,FAIL,1,1,\"fds\x0c\",\"\xef\xbf\xbe\r</pre>\x7f\",\"x\x0b\",\n");
	free(md_of(d, 1));
	parses(d, "report.html");
}

Test(report_html, parser_rejects_a_page_that_is_not_well_formed, .timeout = 60)
{
	const char *d = in_dir("broken");
	char path[512];
	mkdir(d, 0755);
	snprintf(path, sizeof path, "%s/page.html", d);
	write_file(path,
		   "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>t</title></head>"
		   "<body><table><tr><td>x</p></td></tr></table></body></html>\n");
	struct fc_result p;
	const char *args[] = { "parse", path, NULL };
	int rc = render_check(&p, args);
	if (rc == 77)
		cr_skip_test("no HTML parser");
	cr_expect_eq(rc, 1, "a stray </p> was accepted: %s%s", p.out, p.err);
}
