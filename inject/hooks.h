/* The steps of a generated wrapper, shared by the libc wrappers (wrap_gen.c)
 * and the syscall(2) dispatch (wrap_sys.c).  A wrapper expands the facts of
 * its line at every step; each hook acts at the step it names, and since the
 * step is a constant the compiler keeps only that code.  The state a hook
 * needs lives in the wrapper's locals (FC_LOCALS), never in a global: the
 * wrappers run in signal handlers and in several threads at once. */
#ifndef FC_HOOKS_H
#define FC_HOOKS_H
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include "shim.h"
#include "stats.h"
#include "facts.h"

enum fc_step {
	FC_STEP_REAL,    /* which function the real call is */
	FC_STEP_RESOLVE, /* the slow path, before the real call is looked for */
	FC_STEP_ENTRY,   /* before the fast path: what the real call needs */
	FC_STEP_ARGS,    /* the arguments the selectors compare */
	FC_STEP_BEFORE,  /* before the decision */
	FC_STEP_CALL,    /* just before the real call */
	FC_STEP_FIX,     /* just after it, its outputs still ours */
	FC_STEP_DONE,    /* then */
	FC_STEP_LEAVE,   /* on the way out, whether the call ran or was skipped */
};

/* The largest output INSIDE holds back (sigaction's oldact). */
#define FC_INSIDE_MAX sizeof(struct sigaction)

struct fc_hooks {
	void *user_out;                   /* INSIDE: the caller's buffer while it is held back */
	int forking;                      /* FORKS: this call makes a process */
	int range_hit;                    /* RANGE: the trace's number, when in the range */
	int guard_old;                    /* GUARD: the trace's number, when it moved */
	int hold_out;                     /* TRAMPOLINE: INSIDE must hold the output */
	const struct sigaction *user_act; /* TRAMPOLINE: the act the target gave */
	struct fc_handler_step step;      /* TRAMPOLINE: the record it replaces */
	pid_t child;                      /* NOTE_CHILD: the pid, when the caller passed NULL */
	int status;                       /* REAPS: the status, when the caller passed NULL */
	/* The large outputs, never two of one union in the same call: the
	 * wrappers run on small signal stacks too (scripts/stack-budget.py). */
	union {
		struct {
			struct sigaction mine;                                   /* TRAMPOLINE: the act the kernel gets */
			_Alignas(max_align_t) unsigned char held[FC_INSIDE_MAX]; /* INSIDE: the private copy */
		};
		siginfo_t info; /* REAPS_INFO: waitid's, when the caller passed NULL */
	};
};

/* Store a pointer into an argument that is a pointer (a libc call's) or a
 * long (a raw syscall's a[i]). */
#define FC_SET_ARG(lvalue, ptr) ((lvalue) = (__typeof__(lvalue))(intptr_t)(ptr))

/* Unused in a wrapper's fast path, where the hooks are dead code. */
#define FC_LOCALS(rtype)                              \
	struct fc_call fc_c __attribute__((unused));  \
	struct fc_hooks fc_h __attribute__((unused)); \
	long fc_ret __attribute__((unused));          \
	int fc_on __attribute__((unused)) = 0;        \
	int fc_sig __attribute__((unused)) = -1;      \
	int fc_fd __attribute__((unused)) = -1;       \
	rtype fc_result __attribute__((unused))

#define FC_AT_STEP(step, facts)                      \
	do {                                         \
		const enum fc_step fc_step = (step); \
		(void)fc_step;                       \
		facts                                \
	} while (0)

/* A call that only rules name (FC_ARMED_COUNT: none of the steps below
 * has work for it) is counted first, and made at once when no rule fires:
 * `return REAL_CALL`, a tail call where the function has no local whose
 * address escapes.  The common case, one rule with no selector but the
 * call, is counted inline here (fc__count_sole); fc_pending is then 0 when
 * the call is done, else what FC_SLOW_PATH must finish (PENDING). */
#define FC_COUNTED(id, nr, real_call)                          \
	unsigned long fc_pending = fc__count_sole((id), (nr)); \
	if (FC_LIKELY(fc_pending == 0))                        \
	return real_call

/* 0 when the call was counted and its rule cannot fire on this count;
 * else that count, or FC_NOT_COUNTED (no sole rule; the shim's own call;
 * a syscall:nr= rule to judge; the launcher's first hint of this call). */
