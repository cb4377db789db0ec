/* The findings section: what the scenarios found in code nobody here
 * wrote, under each target's name (libuv, glibc's posix_spawn, CPython,
 * GNU make, bash, dash), from verdicts.csv's target, plan, expect and
 * summary columns (check writes them; a folder of an older check has none,
 * and the section is left out).  Per target: every scenario that failed,
 * as its expect: xfail said (a bug of the target when the reason starts
 * with "bug", else its known behaviour) or not (FAIL: a regression, or a
 * finding nobody has written down yet), with its plan and the command that
 * reproduces it; then what was tried and held.  Only the library under
 * test's rows count: a seeded defect's failures are detections, shown by
 * the matrix.  libffd's own scenarios (ffdriver) are ours, not a target's. */
#include <stdlib.h>
#include <string.h>
#include "report.h"

enum { F_SCENARIO, F_LIBRARY, F_STATE, F_RUNS, F_FAILED, F_ORACLE, F_DETAIL, F_REPRO, F_TARGET, F_PLAN, F_EXPECT, F_SUMMARY, NF };
static const char *const fcols[NF] = { "scenario", "library",   "state",  "runs", "failed_runs", "oracle",
				       "detail",   "reproduce", "target", "plan", "expect",      "summary" };

/* A target's program (the first word of target:, its file name) and the
 * name a reader knows it by; a program not listed is shown as it is. */
static const struct target_name {
	const char *program, *name;
	int ours; /* code of this project: no findings of a target */
} target_names[] = {
	{ "uvdriver", "libuv", 0 },  { "psdriver", "glibc posix_spawn", 0 },
	{ "python3", "CPython", 0 }, { "python", "CPython", 0 },
	{ "make", "GNU make", 0 },   { "ffdriver", "libffd", 1 },
};

struct cols {
	int c[NF];
};

static const char *at(const struct fc__report *r, const struct cols *k, int row, int c)
{
	return fc__csv_at(&r->verdicts, row, k->c[c]);
}

/* TARGET's program: its first word's file name, a version suffix off
 * (python3.11 is python3). */
static void program_of(const char *target, char *buf, size_t len)
{
	size_t n = strcspn(target, " \t");
	const char *base = memrchr(target, '/', n);
	base = base ? base + 1 : target;
	n -= (size_t)(base - target);
	const char *dot = memrchr(base, '.', n);
	if (dot && dot > base && dot + 1 < base + n && strspn(dot + 1, "0123456789") == (size_t)(base + n - dot - 1))
		n = (size_t)(dot - base);
	snprintf(buf, len, "%.*s", (int)n, base);
}

static const struct target_name *known(const char *program)
{
	for (size_t i = 0; i < sizeof target_names / sizeof target_names[0]; i++)
		if (!strcmp(target_names[i].program, program))
			return &target_names[i];
	return NULL;
}

/* The name ROW's target is shown under, or NULL for our own code. */
static const char *target_of(const struct fc__report *r, const struct cols *k, int row, char *buf, size_t len)
{
	program_of(at(r, k, row, F_TARGET), buf, len);
	const struct target_name *t = known(buf);
	if (t && t->ours)
		return NULL;
	return t ? t->name : buf;
}

static int of_the_library_under_test(const struct fc__report *r, const struct cols *k, int row)
{
	return r->m.nlibs > 0 && !strcmp(at(r, k, row, F_LIBRARY), r->m.libs[0]);
}

static const char *kind_of(const char *state, const char *expect)
{
	if (!strcmp(state, "XFAIL"))
		return strncmp(expect, "bug", 3) ? "known behaviour of the target" : "a bug of the target";
	if (!strcmp(state, "FAIL"))
		return "failed unexpectedly: a regression, or a finding not yet written down";
	if (!strcmp(state, "XPASS"))
		return "expected to fail and passed: the finding no longer holds";
	return "the scenario could not be run";
}

static int finding(struct fc__doc *d, const struct fc__report *r, const struct cols *k, int row)
{
	const char *state = at(r, k, row, F_STATE), *expect = at(r, k, row, F_EXPECT), *plan = at(r, k, row, F_PLAN);
	const char *detail = at(r, k, row, F_DETAIL), *repro = at(r, k, row, F_REPRO), *oracle = at(r, k, row, F_ORACLE);
	if (fc__doc_room(d) < strlen(detail) + strlen(expect) + 2 * strlen(repro) + strlen(plan) + 1024)
		return -1;
	fc__doc_raw(d, strcmp(state, "XFAIL") ? "<div class=\"finding new\">\n" : "<div class=\"finding\">\n", NULL);
	fc__doc_para(d, NULL);
	fc__doc_strong(d, at(r, k, row, F_SCENARIO));
	fc__doc_textf(d, ": %s (%s, %s of %s runs failed)", kind_of(state, expect), state, at(r, k, row, F_FAILED),
		      at(r, k, row, F_RUNS));
	fc__doc_para_end(d);
	if (*expect) {
		fc__doc_para(d, "detail");
		fc__doc_text(d, expect);
		fc__doc_para_end(d);
	}
	if (*oracle) {
		fc__doc_para(d, "detail");
		fc__doc_text(d, "detected by ");
		fc__doc_code(d, oracle);
		fc__doc_textf(d, ": %s", detail);
		fc__doc_para_end(d);
	}
	fc__doc_para(d, "sub");
	fc__doc_text(d, "plan ");
	fc__doc_code(d, *plan ? plan : "(none: the target's own doing)");
	fc__doc_text(d, ", target ");
	fc__doc_code(d, at(r, k, row, F_TARGET));
	fc__doc_para_end(d);
	if (*repro)
		fc__doc_block(d, "sh", repro);
	fc__doc_raw(d, "</div>\n", NULL);
	return 0;
}

