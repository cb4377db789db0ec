/* The oracle registry (oracles.def) and its evaluation: every line of the
 * driver's report is parsed here, once for all oracles, against the form
 * its owner declares, and handed to the owner's judge. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "oracle_judge.h"

const struct fc_oracle_def fc_oracles[FC_ORACLE_COUNT] = {
#define FC_ORACLE(id, name, aliases, lines, judge, flags) [FC_OR_##id] = { name, aliases, lines, judge, flags },
#include "oracles.def"
#undef FC_ORACLE
};

const char *fc_oracle_name(int oracle)
{
	return oracle >= 0 && oracle < FC_ORACLE_COUNT ? fc_oracles[oracle].name : "driver";
}

/* Is NAME one of the space-separated WORDS? */
static int among(const char *name, const char *words)
{
	size_t len = strlen(name);
	for (const char *w = words; *w; w += strspn(w, " ")) {
		size_t wlen = strcspn(w, " ");
		if (wlen == len && !strncmp(w, name, len))
			return 1;
		w += wlen;
	}
	return 0;
}

int fc_oracle_lookup(const char *name)
{
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (!strcmp(name, fc_oracles[i].name) || among(name, fc_oracles[i].aliases))
			return i;
	return -1;
}

void fc_oracle_list(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < FC_ORACLE_COUNT && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", fc_oracles[i].name);
}

void fc_oracle_shim_env(fc_oracle_set set, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "FORKCHAOS_ORACLES=");
	const char *sep = "";
	for (int i = 0; i < FC_ORACLE_COUNT && used < len; i++)
		if ((set & FC_OR_BIT(i)) && (fc_oracles[i].flags & FC_OR_SHIM)) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, fc_oracles[i].name);
			sep = ",";
		}
}

/* One "KIND FIELD..." of a row's lines column. */
struct form {
	char kind[32];
	char shown[160]; /* the fields as the malformed message shows them */
	int nfields;
	unsigned numeric; /* bit N: field N is a whole number */
};

static void parse_form(const char *spec, size_t len, struct form *f)
{
	char text[192];
	snprintf(text, sizeof text, "%.*s", (int)len, spec);
	memset(f, 0, sizeof *f);
	char *save, *word = strtok_r(text, " ", &save);
	snprintf(f->kind, sizeof f->kind, "%s", word ? word : "");
	while ((word = strtok_r(NULL, " ", &save)) && f->nfields < FC_OBS_MAX_FIELDS) {
		size_t wlen = strlen(word);
		if (wlen && word[wlen - 1] == '#') {
			f->numeric |= 1u << f->nfields;
			word[--wlen] = 0;
		}
		size_t used = strlen(f->shown);
		snprintf(f->shown + used, sizeof f->shown - used, "%s%s", used ? " " : "", word);
		f->nfields++;
	}
}

static int whole_number(const char *text, long *value)
{
	char *end;
	errno = 0;
	*value = strtol(text, &end, 10);
	return end != text && !*end && !errno && *value >= INT_MIN && *value <= INT_MAX;
}

/* A line of a known kind that does not parse is a broken driver: it fails
 * the oracle that owns it, rather than passing unseen. */