static inline unsigned long fc__count_sole(int id, long nr)
{
	const struct fc_sole *sole = &fc__sole[id];
	if (sole->rule < 0 || fc__guard || (nr >= 0 && fc__state.rules_for[FC_ID_syscall]) ||
	    (fc__stats && !(__atomic_load_n(&fc__stats->calls_seen[id / 64], __ATOMIC_RELAXED) >> (id % 64) & 1)))
		return FC_NOT_COUNTED;
	unsigned long n = fc__count(fc__counter(0, sole->rule));
	return n < sole->first || n > sole->last ? 0 : n;
}

/* Everything after the fast path: the decision, the enter-side actions,
 * the real call REAL_CALL between the hooks' steps, the exit side.
 * PENDING (from FC_COUNTED; 0 for a call not armed FC_ARMED_COUNT): the
 * count fc__count_sole gave, which fc__enter_counted finishes, where
 * again the call is made at once when no rule fires. */
#define FC_SLOW_PATH(rtype, id, nr, ra, pending, real_call, facts)                                      \
	unsigned long fc_decided = 0;                                                                   \
	FC_AT_STEP(FC_STEP_ARGS, facts);                                                                \
	if ((pending) && !(fc_decided = fc__enter_counted((id), (nr), fc_sig, fc_fd, (ra), (pending)))) \
		return real_call;                                                                       \
	fc_h.user_out = NULL;                                                                           \
	fc_h.forking = 0;                                                                               \
	fc_h.hold_out = 0;                                                                              \
	FC_AT_STEP(FC_STEP_BEFORE, facts);                                                              \
	fc_on = fc_decided ? fc__enter_decided(&fc_c, (id), (nr), fc_sig, fc_fd, (ra), fc_decided)      \
			   : fc__enter(&fc_c, (id), (nr), fc_sig, fc_fd, (ra));                         \
	if (fc_on && fc__pre(&fc_c, &fc_ret)) {                                                         \
		fc_result = (rtype)(intptr_t)fc_ret;                                                    \
	} else {                                                                                        \
		FC_AT_STEP(FC_STEP_CALL, facts);                                                        \
		fc_result = real_call;                                                                  \
		FC_AT_STEP(FC_STEP_FIX, facts);                                                         \
		FC_AT_STEP(FC_STEP_DONE, facts);                                                        \
		if (fc_on)                                                                              \
			fc_result = (rtype)(intptr_t)fc__post(&fc_c, (long)(intptr_t)fc_result);        \
	}                                                                                               \
	FC_AT_STEP(FC_STEP_LEAVE, facts);                                                               \
	return fc_result

/* The facts that only describe a call add no code. */
#define FC_DATA(kind)
#define FC_HOOK(kind, ...) FC_HOOK_##kind(__VA_ARGS__)

#define FC_HOOK_REAL(sym)                        \
	if (fc_step == FC_STEP_REAL) {           \
		extern __typeof__(*fc_real) sym; \
		fc_real = sym;                   \
	}

#define FC_HOOK_BOOT(sym)                                              \
	if (fc_step == FC_STEP_RESOLVE && !fc_real && fc__resolving) { \
		extern __typeof__(*fc_real) sym FC_HIDDEN;             \
		fc_real = sym;                                         \
	}

#define FC_HOOK_FROM_BOOT(p, size)                                                           \
	if (fc_step == FC_STEP_ENTRY && FC_UNLIKELY(fc__in_boot_arena(p)) && !fc__resolving) \
		return fc__boot_handoff((p), (size));

#define FC_HOOK_VARARG(last)                       \
	if (fc_step == FC_STEP_ENTRY) {            \
		va_list fc_ap;                     \
		va_start(fc_ap, last);             \
		fc_vararg = va_arg(fc_ap, void *); \
		va_end(fc_ap);                     \
	}

#define FC_HOOK_FD_ARG(x)            \
	if (fc_step == FC_STEP_ARGS) \
		fc_fd = (x);

#define FC_HOOK_SIG_ARG(x)           \
	if (fc_step == FC_STEP_ARGS) \
		fc_sig = (x);

