/* One option parser for every subcommand, over its table (opts.h): the
 * getopt tables, the value checks and the messages are written once. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "forkchaos.h"
#include "opts.h"
#include "proc.h"

#define MAX_OPTS 32

static int usage_error(const struct fc_opt_spec *spec, const char *fmt, const char *what)
{
	fprintf(stderr, "forkchaos %s: ", spec->sub);
	fprintf(stderr, fmt, what);
	fprintf(stderr, "; see `forkchaos %s --help`\n", spec->sub);
	return FC_EXIT_USAGE;
}

static int bad_value(const struct fc_opt_spec *spec, const struct fc_opt *o, const char *arg, const char *expected)
{
	fprintf(stderr, "forkchaos %s: bad --%s '%s': expected %s\n", spec->sub, o->name, arg, expected);
	return FC_EXIT_USAGE;
}

/* -1 when ARG was stored, else the exit code. */
static int store(const struct fc_opt_spec *spec, const struct fc_opt *o, const char *arg, char *base)
{
	void *dest = base + o->offset;
	char *end, range[160];
	long value;
	switch (o->kind) {
	case FC_OPT_FLAG: *(int *)dest = 1; return -1;
	case FC_OPT_TEXT: *(const char **)dest = arg; return -1;
	case FC_OPT_HELP: fputs(spec->usage, stdout); return FC_EXIT_OK;
	case FC_OPT_NUMBER:
		errno = 0;
		value = strtol(arg, &end, 10);
		if (end != arg && !*end && !errno && value >= o->min && value <= o->max) {
			*(int *)dest = (int)value;
			return -1;
		}
		snprintf(range, sizeof range, "%s from %ld to %ld", o->expected, o->min, o->max);
		return bad_value(spec, o, arg, range);
	case FC_OPT_SEED:
		if (fc_parse_seed(arg) < 0)
			return bad_value(spec, o, arg, "a whole number below 2^64");
		*(const char **)dest = arg;
		return -1;
	case FC_OPT_DURATION:
		if (fc_parse_duration_arg(arg, (uint64_t *)dest) < 0)
			return bad_value(spec, o, arg, "a duration like 30, 500ms or 2s");
		return -1;
	}
	return FC_EXIT_USAGE;
}

static int takes_value(const struct fc_opt *o)
{
	return o->kind != FC_OPT_FLAG && o->kind != FC_OPT_HELP;
}

/* getopt's tables from ours: a long-only option's code is 256 + index. */
static int build(const struct fc_opt_spec *spec, struct option *longs, char *shorts)
{
	int n = 0;
	char *s = shorts;
	if (spec->in_order)
		*s++ = '+';
	*s++ = ':'; /* a missing value returns ':', not '?' */
	for (; spec->opts[n].name && n < MAX_OPTS; n++) {
		const struct fc_opt *o = &spec->opts[n];
		longs[n] = (struct option){ o->name, takes_value(o) ? required_argument : no_argument, 0,
					    o->short_name ? o->short_name : 256 + n };
		if (o->short_name) {
			*s++ = o->short_name;
			if (takes_value(o))
				*s++ = ':';
		}
	}
	*s = 0;
	longs[n] = (struct option){ 0, 0, 0, 0 };
	return n;
}

static int index_of(const struct fc_opt_spec *spec, int n, int code)
{
	if (code <= 0)
		return -1;
	if (code >= 256)
		return code - 256 < n ? code - 256 : -1;
	for (int i = 0; i < n; i++)
		if (spec->opts[i].short_name == code)
			return i;
	return -1;
}

int fc_opts_parse(const struct fc_opt_spec *spec, int argc, char **argv, void *dest, int *operand)
{
	struct option longs[MAX_OPTS + 1];
	char shorts[2 * MAX_OPTS + 4], shown[3] = "-?";
	unsigned long given = 0;
	int n = build(spec, longs, shorts), code;
	opterr = 0; /* our messages, one line each */
	optind = 1;
	while ((code = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		int i = index_of(spec, n, code == ':' || code == '?' ? optopt : code);
		if (i < 0) {
			shown[1] = (char)optopt;
			return usage_error(spec, "unknown option '%s'", optopt ? shown : argv[optind - 1]);
		}
		const struct fc_opt *o = &spec->opts[i];
		if (code == ':' || code == '?')
			return usage_error(spec, code == ':' ? "--%s needs a value" : "--%s takes no value", o->name);
		if (takes_value(o) && (given >> i & 1)) {
			fprintf(stderr, "forkchaos %s: --%s given twice; expected it at most once\n", spec->sub, o->name);
			return FC_EXIT_USAGE;
		}
		given |= 1ul << i;
		int rc = store(spec, o, optarg, dest);
		if (rc >= 0)
			return rc;
	}
	if (optind >= argc && spec->no_operand) {
		fprintf(stderr, "forkchaos %s: %s\n", spec->sub, spec->no_operand);
		return FC_EXIT_USAGE;
	}
	*operand = optind;
	return -1;
}
