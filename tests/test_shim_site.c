/* Call sites that name themselves without symbols: the trace's `site`
 * (OBJECT+0xOFFSET, the return address less the object's load base) and
 * caller=OBJECT+0xOFFSET, which selects exactly that call.  Target:
 * tests/targets/sites, stripped (sites-stripped), with libsites.so, run
 * under `forkchaos run`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;
static char trace[256], text[1 << 20];

#define MAX_SITES 16
#define SITE_LEN 128

struct sites {
	int n;
	char site[MAX_SITES][SITE_LEN];
	char caller[MAX_SITES][SITE_LEN];
};

#define SITES(...)                                                                                               \
	fc_exec(&r,                                                                                              \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--trace", trace, "--", \
						      fc_build_path("targets/sites-stripped"), __VA_ARGS__, NULL })
#define SITES_PLAN(plan, ...)                                                                                  \
	fc_exec(&r,                                                                                            \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--plan", plan, "--", \
						      fc_build_path("targets/sites-stripped"), __VA_ARGS__, NULL })

static void setup(void)
{
	fc_temp_path(trace, sizeof trace, "site.jsonl");
}

static void teardown(void)
{
	unlink(trace);
}

TestSuite(site, .init = setup, .fini = teardown);

static const char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[got] = 0;
	if (f)
		fclose(f);
	return text;
}

/* The string value of KEY in LINE (up to its end at END) into OUT; "null"
 * for a JSON null, "" when absent. */
static void field(const char *line, const char *end, const char *key, char *out, size_t len)
{
	char pattern[32];
	snprintf(pattern, sizeof pattern, "\"%s\":", key);
	const char *at = strstr(line, pattern);
	out[0] = 0;
	if (!at || at > end)
		return;
	at += strlen(pattern);
	if (*at != '"') {
		snprintf(out, len, "%.4s", at);
		return;
	}
	const char *close = strchr(at + 1, '"');
	snprintf(out, len, "%.*s", close ? (int)(close - at - 1) : 0, at + 1);
}

/* The site and caller of each line of the trace for CALL whose site (or,
 * with PREFIX NULL, any site, null included) starts with PREFIX. */
static struct sites sites_of(const char *call, const char *prefix)
{
	struct sites s = { 0 };
	char want[64];
	snprintf(want, sizeof want, "\"call\":\"%s\"", call);
	for (const char *line = slurp(trace); *line && s.n < MAX_SITES;) {
		const char *end = strchr(line, '\n');
		end = end ? end : line + strlen(line);
		const char *hit = strstr(line, want);
		if (hit && hit < end) {
			field(line, end, "site", s.site[s.n], SITE_LEN);
			field(line, end, "caller", s.caller[s.n], SITE_LEN);
			if (!prefix || !strncmp(s.site[s.n], prefix, strlen(prefix)))
				s.n++;
		}
		line = *end ? end + 1 : end;
	}
	return s;
}

Test(site, stripped_program_calls_have_two_distinct_sites, .timeout = 30)
{
	cr_assert_eq(SITES("exe"), 0, "stderr: %s", r.err);
	struct sites s = sites_of("pipe2", "sites-stripped+0x");
	cr_assert_eq(s.n, 2, "expected 2 pipe2 lines with a site in the program, got %d: %s", s.n, text);
	cr_expect_str_neq(s.site[0], s.site[1], "both calls have the site %s", s.site[0]);
}

/* Trace SUBCOMMAND, then fail the second of its two calls whose sites start
 * with PREFIX by its site: FIRST must still succeed, SECOND fail. */
static void fail_second_site(const char *subcommand, const char *prefix, const char *first, const char *second)
{
	char plan[256];
	cr_assert_eq(SITES(subcommand), 0, "stderr: %s", r.err);
	struct sites s = sites_of("pipe2", prefix);
	cr_assert_eq(s.n, 2, "trace: %s", text);
	snprintf(plan, sizeof plan, "pipe2:caller=%s:error=EMFILE", s.site[1]);
	cr_assert_eq(SITES_PLAN(plan, subcommand), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, first), "the first call failed too (%s): %s", plan, r.out);
	cr_expect(fc_line(r.out, second), "the second call did not fail (%s): %s", plan, r.out);
}

Test(site, second_program_site_fails_only_the_second_call, .timeout = 30)
{
	fail_second_site("exe", "sites-stripped+0x", "exe1 0 OK", "exe2 -1 EMFILE");
}

/* One function, two calls: its name (caller) is the same, the sites not. */
Test(site, library_function_calls_have_two_sites_and_one_caller, .timeout = 30)
{
	cr_assert_eq(SITES("lib"), 0, "stderr: %s", r.err);
	struct sites s = sites_of("pipe2", "libsites.so+0x");
	cr_assert_eq(s.n, 2, "expected 2 pipe2 lines with a site in libsites.so, got %d: %s", s.n, text);
	cr_expect_str_neq(s.site[0], s.site[1], "both calls have the site %s", s.site[0]);
	cr_expect_str_eq(s.caller[0], "sites_lib_pipes");
	cr_expect_str_eq(s.caller[1], "sites_lib_pipes");
}

