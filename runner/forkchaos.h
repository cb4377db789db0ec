/* The forkchaos command: subcommands and the exit codes of design.md. */
#ifndef FORKCHAOS_H
#define FORKCHAOS_H
#include <stddef.h>
#include "plan.h"

/* The shim's version (inject/shim.h), which the runner cannot include:
 * its <spawn.h> would find runner/sched.h for <sched.h>. */
#ifndef FC_VERSION
#define FC_VERSION "0.1.0"
#endif

enum { FC_EXIT_OK = 0, FC_EXIT_FAIL = 1, FC_EXIT_USAGE = 2, FC_EXIT_INTERRUPTED = 3 };

/* One function per subcommand (commands.def): argv[0] is its name. */
#define CMD(name, fn, synopsis, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef CMD
int fc_check_plan(const char *plan_text, struct fc_plan *plan);
void fc_pick_seed(char *buf, size_t len);
#endif
