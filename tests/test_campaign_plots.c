/* scripts/plots.sh and scripts/plots/ (NAME.awk, NAME.gp): on a fixture results folder
 * (tests/fixtures/plots/, copied to a temporary folder since plots.sh
 * writes DIR/plots/), every plot is made as a PNG and an SVG that parses;
 * a plot without its CSV is not made; the preparations read what the
 * CSVs say (quoted fields, percentiles, the worst outcome of a cell). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"
#include "test_campaign.h"

static const char *const plot_names[] = { "leak", "latency", "sweep-map", "replay", "overhead" };
/* each plot's title begins so (common.gp's noenhanced text, as written) */
static const char *const plot_titles[] = { "Leak campaign", "Latency campaign", "Sweep:", "Race-window replay", "Shim overhead" };

static int sh(struct fc_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(struct fc_result *r, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *const argv[] = { "/bin/sh", "-c", cmd, NULL };
	return fc_exec(r, argv);
}

/* A fresh copy of the fixture folder; its path. */
static const char *fixture_copy(void)
{
	struct fc_result r;
	const char *dir = fc_campaign_temp_dir("plots");
	cr_assert_eq(sh(&r, "cp -R '%s/tests/fixtures/plots/.' '%s/'", FC_SRC_ROOT, dir), 0, "%s", r.err);
	return dir;
}

static int plots(struct fc_result *r, const char *dir)
{
	return sh(r, "sh '%s/scripts/plots.sh' '%s'", FC_SRC_ROOT, dir);
}

static void assert_png(const char *path)
{
	unsigned char magic[8] = { 0 };
	FILE *f = fopen(path, "rb");
	cr_assert(f, "%s is missing", path);
	size_t got = fread(magic, 1, sizeof magic, f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	cr_assert(got == 8 && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8), "%s is no PNG", path);
	cr_assert_gt(size, 2000, "%s: %ld bytes, a blank image", path, size);
}

/* Parsed by a real XML parser; its root is an <svg>, and its text holds
 * TITLE (the plot is titled). */
static void assert_svg(const char *path, const char *title)
{
	struct fc_result r;
	int rc = sh(&r,
		    "python3 -c 'import sys, xml.etree.ElementTree as E\n"
		    "root = E.parse(sys.argv[1]).getroot()\n"
		    "assert root.tag == \"{http://www.w3.org/2000/svg}svg\", root.tag\n"
		    "text = \" \".join(t for e in root.iter() for t in [e.text or \"\"])\n"
		    "assert sys.argv[2] in text, \"no title \" + sys.argv[2]' '%s' '%s'",
		    path, title);
	cr_assert_eq(rc, 0, "%s: %s", path, r.err);
}

Test(plots, fixture_every_plot_as_png_and_svg, .timeout = 60)
{
	struct fc_result r;
	const char *dir = fixture_copy();
	cr_assert_eq(plots(&r, dir), 0, "%s%s", r.out, r.err);
	for (size_t i = 0; i < sizeof plot_names / sizeof plot_names[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/plots/%s.png", dir, plot_names[i]);
		assert_png(path);
		snprintf(path, sizeof path, "%s/plots/%s.svg", dir, plot_names[i]);
		assert_svg(path, plot_titles[i]);
	}
}

Test(plots, plot_without_its_csv_not_made_and_an_old_one_removed, .timeout = 60)
{
	struct fc_result r;
	const char *dir = fixture_copy();
	cr_assert_eq(plots(&r, dir), 0, "%s", r.err);
	cr_assert_eq(sh(&r, "rm -r '%s/overhead.csv' '%s/sweeps'", dir, dir), 0, "%s", r.err);
	cr_assert_eq(plots(&r, dir), 0, "%s", r.err);
	cr_assert_eq(sh(&r, "cd '%s/plots' && ls | tr '\\n' ' '", dir), 0, "%s", r.err);
	cr_assert_str_eq(r.out, "latency.png latency.svg leak.png leak.svg replay.png replay.svg ", "");
}

Test(plots, csv_with_a_header_only_skipped_with_a_line, .timeout = 30)
{
	struct fc_result r;
	const char *dir = fixture_copy();
	cr_assert_eq(sh(&r, "echo config,latency_ns > '%s/latency.csv'", dir), 0, "%s", r.err);
	cr_assert_eq(plots(&r, dir), 0, "%s", r.err);
	cr_assert(strstr(r.err, "plots: latency: no data rows in"), "%s", r.err);
	char path[256];
	snprintf(path, sizeof path, "%s/plots/latency.png", dir);
	cr_assert_neq(access(path, F_OK), 0, "%s was made", path);
}

Test(plots, not_a_folder_is_a_usage_error, .timeout = 30)
{
	struct fc_result r;
	cr_assert_eq(plots(&r, "/nonexistent/results/x"), 2, "%s", r.err);
	cr_assert(strstr(r.err, "is not a folder"), "%s", r.err);
	cr_assert_eq(sh(&r, "sh '%s/scripts/plots.sh'", FC_SRC_ROOT), 2, "%s", r.err);
}

/* Run NAME's preparation on INPUTS (paths, shell words): its data on stdout. */
static int prepare(struct fc_result *r, const char *name, const char *inputs)
{
	return sh(r, "awk -v data=/dev/stdout -v vars=/dev/stderr -f '%s/scripts/plots/csv.awk' -f '%s/scripts/plots/%s.awk' %s",
		  FC_SRC_ROOT, FC_SRC_ROOT, name, inputs);
}

Test(plots, replay_reads_quoted_fields_across_lines, .timeout = 30)
{
	struct fc_result r;
	char inputs[512];
	/* torn-oldact's failing row has a detail with a comma, quotes and a
	 * newline; lifecycle-generic has no defect and is left out */
	snprintf(inputs, sizeof inputs, "'%s/tests/fixtures/plots/scenarios.csv' '%s/tests/fixtures/plots/verdicts.csv'",
		 FC_SRC_ROOT, FC_SRC_ROOT);
	cr_assert_eq(prepare(&r, "replay", inputs), 0, "%s", r.err);
	cr_assert_str_eq(r.out, "1 5 5 0 5\n2 5 5 0 5\n3 5 5 0 5\n4 5 5 0 5\n", "");
	cr_assert(strstr(r.err, "'foreign-reaper [foreign-reaper-hang]' 1") && strstr(r.err, "'torn-oldact' 4"), "%s", r.err);
}

Test(plots, latency_legend_has_nearest_rank_p50_and_p99, .timeout = 30)
{
	struct fc_result r;
	const char *dir = fixture_copy();
	/* 100 children, 1 to 100 µs, written out of order */
	cr_assert_eq(sh(&r, "{ echo config,latency_ns; seq 100 -1 1 | sed 's/$/000/; s/^/x,/'; } > '%s/l.csv'", dir), 0, "%s",
		     r.err);
	char input[128];
	snprintf(input, sizeof input, "'%s/l.csv'", dir);
	cr_assert_eq(prepare(&r, "latency", input), 0, "%s", r.err);
	cr_assert(strstr(r.err, "title1 = 'x (n 100): p50 50.0 µs, p99 99.0 µs'"), "%s", r.err);
	cr_assert(!strncmp(r.out, "1.000 0.010000\n2.000 0.020000\n", 30), "the CDF sorted:\n%.200s", r.out);
}

Test(plots, sweep_map_cell_is_the_worst_outcome_over_occurrences, .timeout = 30)
{
	struct fc_result r;
	const char *dir = fixture_copy();
	/* one site, one errno: ok at n=1, fds at n=2, handled at n=3 */
	cr_assert_eq(sh(&r,
			"mkdir -p '%s/s/one' && printf '%%s\\n' run,site,proc,n,action,outcome "
			"1,pipe2:caller=f,parent,1,when=1:error=EMFILE,ok 2,pipe2:caller=f,parent,2,when=2:error=EMFILE,fds "
			"3,pipe2:caller=f,parent,3,when=3:error=EMFILE,handled > '%s/s/one/outcomes.csv'",
			dir, dir),
		     0, "%s", r.err);
	char input[128];
	snprintf(input, sizeof input, "'%s/s/one/outcomes.csv'", dir);
	cr_assert_eq(prepare(&r, "sweep-map", input), 0, "%s", r.err);
	cr_assert_str_eq(r.out, "1 1 14895667\n", "x 1, y 1, fds' colour #e34a33");
	cr_assert(strstr(r.err, "'one: pipe2 @ f' 1") && strstr(r.err, "outcome1 = 'fds'"), "%s", r.err);
}
