/* The decision engine: which rule, if any, acts on this call.  Runs on every
 * intercepted call, so: no locks, no malloc, no syscalls unless a rule with
 * caller=/lib= needs a lookup, counters atomic only when threads exist. */
#include <sys/single_threaded.h>
#include <unistd.h>
#include "libc.h"
#include "match.h"
#include "shim.h"

struct fc_state fc__state = { .trace_fd = -1 };
void *fc__real[FC_NCALLS];
unsigned char fc__armed[FC_NCALLS];
__thread int fc__guard __attribute__((tls_model("initial-exec")));

/* Set once the process makes a thread glibc does not know of (a raw clone
 * with CLONE_VM): __libc_single_threaded stays 1 for it. */
static int shared_vm;

void fc__shares_vm(void)
{
	__atomic_store_n(&shared_vm, 1, __ATOMIC_RELAXED);
}

/* Per-rule counts of this process, in its slot of the stats region (or
 * private, life.c); a forked child starts again from zero (as strace does). */
static uint64_t count(uint64_t *counter)
{
	/* With one thread, a single unlocked instruction is enough: a signal
	 * handler cannot split it (a load/add/store could lose the handler's
	 * own count).  The locked add costs +20-30 ns: only with threads. */
#if defined(__x86_64__)
	if (__libc_single_threaded && !__atomic_load_n(&shared_vm, __ATOMIC_RELAXED)) {
		uint64_t one = 1;
		__asm__ volatile("xaddq %0, %1" : "+r"(one), "+m"(*counter));
		return one + 1;
	}
#endif
	return __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

uint64_t fc__mix64(uint64_t x)
{
	return fc_mix64(x);
}

static int nr_matches(const struct fc_rule *rule, const struct fc_call *c)
{
	if (fc_rule_has_call(rule, c->id))
		return 1;
	if (c->nr < 0 || !fc_rule_has_call(rule, FC_ID_syscall))
		return 0;
	if (rule->n_nrs == 0)
		return 1;
	for (int i = 0; i < rule->n_nrs; i++)
		if (rule->nrs[i] == c->nr)
			return 1;
	return 0;
}

static int proc_matches(const struct fc_rule *rule)
{
	if (rule->proc == FC_PROC_ANY)
		return 1;
	/* getpid(), not the cached pid: a vfork child shares our memory */
	int is_root = fc__getpid() == fc__state.root_pid;
	return rule->proc == FC_PROC_PARENT ? is_root : !is_root;
}

/* Every rule whose selectors match counts the call; the first of them with
 * an action whose when=/prob= fire wins. */
static void decide(struct fc_call *c, fc_ruleset candidates)
{
	while (candidates) {
		int index = __builtin_ctz(candidates);
		candidates &= candidates - 1;
		const struct fc_rule *rule = &fc__state.plan.rules[index];
		if (!nr_matches(rule, c))
			continue;
		if (rule->sel_sig >= 0 && c->sig != rule->sel_sig)
			continue;
		if (rule->sel_fd >= 0 && c->fd != rule->sel_fd)
			continue;
		if (!proc_matches(rule))
			continue;
		if (rule->lib[0] && !fc__lib_in_rule(index, c->ra))
			continue;
		if (rule->caller[0] && !fc__caller_matches(index, rule->depth, c->ra))
			continue;
		unsigned long n = count(&fc__matched[index]);
		if (c->rule >= 0 || !rule->actions)
			continue;
		if (rule->has_when && !fc_when_fires(rule, n))
			continue;
		if (rule->has_prob && !fc_prob_fires(rule, fc__state.seed, fc__state.lineage, index, n))
			continue;
		c->rule = index;
		c->n = n;
		c->at = rule->at;
		/* vfork cannot act at exit (its child runs on our caller's stack) */
		if (rule->at == FC_AT_ENTER || !(fc_calls[c->id].flags & FC_F_ENTER_ONLY))
			count(&fc__acted[index]);
	}
}

/* Calls whose results feed an observation (a child's death by a signal,
 * for `crash`) leave the fast path whenever the run has a report. */
static int observed(int id)
{
	unsigned flags = fc_calls[id].flags, on = fc__state.oracles;
	if (!fc__state.report_path[0])
		return 0;
	return (flags & FC_F_REAPS) || ((on & FC_ORC_FDS) && (flags & (FC_F_RET_FD | FC_F_FD_PAIR))) ||
		((on & FC_ORC_EINTR) && (flags & FC_F_BLOCKING)) || ((on & FC_ORC_DOUBLE_CLOSE) && (flags & FC_F_CLOSES)) ||
		((on & (FC_ORC_CHAINED | FC_ORC_ERRNO)) && (flags & FC_F_HANDLER)); /* the install's site */
}

int fc__traced(int id)
{
	/* trace_open, not trace_fd: the descriptor is -1 for the length of a
	 * close_range over it, whose own line is still wanted */
	if (!fc__state.trace_open)
		return 0;
	if (fc__state.trace_filtered)
		return fc__state.trace_calls[id / 64] >> (id % 64) & 1;
	/* %mem calls are many and rarely the story: only when asked */
	return fc_calls[id].cls != FC_CLASS_MEM || fc__state.trace_all_mem || fc__state.rules_for[id];
}

static void init_call(struct fc_call *c, int id, long nr, int sig, int fd, void *ra)
{
	c->id = id;
	c->nr = nr;
	c->sig = sig;
	c->fd = fd;
	c->ra = ra;
	c->rule = -1;
	c->n = 0;
	c->at = FC_AT_ENTER;
	c->child_side = 0;
	c->injected = 0;
	c->ret_unknown = 0;
	c->child = 0;
	c->on_trace_fd = 0;
	c->seen = (fc_calls[id].flags & FC_F_REAPS) ? FC_SEEN_WAIT : 0; /* wpid, options: the ARGS step */
	c->saved_errno = errno;
}

int fc__enter(struct fc_call *c, int id, long nr, int sig, int fd, void *ra)
{
	if (FC_LIKELY(!fc__state.active) || fc__guard)
		return 0;
	fc__note_call(id); /* armed calls only: the launcher's hints */
	/* a call on the trace's own descriptor (which the target never
	 * opened) is answered EBADF, whatever the rules say (fc__pre) */
	if (FC_UNLIKELY(fd >= 0 && fd == __atomic_load_n(&fc__state.trace_fd, __ATOMIC_RELAXED)) &&
	    !(fc_calls[id].flags & FC_F_RANGE)) {
		init_call(c, id, nr, sig, fd, ra);
		c->on_trace_fd = 1;
		return 1;
	}
	fc_ruleset candidates = fc__state.rules_for[id];
	if (nr >= 0) /* syscall:nr=N and sys_NAME without a line of its own */
		candidates |= fc__state.rules_for[FC_ID_syscall];
	if (!candidates && !fc__traced(id) && !observed(id))
		return 0;
	init_call(c, id, nr, sig, fd, ra);
	if (candidates)
		decide(c, candidates);
	return 1;
}

/* After the plan is loaded and the trace opened: which rules name each
 * call, and which calls leave the fast path.  Those that make children
 * always do while the shim is on: the child must count again from 1, and
 * signal=...@child needs the pid. */
void fc__arm(void)
{
	const struct fc_plan *plan = &fc__state.plan;
	int on = plan->nrules > 0 || fc__state.trace_fd >= 0 || fc__state.report_path[0];
	for (int r = 0; r < plan->nrules; r++)
		for (int id = 0; id < FC_NCALLS; id++)
			/* a syscall-level rule is the supervisor's: counted and acted
			 * on once, where the syscall is made, not here too */
			if (fc_rule_has_call(&plan->rules[r], id) &&
			    !(fc__state.syscall_layer && plan->rules[r].via == FC_VIA_SYSCALL))
				fc__state.rules_for[id] |= (fc_ruleset)1 << r;
	for (int id = 0; id < FC_NCALLS; id++)
		fc__armed[id] = on &&
			(fc__state.rules_for[id] || fc__traced(id) || observed(id) ||
			 (fc_calls[id].flags & (FC_F_FORKS | FC_F_NOTE_CHILD | FC_F_EXECS)) ||
			 (fc__state.track_handlers && (fc_calls[id].flags & FC_F_TRAMPOLINE)) ||
			 (fc__state.trace_fd >= 0 &&
			  (fc_calls[id].flags & (FC_F_GUARD | FC_F_RANGE | FC_F_FD_ARG | FC_F_LIMITS))));
	__atomic_store_n(&fc__state.active, on, __ATOMIC_RELEASE);
}

const struct fc_rule *fc__rule(const struct fc_call *c)
{
	return c->rule >= 0 ? &fc__state.plan.rules[c->rule] : NULL;
}

/* Whether the process had threads when it forked: its child then must not
 * take the loader's lock (symtab.c). */
static int fork_with_threads;

void fc__before_fork(void)
{
	__atomic_add_fetch(&fc__state.forks, 1, __ATOMIC_RELAXED);
	fork_with_threads = !__libc_single_threaded || __atomic_load_n(&shared_vm, __ATOMIC_RELAXED);
}

int fc__forked_with_threads(void)
{
	return fork_with_threads;
}

/* The child's return from a call that made a process: it counts again from
 * 1, and its trace line (when the call is traced) says side=child. */
void fc__forked_child(struct fc_call *c, int traced)
{
	int err = errno;
	fc__after_fork_child();
	if (traced) {
		c->child_side = 1;
		c->rule = -1;
		fc__post(c, 0);
	}
	errno = err;
}

void fc__note_child(pid_t pid)
{
	if (pid > 0)
		fc__state.last_child = pid;
}