static int split(struct fc_judge *j, const struct form *f, char *rest, struct fc_obs *obs)
{
	char shown[512];
	snprintf(shown, sizeof shown, "%s", rest);
	obs->nfields = 0;
	char *save;
	for (char *word = strtok_r(rest, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		int n = obs->nfields;
		if (n == f->nfields || ((f->numeric >> n & 1) && !whole_number(word, &obs->num[n]))) {
			obs->nfields = -1;
			break;
		}
		obs->field[obs->nfields++] = word;
	}
	if (obs->nfields == f->nfields)
		return 0;
	return fc__judge_fail(j, "malformed observation '%s %s' (expected '%s %s')", f->kind, shown, f->kind, f->shown);
}

/* Hands each report line of kind F to ORACLE's judge; 1 when one failed. */
static int walk(const struct fc_oracle_def *oracle, struct fc_judge *j, const char *report, const struct form *f, int kind,
		int *seen)
{
	size_t kind_len = strlen(f->kind);
	for (const char *line = report; *line;) {
		size_t len = strcspn(line, "\n");
		const char *next = line[len] ? line + len + 1 : line + len;
		if (len >= kind_len && !strncmp(line, f->kind, kind_len) && (len == kind_len || line[kind_len] == ' ')) {
			char rest[512];
			struct fc_obs obs = { .kind = kind };
			size_t rest_len = len > kind_len ? len - kind_len - 1 : 0;
			snprintf(rest, sizeof rest, "%.*s", (int)rest_len, line + len - rest_len);
			(*seen)++;
			if (rest_len >= sizeof rest)
				return fc__judge_fail(j, "malformed observation '%s %.60s...' (longer than %zu characters)",
						      f->kind, rest, sizeof rest - 1);
			if (split(j, f, rest, &obs) || oracle->judge(j, &obs))
				return 1;
		}
		line = next;
	}
	return 0;
}

/* 1 failed, 0 held, -1 nothing to judge (it owns report lines and the
 * report has none). */
static int judge_one(const struct fc_oracle_def *oracle, struct fc_judge *j, const char *report)
{
	int seen = 0, kind = 0;
	memset(&j->state, 0, sizeof j->state);
	j->detail[0] = 0;
	for (const char *spec = oracle->lines; *spec; kind++) {
		struct form f;
		size_t len = strcspn(spec, ";");
		parse_form(spec, len, &f);
		if (walk(oracle, j, report, &f, kind, &seen))
			return 1;
		spec += len;
		spec += strspn(spec, "; ");
	}
	/* the verdict call even without lines: no-crash owns the shim's lines
	 * and judges the runner's outcome too */
	int result = oracle->judge(j, NULL) ? 1 : 0;
	return !result && oracle->lines[0] && !seen ? -1 : result;
}

/* The FIRST oracles (hang, crash) come first: they make every other
 * observation moot.  One of our drivers that exited 2 could not run its
 * pattern: a harness error, not a verdict on the library (any other
 * target's 2 is its status, for exit-status to judge).  Then every oracle
 * the scenario does not skip is judged; the headline is the first failure
 * in the scenario's check: order (its author lists the invariant the
 * scenario is about first), then in the registry's. */
static char details[FC_ORACLE_COUNT][sizeof((struct fc_verdict *)0)->detail];

const char *fc_verdict_detail(const struct fc_verdict *verdict, int oracle)
{
	if (oracle == verdict->oracle || oracle < 0 || oracle >= FC_ORACLE_COUNT)
		return verdict->detail;
	return verdict->failed_set & FC_OR_BIT(oracle) ? details[oracle] : "";
}

/* The shim's last line in the first process: `watched fds,eintr,...`. */
int fc_report_watched(const char *report, const char *name)
{
	size_t len = strlen(name);
	for (const char *line = report; line && *line;) {
		size_t line_len = strcspn(line, "\n");
		if (line_len > 8 && !strncmp(line, "watched ", 8))
			for (const char *w = line + 8; w < line + line_len;) {
				size_t wlen = strcspn(w, ",\n");
				if (wlen == len && !strncmp(w, name, len))
					return 1;
				w += wlen + 1;
			}
		line += line_len + (line[line_len] != 0);
	}
	return 0;
}

void fc_oracles_evaluate(const struct fc_oracle_choice *choice, const char *report, const struct fc_outcome *out,
			 const char *target_err, struct fc_verdict *verdict)
{
	static struct fc_judge j;
	memset(verdict, 0, sizeof *verdict);
	verdict->oracle = -1;
	j.out = out;
	j.choice = choice;
	j.target_err = target_err ? target_err : "";
	j.len = sizeof verdict->detail;
	report = report ? report : "";
	for (int oracle = 0; oracle < FC_ORACLE_COUNT; oracle++) {
		j.detail = details[oracle];
		if ((fc_oracles[oracle].flags & FC_OR_FIRST) && judge_one(&fc_oracles[oracle], &j, report) == 1) {
			verdict->failed = 1;
			verdict->oracle = oracle;
			verdict->failed_set = FC_OR_BIT(oracle);
			memcpy(verdict->detail, details[oracle], sizeof verdict->detail);
			return;
		}
	}
	if (choice->driver && WIFEXITED(out->status) && WEXITSTATUS(out->status) == 2) {
		verdict->failed = verdict->harness = 1;
		verdict->oracle = FC_OR_DRIVER;
		verdict->failed_set = FC_OR_BIT(FC_OR_DRIVER);
		snprintf(verdict->detail, sizeof verdict->detail, "the driver could not run its pattern: %s",
			 *j.target_err ? j.target_err : "(no message)");
		return;
	}
	for (int oracle = 0; oracle < FC_ORACLE_COUNT; oracle++) {
		const struct fc_oracle_def *def = &fc_oracles[oracle];
		if ((def->flags & FC_OR_FIRST) || (choice->skipped & FC_OR_BIT(oracle)))
			continue;
		j.detail = details[oracle];
		int result = judge_one(def, &j, report);
		if (result < 0 && (def->flags & FC_OR_SHIM) && fc_report_watched(report, def->name))
			result = 0; /* the shim looked and saw nothing wrong */
		if (result < 0 && (def->flags & FC_OR_SEES) && (choice->named & FC_OR_BIT(oracle))) {
			snprintf(details[oracle], sizeof details[oracle],
				 "the driver reported nothing this invariant can judge (no observation line)");
			result = 1;
		}
		if (result == 1)
			verdict->failed_set |= FC_OR_BIT(oracle);
	}
	for (int i = 0; i < choice->norder + FC_ORACLE_COUNT && verdict->oracle < 0; i++) {
		int oracle = i < choice->norder ? choice->order[i] : i - choice->norder;
		if (verdict->failed_set & FC_OR_BIT(oracle))
			verdict->oracle = oracle;
	}
	if (verdict->oracle >= 0) {
		verdict->failed = 1;
		memcpy(verdict->detail, details[verdict->oracle], sizeof verdict->detail);
	}
}

void fc_verdict_others(const struct fc_verdict *verdict, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int oracle = 0; oracle <= FC_OR_DRIVER; oracle++)
		if ((verdict->failed_set & FC_OR_BIT(oracle)) && oracle != verdict->oracle && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", fc_oracle_name(oracle));
}
