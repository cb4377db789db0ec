/* uvdriver: drives libuv's uv_spawn and its exit callback through one mode
 * per way a process's SIGCHLD can go wrong, and reports what it observed
 * (scenarios/README.md, the driver protocol).  The modes are listed in
 * uvdriver.def (this file's table, which `uvdriver --help` prints); their
 * code is in uvdriver_*.c.  Unlike ffdriver it needs no FORKCHAOS_LIB:
 * the library under test is the libuv it is linked with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uvdriver.h"

/* A word default: the mode has none, the word must be given. */
static const char REQUIRED[] = "";

struct mode {
	const char *name;
	fc__uv_mode_fn *run;
	const char *arguments; /* as the usage shows them */
	int num;               /* the number's default */
	const char *word;      /* the word's default, or REQUIRED */
	const char *help;
};

static const struct mode modes[] = {
#define M(name, run, arguments, num, word, help) { name, run, arguments, num, word, help },
#include "uvdriver.def"
#undef M
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: uvdriver MODE [ARGUMENTS]\n"
		"  drives libuv %s (linked) with FORKCHAOS_REPORT (the report) set.\n"
		"  Defaults in parentheses.  Modes:\n",
		uv_version_string());
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		char call[64];
		snprintf(call, sizeof call, "%s %s", modes[i].name, modes[i].arguments);
		fprintf(out, "    %-26s %s\n", call, modes[i].help);
	}
}

static const struct mode *find(const char *name)
{
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return NULL;
}

/* --pipes anywhere; one number (0 keeps the default); one word.  -1 when
 * the mode needs a word and none was given. */
static int parse(const struct mode *m, int argc, char **argv, struct fc__uv_args *args)
{
	*args = (struct fc__uv_args){ m->num, m->word, 0 };
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--pipes"))
			args->pipes = 1;
		else if (argv[i][0] >= '0' && argv[i][0] <= '9') {
			int n = atoi(argv[i]);
			if (n > 0 && n <= FC_UV_MAX_KIDS)
				args->num = n;
		} else
			args->word = argv[i];
	}
	return args->word == REQUIRED ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	const struct mode *m = find(name);
	struct fc__uv_args args;
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "child") && argc == 3)
		return fc__uv_child(atoi(argv[2]));
	if (!m)
		fprintf(stderr, "uvdriver: unknown mode '%s'\n", name);
	else if (parse(m, argc, argv, &args) < 0)
		fprintf(stderr, "uvdriver: %s needs %s\n", name, m->arguments);
	else
		return m->run(&args);
	usage(stderr); /* a harness error: exit 2 */
	return 2;
}
