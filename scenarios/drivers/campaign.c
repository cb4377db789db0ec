/* campaign: make demo's campaign driver.  `campaign leak` runs ffd_fork +
 * ffd_wait cycles and samples the process's descriptors, live children
 * and zombies; `campaign latency` measures a child's exit to ffd_wait's
 * return.  Run under the shim (forkchaos run --plan ...) with
 * FORKCHAOS_LIB naming the libffd to drive; CSV rows on stdout. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "campaign.h"

struct mode {
	const char *name;
	fc__campaign_fn *run;
	int count; /* the default --count */
	const char *help;
};

static const struct mode modes[] = {
	{ "leak", fc__campaign_leak, 10000,
	  "ffd_fork (or ffd_spawn) + ffd_wait + ffd_close COUNT times; every EVERY cycles (and at 0) a row\n"
	  "      LABEL,cycle,fds,children,zombies (open descriptors, live children, zombies);\n"
	  "      exit 1 if a libffd call failed (or a status was wrong) at least once" },
	{ "latency", fc__campaign_latency, 2000,
	  "COUNT children, one at a time, each stamping CLOCK_MONOTONIC just before _exit; a row\n"
	  "      LABEL,latency_ns per child: from the stamp to ffd_wait's return in the parent;\n"
	  "      exit 1 if a fork or a wait failed" },
};

enum kind { NUM, FLAG, WORD };
struct option {
	const char *name;
	enum kind kind;
	size_t offset; /* in struct fc__campaign */
	int value;     /* FLAG: what it stores */
	const char *arg;
	const char *help;
};

#define AT(member) offsetof(struct fc__campaign, member)
static const struct option options[] = {
	{ "--count", NUM, AT(count), 0, "N", "cycles or children (leak 10000, latency 2000)" },
	{ "--every", NUM, AT(every), 0, "K", "leak: a sample every K cycles (default 100; 0: none)" },
	{ "--generic", FLAG, AT(flags), FFD_USE_FORK, "", "FFD_USE_FORK, the SIGCHLD path (the default)" },
	{ "--pidfd", FLAG, AT(flags), 0, "", "flags 0: the pidfd path" },
	{ "--spawn", FLAG, AT(spawn), 1, "", "leak: ffd_spawn /bin/true instead of ffd_fork" },
	{ "--header", FLAG, AT(header), 1, "", "print the CSV header first" },
	{ "--label", WORD, AT(label), 0, "L", "the rows' first column (default: fixed, or the defect's name)" },
};

static void usage(FILE *out)
{
	fputs("usage: campaign MODE [OPTIONS]\n"
	      "  with FORKCHAOS_LIB (the libffd to drive) set; CSV rows on stdout, a summary on stderr.\n"
	      "modes:\n",
	      out);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		fprintf(out, "  %-8s %s\n", modes[i].name, modes[i].help);
	fputs("options:\n", out);
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		char call[32];
		snprintf(call, sizeof call, "%s %s", options[i].name, options[i].arg);
		fprintf(out, "  %-11s %s\n", call, options[i].help);
	}
}

/* fixed for libffd.so, NAME for build/defects/libffd-NAME.so: the labels
 * leak.csv's contract names. */
static const char *default_label(void)
{
	static char label[128];
	const char *path = getenv("FORKCHAOS_LIB");
	const char *base = path && strrchr(path, '/') ? strrchr(path, '/') + 1 : path ? path : "";
	if (!strcmp(base, "libffd.so") || !strncmp(base, "libffd.so.", 10))
		return "fixed";
	if (!strncmp(base, "libffd-", 7))
		base += 7;
	snprintf(label, sizeof label, "%.*s", (int)strcspn(base, "."), base);
	return label;
}

static int parse(int argc, char **argv, struct fc__campaign *c)
{
	for (int i = 2; i < argc; i++) {
		const struct option *o = NULL;
		for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
			if (!strcmp(argv[i], options[k].name))
				o = &options[k];
		if (!o) {
			fprintf(stderr, "campaign: unknown option '%s'\n", argv[i]);
			return -1;
		}
		char *field = (char *)c + o->offset;
		if (o->kind == FLAG) {
			*(int *)field = o->value;
			continue;
		}
		if (++i == argc) {
			fprintf(stderr, "campaign: %s needs a value\n", o->name);
			return -1;
		}
		char *end;
		long n = strtol(argv[i], &end, 10);
		if (o->kind == WORD)
			*(const char **)field = argv[i];
		else if (*end || end == argv[i] || n < 0 || n > 100000000) {
			fprintf(stderr, "campaign: %s %s: expected a number from 0 to 100000000\n", o->name, argv[i]);
			return -1;
		} else
			*(int *)field = (int)n;
	}
	return 0;
}

static const struct mode *find(const char *name)
{
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(name, modes[i].name))
			return &modes[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	const struct mode *m = find(name);
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	struct fc__campaign c = { .count = m ? m->count : 0, .every = 100, .flags = FFD_USE_FORK };
	if (!m)
		fprintf(stderr, "campaign: unknown mode '%s'\n", name);
	else if (parse(argc, argv, &c) == 0) {
		if (!c.label)
			c.label = default_label();
		obs_load(&c.ffd);
		return m->run(&c);
	}
	usage(stderr); /* a harness error: exit 2 */
	return 2;
}