#define FC_HOOK_GUARD(fd)                                \
	if (fc_step == FC_STEP_BEFORE)                   \
		fc_h.guard_old = fc__trace_guard_fd(fd); \
	if (fc_step == FC_STEP_LEAVE)                    \
		fc__trace_guard_end(fc_h.guard_old);

#define FC_HOOK_RANGE(first, last, spared)                                                             \
	if (fc_step == FC_STEP_BEFORE)                                                                 \
		fc_h.range_hit = fc__trace_range_begin((unsigned)(first), (unsigned)(last), (spared)); \
	if (fc_step == FC_STEP_FIX || fc_step == FC_STEP_LEAVE) {                                      \
		fc__trace_range_end(fc_h.range_hit);                                                   \
		fc_h.range_hit = -1;                                                                   \
	}

/* WINDOW: 1 (torn oldact): with at=inside the new disposition is live and
 * the signal is delivered before the caller's oldact is filled. */
#define FC_HOOK_INSIDE(p, n)                                                                              \
	if (fc_step == FC_STEP_CALL && (p) && ((fc_on && fc__wants_inside(&fc_c)) || fc_h.hold_out)) {    \
		_Static_assert(sizeof *(p) * (n) <= FC_INSIDE_MAX, "INSIDE: fc_hooks.held is too small"); \
		fc_h.user_out = (p);                                                                      \
		/* what libc does not write (bytes 8-127 of a sigset_t: the kernel's \
		 * set is 8 bytes) stays as the caller had it */                    \
		memcpy(fc_h.held, (p), sizeof *(p) * (n));                                                \
		(p) = (void *)fc_h.held;                                                                  \
	}                                                                                                 \
	if (fc_step == FC_STEP_DONE && fc_h.user_out) {                                                   \
		if (fc_on && fc__wants_inside(&fc_c))                                                     \
			fc__inside(&fc_c);                                                                \
		(p) = fc_h.user_out;                                                                      \
		if (fc_result == 0)                                                                       \
			memcpy((p), fc_h.held, sizeof *(p) * (n));                                        \
	}

#define FC_HOOK_NOTE_CHILD(p)                          \
	if (fc_step == FC_STEP_CALL && !(p))           \
		(p) = &fc_h.child;                     \
	if (fc_step == FC_STEP_DONE && fc_result == 0) \
		fc__note_child(fc_c.child = *(p));

/* The trace's "fds" of a call that fills a pair. */
#define FC_HOOK_FD_PAIR(p)                                                \
	if (fc_step == FC_STEP_DONE && fc_on && (intptr_t)fc_result == 0) \
		fc__seen_fds(&fc_c, ((int *)(intptr_t)(p))[0], ((int *)(intptr_t)(p))[1]);

/* The wait family: what it was asked, and what it reaped.  A NULL status
 * is replaced by the wrapper's own (the caller did not want it; the kernel
 * writes it somewhere of ours instead), so that a child's death by a
 * signal is seen whoever reaps it.  Linux fills waitid's siginfo on every
 * success (si_pid 0: nothing waitable), so it needs no zeroing first. */
#define FC_HOOK_REAPS(w_pid, w_opts, w_statusp)               \
	if (fc_step == FC_STEP_ARGS) {                        \
		fc_c.wpid = (long)(w_pid);                    \
		fc_c.options = (int)(w_opts);                 \
	}                                                     \
	if (fc_step == FC_STEP_CALL && fc_on && !(w_statusp)) \
		FC_SET_ARG(w_statusp, &fc_h.status);          \
	if (fc_step == FC_STEP_DONE && fc_on)                 \
		fc__seen_reaped_status(&fc_c, (long)fc_result, (const int *)(intptr_t)(w_statusp));

#define FC_HOOK_REAPS_INFO(w_idtype, w_id, w_infop, w_opts)                                       \
	if (fc_step == FC_STEP_ARGS) {                                                            \
		fc_c.wpid = (w_idtype) == P_ALL ? -1 : (long)(w_id);                              \
		fc_c.options = (int)(w_opts);                                                     \
	}                                                                                         \
	if (fc_step == FC_STEP_CALL && fc_on && !(w_infop))                                       \
		FC_SET_ARG(w_infop, &fc_h.info);                                                  \
	if (fc_step == FC_STEP_DONE && fc_on && (long)fc_result == 0 && !((int)(w_opts)&WNOWAIT)) \
		fc__seen_reaped_info(&fc_c, (const siginfo_t *)(intptr_t)(w_infop));

