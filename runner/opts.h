/* The subcommands' options, one table each (in the manner of strace's
 * qual_options[]), and the one parser and set of messages they share:
 *   forkchaos SUB: bad --OPT 'VALUE': expected ...
 *   forkchaos SUB: unknown option '-x'; see `forkchaos SUB --help`
 *   forkchaos SUB: --OPT given twice; expected it at most once */
#ifndef FC_OPTS_H
#define FC_OPTS_H
#include <stddef.h> /* offsetof, for the rows */

enum fc_opt_kind {
	FC_OPT_FLAG,     /* int, set to 1; may be repeated */
	FC_OPT_TEXT,     /* const char * */
	FC_OPT_NUMBER,   /* int, from MIN to MAX */
	FC_OPT_SEED,     /* const char *, a whole number below 2^64 */
	FC_OPT_DURATION, /* uint64_t nanoseconds: 30 (seconds), 500ms, 2s */
	FC_OPT_HELP,     /* prints the usage, exit 0 */
};

struct fc_opt {
	const char *name; /* the long name, without "--"; NULL ends the table */
	char short_name;  /* 0: none */
	enum fc_opt_kind kind;
	size_t offset;        /* of the destination in the subcommand's options */
	long min, max;        /* FC_OPT_NUMBER */
	const char *expected; /* FC_OPT_NUMBER: "a number of jobs" (the range is added) */
};

/* Rows of a table over the options struct TYPE (FIELD one of its members);
 * FC_OPT_END: --help, and the end. */
#define FC_OPT_ROW(type, opt, letter, how, field)                                               \
	{                                                                                       \
		.name = opt, .short_name = letter, .kind = how, .offset = offsetof(type, field) \
	}
#define FC_OPT_NUM(type, opt, letter, field, lo, hi, what)                                                                       \
	{                                                                                                                        \
		.name = opt, .short_name = letter, .kind = FC_OPT_NUMBER, .offset = offsetof(type, field), .min = lo, .max = hi, \
		.expected = what                                                                                                 \
	}
#define FC_OPT_END                                                  \
	{ .name = "help", .short_name = 'h', .kind = FC_OPT_HELP }, \
	{                                                           \
		0                                                   \
	}

struct fc_opt_spec {
	const char *sub;   /* "check" */
	const char *usage; /* --help */
	const struct fc_opt *opts;
	int in_order;           /* stop at the first operand: CMD's options are CMD's */
	const char *no_operand; /* the message when no operand is given */
};

/* Parses ARGV into DEST (the options struct the offsets point into).
 * Returns -1 and the first operand's index in *OPERAND to go on, or the
 * exit code: 0 after --help, 2 after a usage error (its message printed). */
int fc_opts_parse(const struct fc_opt_spec *spec, int argc, char **argv, void *dest, int *operand);
#endif
