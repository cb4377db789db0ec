/* The shim's constructor: resolve every real symbol eagerly (dlsym may
 * allocate, which must not happen later inside a signal handler), load the
 * plan, open the trace.  A malformed plan stops the target before main(). */
#include <dlfcn.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "libc.h"
#include "shim.h"
#include "stats.h"

/* Which library this is, for the launcher (`--shim` must name one of
 * ours: it looks for this symbol in the file's dynamic symbols). */
const char forkchaos_shim_abi[] = "forkchaos shim 1";

void *fc__real_vfork FC_HIDDEN;

__thread int fc__resolving __attribute__((tls_model("initial-exec")));

void *fc__resolve(int id)
{
	/* dlsym may allocate: the allocator's BOOT answers meanwhile */
	fc__guard++;
	fc__resolving++;
	void *fn = dlsym(RTLD_NEXT, fc_calls[id].name);
	fc__resolving--;
	fc__guard--;
	__atomic_store_n(&fc__real[id], fn, __ATOMIC_RELAXED);
	return fn;
}

/* A decimal number from the environment; *found is 0 when it is absent or
 * not a whole decimal number that fits (the launcher checks the same). */
static uint64_t env_u64(const char *name, int *found)
{
	uint64_t value = 0;
	*found = fc__parse_u64(fc__env(name), &value);
	return *found ? value : 0;
}

/* Seed and root pid are chosen once per run and handed down through the
 * environment, so every exec'd descendant shares them. */
static void settle_lineage(void)
{
	char num[24];
	int found;
	fc__state.my_pid = fc__getpid();
	fc__state.seed = env_u64("FORKCHAOS_SEED", &found);
	if (!found) {
		fc__state.seed = fc__mix64(fc__now_ns(CLOCK_REALTIME) ^ (uint64_t)fc__state.my_pid);
		fc__state.seed &= 0xffffffffull; /* short enough to type back in */
		fc__setenv("FORKCHAOS_SEED", fc__u64_text(fc__state.seed, num));
	}
	fc__state.root_pid = (pid_t)env_u64("FORKCHAOS_ROOT_PID", &found);
	if (!found) {
		fc__state.root_pid = fc__state.my_pid;
		fc__setenv("FORKCHAOS_ROOT_PID", fc__u64_text((uint64_t)fc__state.my_pid, num));
	}
}

static void load_plan(void)
{
	const char *text = fc__env("FORKCHAOS_PLAN");
	char err[512];
	if (!text || !*text)
		return;
	if (fc_plan_parse(text, &fc__state.plan, err, sizeof err) < 0) {
		/* The target must not run under a plan it did not ask for. */
		fc__write(2, "forkchaos: ", 11);
		fc__write(2, err, strlen(err));
		fc__write(2, "\n", 1);
		fc__sys(SYS_exit_group, 2, 0, 0);
	}
	strncpy(fc__state.plan_text, text, sizeof fc__state.plan_text - 1);
	const char *layer = fc__env("FORKCHAOS_SYSCALL_LAYER");
	fc__state.syscall_layer = layer && *layer == '1';
	int r = fc_plan_needs_layer(&fc__state.plan);
	if (r >= 0 && !fc__state.syscall_layer) {
		/* via=syscall without the supervisor would inject nothing */
		const struct fc_rule *rule = &fc__state.plan.rules[r];
		fc__write(2, "forkchaos: bad plan: rule ", 26);
		fc__write(2, rule->text_len ? text + rule->text_off : "", (size_t)rule->text_len);
		static const char why[] = ": via=syscall needs the seccomp supervisor of `forkchaos run`, which is not "
					  "running here\n";
		fc__write(2, why, sizeof why - 1);
		fc__sys(SYS_exit_group, 2, 0, 0);
	}
}

/* A caller= or lib= that names nothing loaded yet may never fire: say so in
 * the trace (a stripped program has no names for its static functions). */
