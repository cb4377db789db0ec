/* ffdriver: drives libffd (loaded from $FORKCHAOS_LIB) through one pattern
 * per race window or error path, and reports what it observed
 * (scenarios/README.md).  The patterns are listed in ffdriver.def (this
 * file's table, which `ffdriver --help` prints); their code is in
 * ffdriver_*.c, one file per family of windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffdriver.h"

/* A word default: the pattern has none, the word must be given. */
static const char REQUIRED[] = "";

struct pattern {
	const char *name;
	fc__pattern_fn *run;
	const char *arguments; /* as the usage shows them */
	int num[2];            /* the numbers' defaults */
	const char *word;      /* the word's default, or REQUIRED */
	const char *help;
};

static const struct pattern patterns[] = {
#define P(name, run, arguments, num0, num1, word, help) { name, run, arguments, { num0, num1 }, word, help },
#include "ffdriver.def"
#undef P
};

static void usage(FILE *out)
{
	fputs("usage: ffdriver PATTERN [ARGUMENTS] [--generic | --pidfd]\n"
	      "  with FORKCHAOS_LIB (the libffd to test) and FORKCHAOS_REPORT (the report) set;\n"
	      "  --generic: FFD_USE_FORK, the default; --pidfd: flags 0 (for the patterns that take it).\n"
	      "  Defaults in parentheses.  Patterns:\n",
	      out);
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		char call[64];
		snprintf(call, sizeof call, "%s %s", patterns[i].name, patterns[i].arguments);
		fprintf(out, "    %-30s %s\n", call, patterns[i].help);
	}
}

static const struct pattern *find(const char *name)
{
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
		if (!strcmp(patterns[i].name, name))
			return &patterns[i];
	return NULL;
}

/* Flags anywhere; up to two numbers (0 keeps the default); one word.
 * -1 when the pattern needs a word and none was given. */
static int parse(const struct pattern *p, int argc, char **argv, struct fc__args *args)
{
	int nums = 0;
	*args = (struct fc__args){ { p->num[0], p->num[1] }, p->word, FFD_USE_FORK };
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--pidfd"))
			args->path_flags = 0;
		else if (!strcmp(argv[i], "--generic"))
			args->path_flags = FFD_USE_FORK;
		else if (argv[i][0] >= '0' && argv[i][0] <= '9' && nums < 2) {
			int n = atoi(argv[i]);
			if (n)
				args->num[nums] = n;
			nums++;
		} else
			args->word = argv[i];
	}
	return args->word == REQUIRED ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	const struct pattern *p = find(name);
	struct fc__args args;
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!p)
		fprintf(stderr, "driver: unknown pattern '%s'\n", name);
	else if (parse(p, argc, argv, &args) < 0)
		fprintf(stderr, "driver: %s needs %s\n", name, p->arguments);
	else {
		obs_load(&fc__ffd);
		return p->run(&args);
	}
	usage(stderr); /* a harness error: exit 2 */
	return 2;
}
