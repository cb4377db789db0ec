/* Scenario file parser: `key: value` lines, `#` comments.  Every error names
 * the file, the line and the form that was expected. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle.h"
#include "proc.h"
#include "scenario.h"

static int fail(char *err, size_t errlen, const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	int used = snprintf(err, errlen, "%s:%d: ", path, line);
	va_start(ap, fmt);
	if (used >= 0 && (size_t)used < errlen)
		vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
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

static int parse_checks(struct fc_scenario *s, char *value, char *err, size_t errlen, int line)
{
	s->checks = 0;
	for (char *word = strtok(value, " \t,"); word; word = strtok(NULL, " \t,")) {
		int oracle = fc_oracle_lookup(word);
		if (oracle < 0) {
			char names[512] = "";
			for (int i = 0; i < FC_ORACLE_COUNT; i++)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? " " : "",
					 fc_oracle_names[i]);
			return fail(err, errlen, s->path, line, "unknown invariant '%s'; expected some of: %s", word, names);
		}
		if (!(s->checks >> oracle & 1) && s->norder < (int)(sizeof s->order / sizeof s->order[0]))
			s->order[s->norder++] = oracle;
		s->checks |= 1u << oracle;
	}
	s->strict = s->checks;
	return 0;
}

static int set_field(struct fc_scenario *s, const char *key, char *value, int line, char *err, size_t errlen)
{
	char plan_err[512];
	static struct fc_plan plan;
	if (!strcmp(key, "name")) {
		if (!*value || strlen(value) >= sizeof s->name ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(value))
			return fail(err, errlen, s->path, line,
				    "bad name '%s'; expected name: [a-z0-9-]+ (at most 63 characters)", value);
		strcpy(s->name, value);
		s->name_line = line;
	} else if (!strcmp(key, "window")) {
		char *end;
		long window = strtol(value, &end, 10);
		if (strcmp(value, "-") && (*end || window < 1 || window > 13))
			return fail(err, errlen, s->path, line,
				    "bad window '%s'; expected window: N (1-13, design.md's list) or window: -", value);
		snprintf(s->window, sizeof s->window, "%s", value);
	} else if (!strcmp(key, "target")) {
		if (strlen(value) >= sizeof s->target)
			return fail(err, errlen, s->path, line, "target too long; expected at most 511 characters");
		strcpy(s->target, value);
		if (split_target(s) < 0)
			return fail(err, errlen, s->path, line,
				    "bad target; expected target: DRIVER ARGS... or /path/to/command ARGS... (at most %d words, "
				    "quotes balanced)",
				    FC_SCN_MAX_ARGS);
	} else if (!strcmp(key, "plan")) {
		if (*value && fc_plan_parse(value, &plan, plan_err, sizeof plan_err) < 0)
			return fail(err, errlen, s->path, line, "%s", plan_err);
		snprintf(s->plan, sizeof s->plan, "%s", value);
	} else if (!strcmp(key, "repeat")) {
		char *end;
		long repeat = strtol(value, &end, 10);
		if (*end || repeat < 1 || repeat > 10000)
			return fail(err, errlen, s->path, line, "bad repeat '%s'; expected repeat: N (1-10000)", value);
		s->repeat = (int)repeat;
	} else if (!strcmp(key, "timeout")) {
		if (fc_parse_duration_arg(value, &s->timeout_ns) < 0)
			return fail(err, errlen, s->path, line, "bad timeout '%s'; expected timeout: DURATION (e.g. 10s, 500ms)",
				    value);
	} else if (!strcmp(key, "check")) {
		return parse_checks(s, value, err, errlen, line);
	} else if (!strcmp(key, "expect")) {
		if (!strcmp(value, "pass")) {
			s->xfail = 0;
		} else if (!strncmp(value, "xfail", 5) && (value[5] == ' ' || value[5] == '\t') && *trim(value + 5)) {
			s->xfail = 1;
			snprintf(s->xfail_reason, sizeof s->xfail_reason, "%s", trim(value + 5));
		} else {
			return fail(err, errlen, s->path, line, "bad expect '%s'; expected expect: pass or expect: xfail REASON",
				    value);
		}
	} else if (!strcmp(key, "defect")) {
		if (!*value || strlen(value) >= sizeof s->defect ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(value))
			return fail(err, errlen, s->path, line,
				    "bad defect '%s'; expected defect: NAME (a seeded defect, e.g. torn-oldact)", value);
		strcpy(s->defect, value);
	} else if (!strcmp(key, "seed")) {
		if (!*value || strspn(value, "0123456789") != strlen(value) || strlen(value) >= sizeof s->seed)
			return fail(err, errlen, s->path, line, "bad seed '%s'; expected seed: N (a whole number)", value);
		strcpy(s->seed, value);
	} else {
		return fail(err, errlen, s->path, line,
			    "unknown key '%s'; expected one of name, window, target, plan, repeat, timeout, check, expect, seed, "
			    "defect",
			    key);
	}
	return 0;
}

int fc_scenario_load(const char *path, struct fc_scenario *s, char *err, size_t errlen)
{
	char text[8192];
	int line_no = 0;
	memset(s, 0, sizeof *s);
	snprintf(s->path, sizeof s->path, "%s", path);
	s->repeat = 3;
	s->timeout_ns = 10ull * 1000000000u;
	s->checks = ~0u & ((1u << FC_ORACLE_COUNT) - 1);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(err, errlen, path, 0, "cannot read: %m");
	int saw_comment_first = -1;
	char seen_keys[256] = " ";
	while (fgets(text, sizeof text, f)) {
		line_no++;
		if (!strchr(text, '\n') && !feof(f)) {
			fclose(f);
			return fail(err, errlen, path, line_no, "line too long; expected at most %zu characters",
				    sizeof text - 2);
		}
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
		if (!colon) {
			fclose(f);
			return fail(err, errlen, path, line_no,
				    "expected 'key: value' (keys: name, window, target, plan, repeat, timeout, check, expect, "
				    "seed, defect)");
		}
		*colon = 0;
		const char *key = trim(line);
		if (strstr(seen_keys, key) && strlen(key) < 16) {
			char probe[20];
			snprintf(probe, sizeof probe, " %s ", key);
			if (strstr(seen_keys, probe)) {
				fclose(f);
				return fail(err, errlen, path, line_no, "'%s' given twice; expected each key at most once", key);
			}
		}
		if (strlen(seen_keys) + strlen(key) + 2 < sizeof seen_keys) {
			strcat(seen_keys, key);
			strcat(seen_keys, " ");
		}
		if (set_field(s, key, trim(colon + 1), line_no, err, errlen) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (saw_comment_first != 1)
		return fail(err, errlen, path, 1,
			    "a scenario opens with a comment naming the window it replays (# window N: ...)");
	if (!s->name[0])
		return fail(err, errlen, path, line_no, "no name; expected a line name: NAME");
	if (!s->argc)
		return fail(err, errlen, path, line_no, "no target; expected a line target: DRIVER ARGS...");
	return 0;
}
