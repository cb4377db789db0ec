/* A minimal reader for --plan-file, weak: the plan parser's own
 * fc_plan_file_read (inject/plan.c), once linked, replaces it.  Each line
 * is a rule (or several, ';'-separated); '#' starts a comment; blank lines
 * and the blanks around a line are dropped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "plan_file.h"

static size_t trimmed(const char *line, size_t len, const char **start)
{
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && strchr(" \t\r\n;", line[len - 1]))
		len--;
	*start = line;
	return len;
}

__attribute__((weak)) int fc_plan_file_read(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	char line[8192];
	size_t used = 0;
	int number = 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read plan file '%s': %s", path, strerror(errno));
		return -1;
	}
	buf[0] = 0;
	while (fgets(line, sizeof line, f)) {
		number++;
		line[strcspn(line, "#")] = 0;
		const char *rule;
		size_t n = trimmed(line, strlen(line), &rule);
		if (!n)
			continue;
		if (used + n + 2 > len) {
			snprintf(err, errlen,
				 "plan file '%s', line %d: the plan is longer than %zu bytes, the most the shim takes", path,
				 number, len - 1);
			fclose(f);
			return -1;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%.*s", used ? ";" : "", (int)n, rule);
	}
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		snprintf(err, errlen, "cannot read plan file '%s'", path);
		return -1;
	}
	return 0;
}
