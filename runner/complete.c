/* forkchaos complete WHAT: the words the bash completion offers
 * (completion/forkchaos), one per line, from the tables the parser itself
 * reads: a call, an errno or an oracle added to its table is completed
 * from then on, with no list copied into the script.  Hidden: not in
 * `forkchaos --help`, as it is for the script, not for people. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "forkchaos.h"
#include "oracle.h"
#include "plan_parse.h"

static void calls(void)
{
	for (int id = 0; id < FC_NCALLS; id++)
		puts(fc_calls[id].name);
}

static void classes(void)
{
	for (size_t k = 0; k < FC_NCLASSES; k++)
		puts(fc_classes[k].name);
}

/* glibc's names (names.c accepts them and a few aliases besides) */
static void errnos(void)
{
	for (int e = 1; e <= FC_ERRNO_MAX; e++) {
		const char *name = strerrorname_np(e);
		if (name)
			puts(name);
	}
}

static void signals(void)
{
	for (int s = 1; s < SIGRTMIN; s++) {
		const char *abbrev = sigabbrev_np(s);
		if (abbrev)
			printf("SIG%s\n", abbrev);
	}
	puts("SIGRTMIN");
	puts("SIGRTMAX");
}

static void oracles(void)
{
	for (int o = 0; o < FC_ORACLE_COUNT; o++)
		puts(fc_oracles[o].name);
}

/* the plan's actions and selectors, as they are typed: error= ... */
static void keys(void)
{
	for (int k = 0; k < FC_NKEYS; k++)
		printf("%s=\n", fc__plan_keys[k].name);
}

static const struct {
	const char *what;
	void (*list)(void);
} lists[] = {
	{ "calls", calls },     { "classes", classes }, { "errnos", errnos },
	{ "signals", signals }, { "oracles", oracles }, { "keys", keys },
};

int fc_cmd_complete(int argc, char **argv)
{
	for (size_t i = 0; argc == 2 && i < sizeof lists / sizeof lists[0]; i++)
		if (!strcmp(argv[1], lists[i].what)) {
			lists[i].list();
			return fflush(stdout) == 0 ? FC_EXIT_OK : FC_EXIT_USAGE;
		}
	fputs("usage: forkchaos complete calls|classes|errnos|signals|oracles|keys\n"
	      "(the words of the bash completion, one per line)\n",
	      stderr);
	return FC_EXIT_USAGE;
}