/* A new signal disposition, for the trace. */
#define FC_HOOK_HANDLER(h, flags)             \
	if (fc_step == FC_STEP_CALL && fc_on) \
		fc__seen_handler(&fc_c, (const void *)(h), (int)(flags));

/* A successful exec does not come back: the image's last words are said
 * before it.  A failed one returns and goes on like any call.  The caller's
 * errno is the real call's to set, so the hook leaves it as it was. */
#define FC_HOOK_EXECS(path, envp)                                                                 \
	if (fc_step == FC_STEP_CALL) {                                                            \
		int fc_exec_errno = errno;                                                        \
		fc__before_exec((const char *)(intptr_t)(path), (char *const *)(intptr_t)(envp)); \
		errno = fc_exec_errno;                                                            \
	}

/* The child's return from a call that made a process: it counts again from
 * 1 and its trace line says side=child. */
#define FC_HOOK_FORKS(cond)                                              \
	if (fc_step == FC_STEP_CALL && fc__state.active && (cond)) {     \
		fc_h.forking = 1;                                        \
		fc__before_fork();                                       \
	}                                                                \
	if (fc_step == FC_STEP_DONE && fc_h.forking && fc_result == 0) { \
		fc__forked_child(&fc_c, fc_on);                          \
		return 0;                                                \
	}                                                                \
	if (fc_step == FC_STEP_DONE && fc_h.forking && fc_result > 0)    \
		fc__note_child((pid_t)fc_result);

/* The kernel gets the trampoline; the target's oldact is fixed while it
 * is still ours (INSIDE holds it: never is the trampoline's address seen
 * in the target's buffer, where a torn-oldact handler could chain to it). */
#define FC_HOOK_TRAMPOLINE(sig, act, oldact)                                                    \
	if (fc_step == FC_STEP_CALL) {                                                          \
		fc_h.user_act = (act);                                                          \
		fc_h.step.reads_old = (oldact) != NULL;                                         \
		fc_h.step.site = fc_on ? fc_c.ra : NULL;                                        \
		(act) = fc__handlers_before((sig), (act), &fc_h.mine, &fc_h.step);              \
		fc_h.hold_out = fc_h.step.prev != NULL;                                         \
	}                                                                                       \
	if (fc_step == FC_STEP_FIX)                                                             \
		fc__handlers_after((sig), fc_h.user_act, fc_result != 0, &fc_h.step, (oldact)); \
	if (fc_step == FC_STEP_FIX && fc_on && fc_result == 0)                                  \
		fc__oldact_told(&fc_c, (sig), (oldact), &fc_h.step);                            \
	if (fc_step == FC_STEP_LEAVE)                                                           \
		(act) = fc_h.user_act;

#define FC_HOOK_VIA(fn)                                          \
	if (fc_step == FC_STEP_CALL && fc__state.track_handlers) \
		fc_real = (fn);

#define FC_HOOK_SIGINTERRUPT(sig, flag)                \
	if (fc_step == FC_STEP_DONE && fc_result == 0) \
		fc__note_siginterrupt((sig), (flag));

#define FC_HOOK_RAW_HANDLERS(sig, act, old) \
	if (fc_step == FC_STEP_FIX)         \
		fc__handlers_raw_after((sig), (const void *)(intptr_t)(act), (void *)(intptr_t)(old), fc_result);

#define FC_HOOK_LIMITS(unused)                                                 \
	if (fc_step == FC_STEP_DONE && fc_result == 0 && fc__state.trace_open) \
		fc__trace_limits_changed();

#define FC_HOOK_SHARES_VM(cond)                \
	if (fc_step == FC_STEP_CALL && (cond)) \
		fc__shares_vm();

#define FC_HOOK_FORKS_ATFORK(unused)                     \
	if (fc_step == FC_STEP_DONE && fc_result == 0) { \
		fc__forked_child(&fc_c, fc_on);          \
		return 0;                                \
	}                                                \
	if (fc_step == FC_STEP_DONE && fc_result > 0)    \
		fc__note_child((pid_t)fc_result);

#endif
