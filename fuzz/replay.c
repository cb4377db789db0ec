/* The corpus replayer: the main a fuzz target is linked with when it is
 * not fuzzing (`make fuzz-replay`, run by `make check`).  Runs the target
 * once on every file named, or in a folder named, in name order, and says
 * how many; an input that breaks an invariant aborts, naming the file
 * first, so the failure says what to replay.  No libFuzzer, no clang: the
 * ordinary compiler, and the sanitizers of SAN= when given. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"

/* The input being run, named only when the run dies on it: a sanitizer's
 * report (its death callback) or a signal (abort, a crash) then says which
 * file to replay; a clean replay stays one line. */
static char current[4096];

static void name_current(void)
{
	static const char head[] = "replay: the input was ";
	size_t len = strlen(current);
	current[len] = '\n';
	(void)!write(2, head, sizeof head - 1);
	(void)!write(2, current, len + 1);
	current[len] = 0;
}

static void on_fatal(int sig)
{
	name_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Present in a sanitized build only (weak: absent, it is NULL). */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void watch_deaths(void)
{
	static const int fatal[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		signal(fatal[i], on_fatal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(name_current);
}

/* Read whole: a replayed input must be the bytes libFuzzer saw. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (size_t got; buf && (got = fread(buf + len, 1, cap - len, f)) > 0;) {
		len += got;
		if (len == cap) {
			uint8_t *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	int failed = ferror(f) || !buf;
	fclose(f);
	if (failed) {
		fprintf(stderr, "replay: cannot read %s whole\n", path);
		free(buf);
		return -1;
	}
	snprintf(current, sizeof current - 1, "%s", path);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, long *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;
	if (n < 0) {
		fprintf(stderr, "replay: cannot list %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		/* README and dot files say what a folder is; they are not inputs */
		if (names[i]->d_name[0] != '.' && strcmp(names[i]->d_name, "README") && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			rc |= replay_file(path);
			++*count;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	long count = 0;
	int rc = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 2;
	}
	watch_deaths();
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc |= replay_dir(argv[i], &count);
		} else {
			rc |= replay_file(argv[i]);
			count++;
		}
	}
	printf("%s: %ld inputs replayed%s\n", argv[0], count, rc ? ", some could not be read" : "");
	return rc ? 2 : 0;
}