static void warn_unresolved(void)
{
	for (int r = 0; r < fc__state.plan.nrules; r++) {
		const struct fc_rule *rule = &fc__state.plan.rules[r];
		if (rule->site_len && !fc__symtab_resolved(r, 1)) {
			fc__note(r, FC_NOTE_SITE_UNRESOLVED);
			fc__trace_warning("caller=", rule->caller,
					  "no object of that name loaded so far holds that offset (a library not loaded yet, "
					  "or a site of another build)");
		} else if (rule->caller[0] && !fc__symtab_resolved(r, 1)) {
			fc__note(r, FC_NOTE_CALLER_UNRESOLVED);
			fc__trace_warning("caller=", rule->caller,
					  "no function of that name in the objects loaded so far (a stripped binary, or a "
					  "library not loaded yet)");
		}
		if (rule->lib[0] && !fc__symtab_resolved(r, 0)) {
			fc__note(r, FC_NOTE_LIB_UNRESOLVED);
			fc__trace_warning("lib=", rule->lib, "no object of that name loaded so far (it may be dlopen()ed later)");
		}
	}
}

__attribute__((constructor(101))) static void fc_init(void)
{
	int saved_errno = errno;
	fc__guard++;
	fc__libc_init();
	/* syscalls.def lines are reached through syscall(), which is resolved
	 * here as the pseudo-call "syscall"; REAL() lines are linked directly */
	for (int id = 0; id < FC_NCALLS; id++)
		if (!(fc_calls[id].flags & (FC_F_SYS | FC_F_REAL)) && !fc__real[id])
			fc__resolve(id);
	fc__real_vfork = fc__real[FC_ID_vfork];
	if (fc__secure_process()) {
		/* setuid, setgid or file capabilities: an unprivileged user must
		 * not inject faults into it or make it write files (the trace)
		 * with its privileges; nothing is read, nothing is armed */
		fc__guard--;
		errno = saved_errno;
		return;
	}
	load_plan();
	const char *trace = fc__env("FORKCHAOS_TRACE"), *report = fc__env("FORKCHAOS_REPORT");
	if (fc__state.plan.nrules == 0 && !(trace && *trace) && !(report && *report)) {
		/* No plan, no trace, no report: pass everything through, touch
		 * nothing. */
		fc__guard--;
		errno = saved_errno;
		return;
	}
	if (report && strlen(report) < sizeof fc__state.report_path)
		strcpy(fc__state.report_path, report);
	settle_lineage();
	fc__oracles_parse(fc__env("FORKCHAOS_ORACLES"));
	fc__life_init();
	fc__oracles_start();
	const char *mem = fc__env("FORKCHAOS_TRACE_MEM");
	fc__state.trace_all_mem = mem && *mem == '1';
	const char *calls = fc__env("FORKCHAOS_TRACE_CALLS");
	if (calls && *calls)
		fc__state.trace_filtered = fc_call_set_parse(calls, fc__state.trace_calls, NULL, 0) == 0;
	fc__trace_open();
	for (int r = 0; r < fc__state.plan.nrules; r++)
		if (fc__state.plan.rules[r].caller[0] || fc__state.plan.rules[r].lib[0]) {
			/* caller= and lib= are resolved to address ranges now, at plan
			 * load, not on the first call (which may be in a handler) */
			fc__symtab_refresh();
			warn_unresolved();
			break;
		}
	/* handlers run through the trampoline whenever the shim may have to
	 * know it is in one: the trace and caller=/lib= use the symbol index,
	 * which must not be rebuilt in a handler */
	fc__state.track_handlers |= fc__state.trace_fd >= 0;
	for (int r = 0; r < fc__state.plan.nrules; r++)
		if (fc__state.plan.rules[r].caller[0] || fc__state.plan.rules[r].lib[0])
			fc__state.track_handlers = 1;
	fc__arm();
	fc__guard--;
	errno = saved_errno;
}
