/* What the tests of forkchaos sweep and merge share: check's folder of the
 * test's own (check_scenario.h; removed when it ends), the sweep run into
 * it, and the rows of a results folder read back from outcomes.jsonl. */
#ifndef FC_TEST_SWEEP_UTIL_H
#define FC_TEST_SWEEP_UTIL_H
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_scenario.h" /* r, dir, in_dir, remove_dir */
#include "fc_test_util.h"

/* forkchaos SUB --out DIR/OUT --seed 1 -j 2 ARGS... (ARGS end with
 * "--", CMD ...); its exit code, output in r (sweep's and explore's). */
static inline int command_into(const char *sub, const char *out, const char *const args[])
{
	const char *argv[64];
	int n = 0;
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = sub;
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

static inline int sweep_into(const char *out, const char *const args[])
{
	return command_into("sweep", out, args);
}

/* The text of the results folder OUT's file NAME (malloc'd, "" if none). */
static inline char *slurp(const char *out, const char *name)
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

/* The rows of OUT's outcomes.jsonl holding every one of the NEEDLES
 * (e.g. "\"outcome\":\"fds\""). */
static inline int rows_with(const char *out, const char *const needles[])
{
	char *text = slurp(out, "outcomes.jsonl");
	int count = 0;
	for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = 0;
		int all = 1;
		for (int i = 0; needles[i]; i++)
			all &= strstr(line, needles[i]) != NULL;
		count += all;
	}
	free(text);
	return count;
}

/* The JSON string value of KEY in the first row of OUT holding NEEDLE,
 * unescaped into BUF; NULL when there is none. */
static inline const char *row_value(const char *out, const char *needle, const char *key, char *buf, size_t len)
{
	char *text = slurp(out, "outcomes.jsonl"), pattern[64];
	const char *found = NULL;
	snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
	for (char *line = text, *end; line && *line && !found; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = 0;
		char *at = strstr(line, needle) ? strstr(line, pattern) : NULL;
		if (!at)
			continue;
		size_t used = 0;
		for (at += strlen(pattern); *at && *at != '"' && used + 1 < len; at++)
			buf[used++] = *at == '\\' && at[1] ? *++at : *at;
		buf[used] = 0;
		found = buf;
	}
	free(text);
	return found;
}

/* OUT's rows without what differs from run to run (the time a run took):
 * the text two sweeps with the same outcomes share. */
static inline char *outcomes_of(const char *out)
{
	char *text = slurp(out, "outcomes.jsonl");
	const char *key = "\"duration_ms\":";
	for (char *at = text; at && (at = strstr(at, key));) {
		at += strlen(key);
		char *digits_end = at + strspn(at, "0123456789");
		memmove(at, digits_end, strlen(digits_end) + 1);
	}
	return text;
}

/* A bash script whose runs count themselves: the clean run and the first
 * two runs end, the third blocks until it is killed, unless NOHANG is
 * there.  bash names its fork site (make_child); -j 1 runs in order. */
static inline const char *counting_script(void)
{
	static char script[2048];
	snprintf(script, sizeof script,
		 "n=0; while read l; do n=$((n+1)); done < %s; echo x >> %s; "
		 "if [ $n -ge 3 ] && [ ! -e %s ]; then echo > %s; exec sleep 600; fi; "
		 "/bin/true; /bin/true; /bin/true; /bin/true",
		 in_dir("count"), in_dir("count"), in_dir("nohang"), in_dir("hung"));
	close(open(in_dir("count"), O_WRONLY | O_CREAT, 0644));
	return script;
}

/* Starts ARGV (forkchaos sweep ...) in the background, stdout and stderr
 * to the file LOG; its pid. */
static inline pid_t spawn_logged(const char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(126);
	}
	return pid;
}
#endif