/* The scenarios of TARGET that held: what was tried, each with its plan. */
static void held(struct fc__doc *d, const struct fc__report *r, const struct cols *k, const char *target)
{
	char buf[128];
	int first = 1;
	for (int row = 0; row < r->verdicts.nrows; row++) {
		const char *t = target_of(r, k, row, buf, sizeof buf);
		if (!t || strcmp(t, target) || !of_the_library_under_test(r, k, row) || strcmp(at(r, k, row, F_STATE), "PASS") ||
		    fc__doc_room(d) < 2048)
			continue;
		if (first) {
			fc__doc_para(d, NULL);
			fc__doc_text(d, "Tried and held:");
			fc__doc_para_end(d);
			fc__doc_list(d);
			first = 0;
		}
		const char *plan = at(r, k, row, F_PLAN);
		fc__doc_item(d, NULL);
		fc__doc_strong(d, at(r, k, row, F_SCENARIO));
		fc__doc_text(d, " ");
		fc__doc_code(d, *plan ? plan : "no fault");
		fc__doc_textf(d, ": %s", at(r, k, row, F_SUMMARY));
		fc__doc_item_end(d);
	}
	if (!first)
		fc__doc_list_end(d);
}

/* TARGET's heading and counts, its findings, what held. */
static void one_target(struct fc__doc *d, const struct fc__report *r, const struct cols *k, const char *target)
{
	char buf[128];
	int n = 0, passed = 0, bugs = 0, known_ = 0, other = 0;
	for (int row = 0; row < r->verdicts.nrows; row++) {
		const char *t = target_of(r, k, row, buf, sizeof buf), *state = at(r, k, row, F_STATE);
		if (!t || strcmp(t, target) || !of_the_library_under_test(r, k, row))
			continue;
		n++;
		passed += !strcmp(state, "PASS");
		bugs += !strcmp(state, "XFAIL") && !strncmp(at(r, k, row, F_EXPECT), "bug", 3);
		known_ += !strcmp(state, "XFAIL") && strncmp(at(r, k, row, F_EXPECT), "bug", 3);
		other += strcmp(state, "PASS") && strcmp(state, "XFAIL");
	}
	fc__doc_h3(d, target);
	fc__doc_para(d, NULL);
	fc__doc_textf(d, "%d scenario%s: %d held, %d bug%s of the target, %d known behaviour%s", n, n == 1 ? "" : "s", passed,
		      bugs, bugs == 1 ? "" : "s", known_, known_ == 1 ? "" : "s");
	if (other)
		fc__doc_textf(d, ", %d not as expected", other);
	fc__doc_text(d, ".");
	fc__doc_para_end(d);
	for (int row = 0; row < r->verdicts.nrows; row++) {
		const char *t = target_of(r, k, row, buf, sizeof buf), *state = at(r, k, row, F_STATE);
		if (t && !strcmp(t, target) && of_the_library_under_test(r, k, row) && strcmp(state, "PASS") &&
		    strcmp(state, "NOT-RUN") && finding(d, r, k, row) < 0) {
			fc__doc_para(d, NULL);
			fc__doc_text(d, "... more: report.html and verdicts.csv have every one.");
			fc__doc_para_end(d);
			break;
		}
	}
	held(d, r, k, target);
}

int fc__sec_findings(struct fc__doc *d, const struct fc__report *r)
{
	struct cols k;
	char buf[128];
	const char **targets = NULL;
	int ntargets = 0;
	if (!r->has_verdicts)
		return 0;
	for (int c = 0; c < NF; c++)
		k.c[c] = fc__csv_col(&r->verdicts, fcols[c]);
	if (k.c[F_TARGET] < 0 || k.c[F_STATE] < 0 || k.c[F_LIBRARY] < 0)
		return 0; /* a check from before the target column */
	/* the targets in the order their first scenario comes */
	for (int row = 0; row < r->verdicts.nrows; row++) {
		const char *t = target_of(r, &k, row, buf, sizeof buf);
		int seen = !t;
		for (int i = 0; i < ntargets && !seen; i++)
			seen = !strcmp(targets[i], t);
		if (seen || !of_the_library_under_test(r, &k, row))
			continue;
		const char **more = realloc(targets, (size_t)(ntargets + 1) * sizeof *targets);
		char *copy = strdup(t);
		if (!more || !copy) {
			free(copy);
			targets = more ? more : targets;
			break;
		}
		targets = more;
		targets[ntargets++] = copy;
	}
	for (int i = 0; i < ntargets; i++)
		one_target(d, r, &k, targets[i]);
	for (int i = 0; i < ntargets; i++)
		free((char *)targets[i]);
	free(targets);
	return ntargets > 0;
}