Test(site, second_library_site_fails_only_the_second_call, .timeout = 30)
{
	fail_second_site("lib", "libsites.so+0x", "lib1 0 OK", "lib2 -1 EMFILE");
}

/* ASLR moves the program and the library between two runs; the sites of
 * every traced call stay the same strings. */
Test(site, sites_are_the_same_in_a_second_run_moved_by_aslr, .timeout = 30)
{
	char where[2][128];
	struct sites runs[2];
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(SITES("all"), 0, "stderr: %s", r.err);
		const char *line = fc_line(r.out, "where ");
		cr_assert(line, "no where line: %s", r.out);
		snprintf(where[i], sizeof where[i], "%.*s", (int)strcspn(line, "\n"), line);
		runs[i] = sites_of("pipe2", NULL);
	}
	if (!strcmp(where[0], where[1]))
		cr_skip_test("ASLR is off here (both runs loaded at %s): nothing moved", where[0]);
	cr_assert_eq(runs[0].n, 4, "expected 4 pipe2 lines: %s", text);
	cr_assert_eq(runs[1].n, runs[0].n);
	for (int i = 0; i < runs[0].n; i++) {
		cr_expect(strstr(runs[0].site[i], "+0x"), "call %d has no site: %s", i + 1, runs[0].site[i]);
		cr_expect_str_eq(runs[1].site[i], runs[0].site[i], "call %d moved from %s to %s (%s, then %s)", i + 1,
				 runs[0].site[i], runs[1].site[i], where[0], where[1]);
	}
}

Test(site, call_in_a_signal_handler_has_a_site, .timeout = 30)
{
	cr_assert_eq(SITES("handler"), 0, "stderr: %s", r.err);
	cr_assert(fc_line(r.out, "handler 0 OK"), "out: %s", r.out);
	struct sites s = sites_of("pipe2", NULL);
	cr_assert_eq(s.n, 1, "trace: %s", text);
	cr_expect(!strncmp(s.site[0], "sites-stripped+0x", 17), "the handler's call has the site %s", s.site[0]);
}

Test(site, site_selects_a_call_in_a_signal_handler, .timeout = 30)
{
	char plan[256];
	cr_assert_eq(SITES("handler"), 0, "stderr: %s", r.err);
	struct sites s = sites_of("pipe2", "sites-stripped+0x");
	cr_assert_eq(s.n, 1, "trace: %s", text);
	snprintf(plan, sizeof plan, "pipe2:caller=%s:error=EMFILE", s.site[0]);
	cr_assert_eq(SITES_PLAN(plan, "handler"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "handler -1 EMFILE"), "the handler's call did not fail (%s): %s", plan, r.out);
}

/* In a handler the index is not rebuilt: a library dlopen()ed since it was
 * built is unknown there (null), and known again out of the handler. */
Test(site, library_loaded_late_has_no_site_in_a_handler, .timeout = 30)
{
	cr_assert_eq(SITES("late", fc_build_path("targets/libfcprobe.so")), 0, "stderr: %s", r.err);
	struct sites s = sites_of("pipe", NULL);
	cr_assert_eq(s.n, 2, "trace: %s", text);
	cr_expect_str_eq(s.site[0], "null", "in the handler: %s", s.site[0]);
	cr_expect(!strncmp(s.site[1], "libfcprobe.so+0x", 16), "out of the handler: %s", s.site[1]);
}

Test(site, bad_offset_refused_naming_its_column, .timeout = 30)
{
	cr_assert_eq(SITES_PLAN("pipe2:caller=x+0xZZ:error=EMFILE", "exe"), 2, "out: %s err: %s", r.out, r.err);
	cr_expect(
		strstr(r.err, "bad plan: rule 1 `pipe2:caller=x+0xZZ:error=EMFILE`, column 16: expected caller=OBJECT+0xOFFSET"),
		"stderr: %s", r.err);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos"), 1, "not one line: %s", r.err);
	cr_expect(!fc_line(r.out, "exe1"), "the target ran: %s", r.out);
}

Test(site, missing_object_refused_naming_its_column, .timeout = 30)
{
	cr_assert_eq(SITES_PLAN("pipe2:caller=+0x10:error=EMFILE", "exe"), 2, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, "bad plan: rule 1 `pipe2:caller=+0x10:error=EMFILE`, column 14: expected caller=OBJECT+0xOFFSET"),
		  "stderr: %s", r.err);
	cr_expect(!fc_line(r.out, "exe1"), "the target ran: %s", r.out);
}
