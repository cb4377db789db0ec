/* What the target programs share: a subcommand table { name, function,
 * arguments, help } that dispatches and prints its own usage, and
 * pipe_closed(), the body of the functions a caller= or lib= rule tells
 * apart. */
#ifndef FC_TARGETS_H
#define FC_TARGETS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The words after the subcommand's name: the first as given (NULL when
 * absent) and as a number (1 when absent), the second as a number (0). */
struct sub_args {
	const char *word;
	long n;
	int k;
};

struct subcommand {
	const char *name;
	int (*run)(const struct sub_args *args);
	/* in usage notation: a first argument outside [] must be given */
	const char *arguments;
	const char *help;
};

static inline void sub_usage(FILE *out, const char *prog, const struct subcommand *table, size_t count)
{
	fprintf(out, "usage: %s SUBCOMMAND [ARGUMENTS]\n", prog);
	for (size_t i = 0; i < count; i++) {
		char call[64];
		snprintf(call, sizeof call, "%s %s", table[i].name, table[i].arguments);
		fprintf(out, "  %-26s %s\n", call, table[i].help);
	}
}

/* Run argv[1]'s subcommand from TABLE.  --help prints the usage; an
 * unknown subcommand or a missing argument prints it to stderr, and 64
 * (EX_USAGE) is the exit code. */
static inline int sub_main(const char *prog, const struct subcommand *table, size_t count, int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	struct sub_args args = { argc > 2 ? argv[2] : NULL, argc > 2 ? atol(argv[2]) : 1, argc > 3 ? atoi(argv[3]) : 0 };
	if (!strcmp(name, "--help")) {
		sub_usage(stdout, prog, table, count);
		return 0;
	}
	for (size_t i = 0; i < count; i++) {
		const struct subcommand *sub = &table[i];
		if (strcmp(sub->name, name))
			continue;
		if (!args.word && sub->arguments[0] && sub->arguments[0] != '[') {
			fprintf(stderr, "%s: %s needs %s\n", prog, name, sub->arguments);
			sub_usage(stderr, prog, table, count);
			return 64;
		}
		return sub->run(&args);
	}
	fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, name);
	sub_usage(stderr, prog, table, count);
	return 64;
}

#define SUB_MAIN(prog, table) sub_main(prog, table, sizeof table / sizeof table[0], argc, argv)

/* pipe(), then close both ends (the read end last if REVERSED, so that two
 * callers are distinct code that no identical-code folding merges).
 * Always inlined: the pipe() call must sit in its caller's own frame and
 * object, which is what caller= and lib= select on. */
__attribute__((always_inline)) static inline int pipe_closed(int reversed)
{
	int fds[2];
	int ret = pipe(fds);
	if (ret == 0) {
		close(fds[reversed]);
		close(fds[!reversed]);
	}
	return ret;
}
#endif
