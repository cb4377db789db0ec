/* The shim's constructor: resolve every real symbol eagerly (dlsym may
 * allocate, which must not happen later inside a signal handler), load the
 * plan, open the trace.  A malformed plan stops the target before main(). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "shim.h"

void *fc__real_vfork FC_HIDDEN;

void *fc__resolve(int id)
{
	fc__guard++;
	void *fn = dlsym(RTLD_NEXT, fc_calls[id].name);
	fc__guard--;
	__atomic_store_n(&fc__real[id], fn, __ATOMIC_RELAXED);
	return fn;
}

/* A decimal number from the environment; *found is 0 when it is absent or
 * not a whole decimal number that fits (the launcher checks the same). */
static uint64_t env_u64(const char *name, int *found)
{
	const char *text = getenv(name);
	char *end;
	*found = 0;
	if (!text || *text < '0' || *text > '9')
		return 0;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (*end || errno)
		return 0;
	*found = 1;
	return value;
}

/* Seed and root pid are chosen once per run and handed down through the
 * environment, so every exec'd descendant shares them. */
static void settle_lineage(void)
{
	char num[32];
	int found;
	fc__state.my_pid = getpid();
	fc__state.seed = env_u64("FORKCHAOS_SEED", &found);
	if (!found) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		fc__state.seed = fc__mix64((uint64_t)now.tv_nsec ^ (uint64_t)now.tv_sec << 20 ^ (uint64_t)getpid());
		fc__state.seed &= 0xffffffffull; /* short enough to type back in */
		snprintf(num, sizeof num, "%llu", (unsigned long long)fc__state.seed);
		setenv("FORKCHAOS_SEED", num, 1);
	}
	fc__state.root_pid = (pid_t)env_u64("FORKCHAOS_ROOT_PID", &found);
	if (!found) {
		fc__state.root_pid = fc__state.my_pid;
		snprintf(num, sizeof num, "%d", (int)fc__state.my_pid);
		setenv("FORKCHAOS_ROOT_PID", num, 1);
	}
}

static void load_plan(void)
{
	const char *text = getenv("FORKCHAOS_PLAN");
	char err[512];
	if (!text || !*text)
		return;
	if (fc_plan_parse(text, &fc__state.plan, err, sizeof err) < 0) {
		/* The target must not run under a plan it did not ask for. */
		dprintf(2, "forkchaos: %s\n", err);
		_exit(2);
	}
	strncpy(fc__state.plan_text, text, sizeof fc__state.plan_text - 1);
}

/* A caller= or lib= that names nothing loaded yet may never fire: say so in
 * the trace (a stripped program has no names for its static functions). */
static void warn_unresolved(void)
{
	for (int r = 0; r < fc__state.plan.nrules; r++) {
		const struct fc_rule *rule = &fc__state.plan.rules[r];
		if (rule->caller[0] && !fc__symtab_resolved(r, 1))
			fc__trace_warning("caller=", rule->caller,
					  "no function of that name in the objects loaded so far (a stripped binary, or a "
					  "library not loaded yet)");
		if (rule->lib[0] && !fc__symtab_resolved(r, 0))
			fc__trace_warning("lib=", rule->lib, "no object of that name loaded so far (it may be dlopen()ed later)");
	}
}

__attribute__((constructor(101))) static void fc_init(void)
{
	int saved_errno = errno;
	fc__guard++;
	/* syscalls.def lines are reached through syscall(), which is resolved
	 * here as the pseudo-call "syscall"; REAL() lines are linked directly */
	for (int id = 0; id < FC_NCALLS; id++)
		if (!(fc_calls[id].flags & (FC_F_SYS | FC_F_REAL)) && !fc__real[id])
			fc__resolve(id);
	fc__real_vfork = fc__real[FC_ID_vfork];
	load_plan();
	const char *trace = getenv("FORKCHAOS_TRACE");
	if (fc__state.plan.nrules == 0 && !(trace && *trace)) {
		/* No plan, no trace: pass everything through, touch nothing. */
		fc__guard--;
		errno = saved_errno;
		return;
	}
	settle_lineage();
	const char *mem = getenv("FORKCHAOS_TRACE_MEM");
	fc__state.trace_all_mem = mem && *mem == '1';
	fc__trace_open();
	for (int r = 0; r < fc__state.plan.nrules; r++)
		if (fc__state.plan.rules[r].caller[0] || fc__state.plan.rules[r].lib[0]) {
			/* caller= and lib= are resolved to address ranges now, at plan
			 * load, not on the first call (which may be in a handler) */
			fc__symtab_refresh();
			warn_unresolved();
			break;
		}
	fc__arm();
	fc__guard--;
	errno = saved_errno;
}
