/* Scenario file parser: `key: value` lines, `#` comments, one table of
 * keys.  Every error names the file, the line and the form that was
 * expected. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle.h"
#include "proc.h"
#include "scenario.h"

/* window: N is one of lib/windows.def's rows, numbered 1..N in order:
 * asserted here, so the valid range is derived, never written down. */
enum {
	WINDOW_NONE,
#define W(n, slug, text) WINDOW_##n,
#include "../lib/windows.def"
#undef W
	WINDOWS_END
};
#define W(n, slug, text) _Static_assert(WINDOW_##n == n, "lib/windows.def: window " #n " is out of order (1, 2, ...)");
#include "../lib/windows.def"
#undef W

/* Where an error is: the file and line, and the caller's buffer. */
struct where {
	const char *path;
	int line;
	char *err;
	size_t errlen;
};

static int fail(const struct where *w, const char *fmt, ...)
{
	va_list ap;
	int used = snprintf(w->err, w->errlen, "%s:%d: ", w->path, w->line);
	va_start(ap, fmt);
	if (used >= 0 && (size_t)used < w->errlen)
		vsnprintf(w->err + used, w->errlen - (size_t)used, fmt, ap);
	va_end(ap);
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

/* VALUE is a non-empty word of CHARSET that fits a buffer of SIZE. */
static int is_word(const char *value, const char *charset, size_t size)
{
	return *value && strlen(value) < size && strspn(value, charset) == strlen(value);
}

/* Split TARGET into words; single or double quotes group words. */
static int split_target(struct fc_scenario *s)
{
	char *out = s->argbuf, *end = s->argbuf + sizeof s->argbuf - 1;
	const char *in = s->target;
	s->argc = 0;
	while (*in) {
		while (*in == ' ' || *in == '\t')
			in++;
		if (!*in)
			break;
		if (s->argc == FC_SCN_MAX_ARGS)
			return -1;
		s->argv[s->argc++] = out;
		char quote = 0;
		while (*in && (quote || (*in != ' ' && *in != '\t')) && out < end) {
			if ((*in == '\'' || *in == '"') && (!quote || quote == *in)) {
				quote = quote ? 0 : *in;
				in++;
				continue;
			}
			*out++ = *in++;
		}
		int quoted = quote != 0;
		if (quoted || out >= end)
			return -1;
		*out++ = 0;
	}
	s->argv[s->argc] = NULL;
	return s->argc ? 0 : -1;
}

static int oracle_named(const char *word, const struct where *w)
{
	int oracle = fc_oracle_lookup(word);
	if (oracle < 0) {
		char names[1024];
		fc_oracle_list(names, sizeof names);
		return fail(w, "unknown invariant '%s'; expected some of: %s", word, names);
	}
	return oracle;
}

static int set_name(struct fc_scenario *s, char *value, const struct where *w)
{
	if (!is_word(value, "abcdefghijklmnopqrstuvwxyz0123456789-_.", sizeof s->name))
		return fail(w, "bad name '%s'; expected name: [a-z0-9-]+ (at most 63 characters)", value);
	strcpy(s->name, value);
	s->name_line = w->line;
	return 0;
}

static int set_window(struct fc_scenario *s, char *value, const struct where *w)
{
	char *end;
	long window = strtol(value, &end, 10);
	if (strcmp(value, "-") && (*end || window < 1 || window >= WINDOWS_END))
		return fail(w, "bad window '%s'; expected window: N (1-%d, lib/windows.def) or window: -", value,
			    WINDOWS_END - 1);
	snprintf(s->window, sizeof s->window, "%s", value);
	return 0;
}

static int set_target(struct fc_scenario *s, char *value, const struct where *w)
{
	if (strlen(value) >= sizeof s->target)
		return fail(w, "target too long; expected at most %zu characters", sizeof s->target - 1);
	strcpy(s->target, value);
	if (split_target(s) < 0)
		return fail(w,
			    "bad target; expected target: DRIVER ARGS... or /path/to/command ARGS... (at most %d words, quotes "
			    "balanced)",
			    FC_SCN_MAX_ARGS);
	if (!s->argv[0][0])
		return fail(w,
			    "the command word of target: is empty (%s); expected target: DRIVER ARGS... or "
			    "/path/to/command ARGS...",
			    value);
	return 0;
}

static int set_plan(struct fc_scenario *s, char *value, const struct where *w)
{
	static struct fc_plan plan;
	char plan_err[512];
	if (*value && fc_plan_parse(value, &plan, plan_err, sizeof plan_err) < 0)
		return fail(w, "%s", plan_err);
	snprintf(s->plan, sizeof s->plan, "%s", value);
	return 0;
}

static int set_repeat(struct fc_scenario *s, char *value, const struct where *w)
{
	char *end;
	long repeat = strtol(value, &end, 10);
	if (*end || repeat < 1 || repeat > 10000)
		return fail(w, "bad repeat '%s'; expected repeat: N (1-10000)", value);
	s->repeat = (int)repeat;
	return 0;
}

static int set_timeout(struct fc_scenario *s, char *value, const struct where *w)
{
	if (fc_parse_duration_arg(value, &s->timeout_ns) < 0)
		return fail(w, "bad timeout '%s'; expected timeout: DURATION (e.g. 10s, 500ms)", value);
	return 0;
}

/* check: orders the headline and makes each named oracle strict; it does
 * not restrict: every oracle not skipped is judged. */
static int set_check(struct fc_scenario *s, char *value, const struct where *w)
{
	struct fc_oracle_choice *c = &s->oracles;
	char *save;
	for (char *word = strtok_r(value, " \t,", &save); word; word = strtok_r(NULL, " \t,", &save)) {
		int oracle = oracle_named(word, w);
		if (oracle < 0)
			return -1;
		if (c->skipped & FC_OR_BIT(oracle))
			return fail(w, "'%s' is in check: and in skip:; expected one or the other", word);
		if (!(c->named & FC_OR_BIT(oracle)))
			c->order[c->norder++] = oracle;
		c->named |= FC_OR_BIT(oracle);
	}
	return 0;
}

/* skip: ORACLE REASON, one line per oracle; the reason is for the reader,
 * and required, so that no oracle is switched off without one. */
static int set_skip(struct fc_scenario *s, char *value, const struct where *w)
{
	struct fc_oracle_choice *c = &s->oracles;
	char *reason = value + strcspn(value, " \t");
	if (*reason)
		*reason++ = 0;
	reason = trim(reason);
	int oracle = oracle_named(value, w);
	if (oracle < 0)
		return -1;
	if (fc_oracles[oracle].flags & FC_OR_FIRST)
		return fail(w, "'%s' cannot be skipped: a hang or a crash makes every other observation moot", value);
	if (!*reason)
		return fail(w, "skip: %s has no reason; expected skip: ORACLE REASON (why this scenario cannot be judged by it)",
			    value);
	if (c->named & FC_OR_BIT(oracle))
		return fail(w, "'%s' is in check: and in skip:; expected one or the other", value);
	if (c->skipped & FC_OR_BIT(oracle))
		return fail(w, "'%s' skipped twice; expected one skip: line per invariant", value);
	c->skipped |= FC_OR_BIT(oracle);
	return 0;
}

static int set_expect(struct fc_scenario *s, char *value, const struct where *w)
{
	if (!strcmp(value, "pass")) {
		s->xfail = 0;
	} else if (!strncmp(value, "xfail", 5) && (value[5] == ' ' || value[5] == '\t') && *trim(value + 5)) {
		s->xfail = 1;
		snprintf(s->xfail_reason, sizeof s->xfail_reason, "%s", trim(value + 5));
	} else {
		return fail(w, "bad expect '%s'; expected expect: pass or expect: xfail REASON", value);
	}
	return 0;
}

static int set_exit(struct fc_scenario *s, char *value, const struct where *w)
{
	char *end;
	long status = strtol(value, &end, 10);
	if (!strcmp(value, "any"))
		s->oracles.exit_status = FC_STATUS_ANY;
	else if (*value && !*end && status >= 0 && status <= 255)
		s->oracles.exit_status = (int)status;
	else
		return fail(w, "bad exit '%s'; expected exit: N (the target's exit status, 0-255) or exit: any", value);
	return 0;
}

static int set_defect(struct fc_scenario *s, char *value, const struct where *w)
{
	if (!is_word(value, "abcdefghijklmnopqrstuvwxyz0123456789-", sizeof s->defect))
		return fail(w, "bad defect '%s'; expected defect: NAME (a seeded defect, e.g. torn-oldact)", value);
	strcpy(s->defect, value);
	return 0;
}

static int set_seed(struct fc_scenario *s, char *value, const struct where *w)
{
	/* the shim takes no seed above 2^64-1 and would pick its own */
	if (strlen(value) >= sizeof s->seed || fc_parse_seed(value) < 0)
		return fail(w, "bad seed '%s'; expected seed: N (a whole number from 0 to 18446744073709551615)", value);
	strcpy(s->seed, value);
	return 0;
}

static const struct key {
	const char *name;
	int (*set)(struct fc_scenario *s, char *value, const struct where *w);
	int repeatable;
} keys[] = {
	{ "name", set_name, 0 },     { "window", set_window, 0 },   { "target", set_target, 0 }, { "plan", set_plan, 0 },
	{ "repeat", set_repeat, 0 }, { "timeout", set_timeout, 0 }, { "check", set_check, 0 },   { "skip", set_skip, 1 },
	{ "expect", set_expect, 0 }, { "seed", set_seed, 0 },       { "defect", set_defect, 0 }, { "exit", set_exit, 0 },
};
#define NKEYS (sizeof keys / sizeof keys[0])
_Static_assert(NKEYS <= 32, "the seen-keys mask holds every key");

static const char *key_list(void)
{
	static char list[256];
	size_t used = 0;
	for (size_t k = 0; k < NKEYS && used < sizeof list; k++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", keys[k].name);
	return list;
}

static int set_field(struct fc_scenario *s, const char *name, char *value, unsigned *seen, const struct where *w)
{
	for (size_t k = 0; k < NKEYS; k++) {
		if (strcmp(name, keys[k].name))
			continue;
		if ((*seen >> k & 1) && !keys[k].repeatable)
			return fail(w, "'%s' given twice; expected each key at most once", name);
		*seen |= 1u << k;
		return keys[k].set(s, value, w);
	}
	return fail(w, "unknown key '%s'; expected one of %s", name, key_list());
}

/* A window scenario's opening comment names its window: "window N:"
 * (or "window N (...):"); any other scenario's may say anything. */
static int opens_with_window(const struct fc_scenario *s)
{
	size_t len = strlen(s->window);
	if (!len || !strcmp(s->window, "-"))
		return 1;
	return !strncmp(s->summary, "window ", 7) && !strncmp(s->summary + 7, s->window, len) &&
		(s->summary[7 + len] == ':' || s->summary[7 + len] == ' ');
}

/* The next line into TEXT, without its newline: 1, 0 at the end, -1 on
 * an error (said).  A NUL byte is one: the rest of its line would be
 * silently lost to every string function after. */
static int next_line(FILE *f, char *text, size_t size, struct where *w)
{
	size_t len = 0;
	int ch = getc(f);
	if (ch == EOF)
		return ferror(f) ? fail(w, "cannot read: %m") : 0;
	w->line++;
	for (; ch != EOF && ch != '\n'; ch = getc(f)) {
		if (!ch)
			return fail(w, "a NUL byte at column %zu; expected a text file (is it a scenario file?)", len + 1);
		if (len + 1 >= size)
			return fail(w, "line too long; expected at most %zu characters", size - 2);
		text[len++] = (char)ch;
	}
	text[len] = 0;
	return ferror(f) ? fail(w, "cannot read: %m") : 1;
}

static int parse_lines(FILE *f, struct fc_scenario *s, struct where *w)
{
	char text[8192];
	int saw_comment_first = -1, more;
	unsigned seen = 0;
	while ((more = next_line(f, text, sizeof text, w)) > 0) {
		char *line = trim(text);
		if (*line == '#') {
			if (saw_comment_first < 0)
				saw_comment_first = 1;
			if (!s->summary[0])
				snprintf(s->summary, sizeof s->summary, "%s", trim(line + 1));
			continue;
		}
		if (!*line)
			continue;
		if (saw_comment_first < 0)
			saw_comment_first = 0;
		char *colon = strchr(line, ':');
		if (!colon)
			return fail(w, "expected 'key: value' (keys: %s)", key_list());
		*colon = 0;
		if (set_field(s, trim(line), trim(colon + 1), &seen, w) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	w->line = 1;
	if (saw_comment_first != 1)
		return fail(w,
			    "a scenario opens with a comment saying what it checks (# ...; a window scenario: # window N: ...)");
	if (!opens_with_window(s))
		return fail(w, "a scenario of window %s opens with a comment naming it (# window %s: ...)", s->window, s->window);
	if (!s->name[0])
		return fail(w, "no name; expected a line name: NAME");
	if (!s->argc)
		return fail(w, "no target; expected a line target: DRIVER ARGS... or target: COMMAND ARGS...");
	return 0;
}

int fc_scenario_load(const char *path, struct fc_scenario *s, char *err, size_t errlen)
{
	struct where w = { path, 0, err, errlen };
	memset(s, 0, sizeof *s);
	snprintf(s->path, sizeof s->path, "%s", path);
	s->repeat = 3;
	s->timeout_ns = 10ull * 1000000000u;
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(&w, "cannot read: %m");
	if (!realpath(path, s->dir)) {
		fclose(f);
		return fail(&w, "cannot resolve its folder: %m");
	}
	*strrchr(s->dir, '/') = 0; /* a realpath of a file has one; "/x.scn" gives "" */
	int rc = parse_lines(f, s, &w);
	fclose(f);
	return rc;
}
