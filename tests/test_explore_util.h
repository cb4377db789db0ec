/* What the tests of forkchaos explore and minimize share with sweep's
 * (test_sweep_util.h: check's folder of the test's own, the command run
 * into it, its files read back), and their findings. */
#ifndef FC_TEST_EXPLORE_UTIL_H
#define FC_TEST_EXPLORE_UTIL_H
#include "test_sweep_util.h" /* command_into, slurp, spawn_logged, counting_script */

static inline int explore_into(const char *out, const char *const args[])
{
	return command_into("explore", out, args);
}

/* The text of OUT's file NAME (malloc'd, "" when there is none). */
static inline char *explore_file(const char *out, const char *name)
{
	return slurp(out, name);
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
