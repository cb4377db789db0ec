/* What the tests of forkchaos explore and minimize share: check's folder
 * of the test's own (check_scenario.h: r, in_dir; removed when it ends),
 * explore run into it, and its files read back. */
#ifndef FC_TEST_EXPLORE_UTIL_H
#define FC_TEST_EXPLORE_UTIL_H
#include "check_scenario.h"

/* forkchaos explore --out DIR/OUT --seed 1 -j 2 ARGS... (ARGS end with
 * "--", CMD ...); its exit code, its output in r. */
static inline int explore_into(const char *out, const char *const args[])
{
	const char *argv[64];
	int n = 0;
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "explore";
	argv[n++] = "--out";
	argv[n++] = in_dir(out);
	argv[n++] = "--seed";
	argv[n++] = "1";
	argv[n++] = "-j";
	argv[n++] = "2";
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

/* The text of OUT's file NAME (malloc'd, "" when there is none). */
static inline char *explore_file(const char *out, const char *name)
{
	char path[400];
	snprintf(path, sizeof path, "%s/%s", in_dir(out), name);
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);
	if (f && text)
		text[fread(text, 1, (1 << 20) - 1, f)] = 0;
	if (f)
		fclose(f);
	return text;
}

/* The findings of OUT (findings.jsonl), one line each. */
static inline int findings_of(const char *out)
{
	char *text = explore_file(out, "findings.jsonl");
	int n = 0;
	for (const char *c = text; c && *c; c++)
		n += *c == '\n';
	free(text);
	return n;
}

/* Whether OUT has a finding holding every one of NEEDLES. */
static inline int has_finding(const char *out, const char *const needles[])
{
	char *text = explore_file(out, "findings.jsonl");
	int found = 0;
	for (char *line = text, *end; line && *line && !found; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = 0;
		int all = 1;
		for (int i = 0; needles[i]; i++)
			all &= strstr(line, needles[i]) != NULL;
		found = all;
	}
	free(text);
	return found;
}
#endif
