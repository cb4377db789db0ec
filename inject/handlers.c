/* The target's signal handlers, seen from inside: while the shim tracks
 * handlers (a trace, a caller=/lib= rule, an oracle that needs them), every
 * handler the target installs through sigaction() or signal() runs through
 * one trampoline of ours.  It knows it runs in a handler (nothing it calls
 * may take a lock, rebuild the symbol index, or be hidden by the guard of
 * the code it interrupted), and it sees what the handler did (errno, for
 * the oracles).  It is invisible: a query returns exactly what the target
 * installed, the handler gets the arguments its flags ask for, and errno is
 * the handler's to change.
 *
 * The target's disposition is kept in an immutable record per install,
 * published with one atomic pointer store per signal, so a handler running
 * in another thread reads a whole record or the one before it. */
#include <signal.h>
#include <string.h>
#include "libc.h"
#include "shim.h"

#define RECORDS 1024
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* glibc sets it in the kernel's flags; <signal.h> does not name it */
#endif

static struct fc_disposition records[RECORDS];
static unsigned records_used;
/* What the target installed on each signal, when it runs through the
 * trampoline; NULL: the kernel has the target's own disposition. */
static struct fc_disposition *installed[_NSIG];

__thread int fc__in_handler __attribute__((tls_model("initial-exec")));

/* chained: since the last install on a signal, has anyone read its
 * disposition (an oldact, a query, signal()'s return)? */
static int disposition_read[_NSIG];

/* The handler the trampoline last ran in this thread, and the chain it is
 * watching (the predecessor the running handler should call). */
static __thread struct fc_last_handler last __attribute__((tls_model("initial-exec")));
static __thread struct fc_disposition *chain_want __attribute__((tls_model("initial-exec")));
static __thread int chain_seen __attribute__((tls_model("initial-exec")));
static __thread struct fc_disposition *chain_running __attribute__((tls_model("initial-exec")));

void fc__last_handler(struct fc_last_handler *h)
{
	*h = last;
}

/* siginterrupt()'s set, which glibc's signal() reads to drop SA_RESTART;
 * glibc's own is internal, so ours is kept from the calls it sees. */
static uint64_t interrupting;

static void trampoline(int sig, siginfo_t *info, void *uctx);

int fc__is_trampoline(const void *fn)
{
	return fn == (const void *)trampoline;
}

/* A signal the trampoline got without a record (a reset raced with it):
 * what the kernel would have done with SIG_DFL. */
static void default_action(int sig)
{
	if (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT)
		return;
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	fc__sys6(SYS_rt_sigaction, sig, (long)&dfl, 0, 8, 0, 0);
	fc__tgkill(fc__getpid(), fc__gettid(), sig); /* delivered when we return */
}

static void call_disposition(const struct fc_disposition *d, int sig, siginfo_t *info, void *uctx)
{
	if (d->flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))d->fn)(sig, info, uctx);
	else
		((void (*)(int))d->fn)(sig);
}

/* ---- chained: the predecessor handed to a handler is a stub of ours ---- */

#define STUBS 32
static struct fc_disposition *stub_of[STUBS];

/* A handler calls its predecessor through the stub it got in its oldact:
 * noted, and the predecessor runs as it would have. */
static void chain_call(int k, int sig, siginfo_t *info, void *uctx)
{
	struct fc_disposition *d = __atomic_load_n(&stub_of[k], __ATOMIC_ACQUIRE);
	if (!d)
		return;
	if (d == chain_want) {
		chain_seen = 1;
		if (chain_running)
			__atomic_store_n(&chain_running->stub_used, 1, __ATOMIC_RELAXED);
	}
	call_disposition(d, sig, info, uctx);
}

#define STUB(k, i)                                                       \
	static void stub_##k##_##i(int sig, siginfo_t *info, void *uctx) \
	{                                                                \
		chain_call((k)*4 + (i), sig, info, uctx);                \
	}
#define STUBS4(k) STUB(k, 0) STUB(k, 1) STUB(k, 2) STUB(k, 3)
/* clang-format off */
STUBS4(0) STUBS4(1) STUBS4(2) STUBS4(3) STUBS4(4) STUBS4(5) STUBS4(6) STUBS4(7)
/* clang-format on */
#define STUB_NAMES4(k) stub_##k##_0, stub_##k##_1, stub_##k##_2, stub_##k##_3
	static void (*const stubs[STUBS])(int, siginfo_t *, void *) = {
		STUB_NAMES4(0), STUB_NAMES4(1), STUB_NAMES4(2), STUB_NAMES4(3),
		STUB_NAMES4(4), STUB_NAMES4(5), STUB_NAMES4(6), STUB_NAMES4(7),
	};

static unsigned stubs_used;

static int stub_index(const void *fn)
{
	/* only those handed out: usually none (a loop of installs pays this) */
	unsigned used = __atomic_load_n(&stubs_used, __ATOMIC_RELAXED);
	for (int k = 0; k < STUBS && (unsigned)k < used; k++)
		if (fn == (const void *)stubs[k])
			return k;
	return -1;
}

static void *stub_for(struct fc_disposition *d)
{
	unsigned k = __atomic_fetch_add(&stubs_used, 1, __ATOMIC_RELAXED);
	if (k >= STUBS)
		return NULL;
	__atomic_store_n(&stub_of[k], d, __ATOMIC_RELEASE);
	return (void *)stubs[k];
}

static int watching_chains(int sig)
{
	return (fc__state.oracles & FC_ORC_CHAINED) && sig == SIGCHLD;
}

static int real_handler(const void *fn)
{
	return fn && fn != (const void *)SIG_DFL && fn != (const void *)SIG_IGN;
}

/* A vfork child (or a clone(CLONE_VM) one) shares these records with its
 * parent, not its dispositions: its resets (Python's child sets every
 * handler back to SIG_DFL before exec) go to the kernel as they are, and
 * change nothing of ours, or the parent's trampoline would find no record
 * and drop its next signal.  getpid(), not the cached pid; but only when
 * such a child can be running: with threads (a clone(CLONE_VM) counts as
 * one), or since a vfork (fc__state.vforked, set before each).  A single
 * thread that runs with its own pid again runs because its vfork child is
 * gone: it clears the mark (two getpid per sigaction else). */
static int shares_parent_memory(void)
{
	int one = fc__one_thread();
	if (one && !__atomic_load_n(&fc__state.vforked, __ATOMIC_RELAXED))
		return 0;
	int shared = fc__getpid() != fc__state.my_pid;
	if (one && !shared)
		__atomic_store_n(&fc__state.vforked, 0, __ATOMIC_RELAXED);
	return shared;
}

static void trampoline(int sig, siginfo_t *info, void *uctx)
{
	int saved_errno = errno;
	/* The interrupted code may be inside a guarded section of the shim
	 * (an unwinding, an index rebuild): the handler's own calls are
	 * counted, decided and traced all the same. */
	int guard = fc__guard;
	fc__guard = 0;
	fc__in_handler++;
	struct fc_disposition *d = sig > 0 && sig < _NSIG ? __atomic_load_n(&installed[sig], __ATOMIC_ACQUIRE) : NULL;
	if (!d) {
		default_action(sig);
	} else {
		if (d->flags & SA_RESETHAND) /* the kernel reset it to SIG_DFL on delivery */
			__atomic_compare_exchange_n(&installed[sig], &d, NULL, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
		struct fc_last_handler was = last;
		struct fc_disposition *want = chain_want, *running = chain_running;
		int seen = chain_seen;
		last = (struct fc_last_handler){ sig, d->fn, (d->flags & SA_RESTART) != 0 };
		chain_want = d->pred;
		chain_running = d;
		chain_seen = 0;
		errno = saved_errno; /* the handler sees the interrupted code's errno */
		call_disposition(d, sig, info, uctx);
		int judged = !d->queried || __atomic_load_n(&d->stub_used, __ATOMIC_RELAXED);
		fc__handler_returned(d, sig, saved_errno, d->pred && !chain_seen && judged);
		chain_want = want;
		chain_running = running;
		chain_seen = seen;
		(void)was;
	}
	fc__in_handler--;
	fc__guard = guard;
	/* errno is left as the handler left it: without the shim, the
	 * interrupted code would see the same */
}

static struct fc_disposition *new_record(void *fn, int flags)
{
	/* all taken: no locked add for each install more */
	if (__atomic_load_n(&records_used, __ATOMIC_RELAXED) >= RECORDS)
		return NULL;
	unsigned at = __atomic_fetch_add(&records_used, 1, __ATOMIC_RELAXED);
	if (at >= RECORDS)
		return NULL; /* that many installs: the rest are not tracked */
	records[at].fn = fn;
	records[at].flags = flags;
	return &records[at];
}

/* Before the real sigaction: the act to give the kernel (ours, pointing at
 * the trampoline, in MINE) and the record that was current (for oldact). */
const struct sigaction *fc__handlers_before(int sig, const struct sigaction *act, struct sigaction *mine,
					    struct fc_handler_step *step)
{
	step->prev = sig > 0 && sig < _NSIG ? __atomic_load_n(&installed[sig], __ATOMIC_ACQUIRE) : NULL;
	step->published = 0;
	if (shares_parent_memory())
		return act;
	if (step->reads_old && sig > 0 && sig < _NSIG && !act)
		disposition_read[sig] = 1; /* a query */
	if (!act || sig <= 0 || sig >= _NSIG || !fc__state.track_handlers)
		return act;
	void *fn = (void *)act->sa_sigaction;
	int flags = act->sa_flags, k = stub_index(fn);
	if (k >= 0 && stub_of[k]) {
		/* the target puts back the predecessor it got from us */
		fn = stub_of[k]->fn;
		flags = stub_of[k]->flags;
	}
	if (fn == (void *)SIG_DFL || fn == (void *)SIG_IGN || fc__is_trampoline(fn))
		return act; /* the record goes when the kernel has it (after) */
	struct fc_disposition *d = new_record(fn, flags);
	if (!d)
		return act;
	d->site = step->site;
	if (fc__state.oracles & (FC_ORC_CHAINED | FC_ORC_ERRNO)) {
		/* the handler's name is wanted in lines written while it runs,
		 * where the symbol index is not built (symtab.c): build it now */
		char name[96];
		fc__symtab_describe((char *)fn + 1, name, sizeof name);
	}
	/* the same handler installed again (bash does, at every job) is no
	 * new link of a chain: nothing to call, nothing lost */
	if (watching_chains(sig) && step->prev && real_handler(step->prev->fn) && step->prev->fn != fn) {
		if (step->reads_old) {
			d->pred = step->prev; /* it must call it: its oldact gets a stub */
			d->queried = disposition_read[sig];
		} else if (!disposition_read[sig])
			fc__handler_lost(sig, fn, step->prev->fn, step->site);
	}
	disposition_read[sig] = 0;
	*mine = *act;
	mine->sa_sigaction = trampoline;
	mine->sa_flags = flags | SA_SIGINFO;
	/* RACE: handler-switch: the record is published before the kernel
	 * installs the trampoline, so a signal in between, delivered to the
	 * trampoline of the previous install, already runs the new handler, as
	 * it would the instant the kernel switched; never the record of a
	 * handler the target has replaced. */
	__atomic_store_n(&installed[sig], d, __ATOMIC_RELEASE);
	step->published = 1;
	return mine;
}

/* After it: undo a failed install; forget the record when the target put
 * its own SIG_DFL/SIG_IGN in place; give OLD the target's disposition where
 * the kernel says "trampoline". */
void fc__handlers_after(int sig, const struct sigaction *act, int failed, const struct fc_handler_step *step,
			struct sigaction *old)
{
	if (sig <= 0 || sig >= _NSIG)
		return;
	if (shares_parent_memory()) {
		/* the target's own disposition where the kernel says trampoline,
		 * read only: the records are the parent's */
		if (!failed && old && fc__is_trampoline((void *)old->sa_sigaction) && step->prev) {
			old->sa_sigaction = step->prev->fn;
			old->sa_flags = step->prev->flags | (old->sa_flags & SA_RESTORER);
		}
		return;
	}
	if (failed) {
		if (step->published)
			__atomic_store_n(&installed[sig], step->prev, __ATOMIC_RELEASE);
		return;
	}
	if (act && !step->published)
		__atomic_store_n(&installed[sig], NULL, __ATOMIC_RELEASE);
	if (old && fc__is_trampoline((void *)old->sa_sigaction) && step->prev) {
		struct fc_disposition *now = __atomic_load_n(&installed[sig], __ATOMIC_ACQUIRE);
		void *stub = act && step->published && now && now->pred == step->prev ? stub_for(step->prev) : NULL;
		/* chained: the handler that read its predecessor gets a stub that
		 * notes the calls (a query gets exactly what was installed) */
		old->sa_sigaction = stub ? stub : step->prev->fn;
		/* the kernel adds SA_RESTORER (glibc's), keep it as without us */
		old->sa_flags = step->prev->flags | (old->sa_flags & SA_RESTORER);
		if (!stub && now && now->pred == step->prev)
			now->pred = NULL; /* no stub left: nothing to watch */
	}
}

void fc__handlers_told(int sig, const struct fc_handler_step *step)
{
	if (sig <= 0 || sig >= _NSIG || !step->published)
		return;
	struct fc_disposition *now = __atomic_load_n(&installed[sig], __ATOMIC_ACQUIRE);
	if (now && now->pred == step->prev)
		now->pred = NULL;
}

/* signal(), bsd_signal(), sysv_signal() while handlers are tracked: glibc's
 * own go straight to the kernel, past the trampoline, so these do what
 * glibc's do through the real sigaction and fc__handlers_*. */
static sighandler_t install(int sig, sighandler_t handler, int sysv)
{
	int (*real)(int, const struct sigaction *, struct sigaction *) = FC_REAL(sigaction);
	struct sigaction act, mine, old;
	struct fc_handler_step step;
	if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof act);
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	if (sysv) {
		act.sa_flags = SA_RESETHAND | SA_NODEFER;
	} else {
		sigaddset(&act.sa_mask, sig);
		act.sa_flags = (__atomic_load_n(&interrupting, __ATOMIC_RELAXED) >> sig & 1) ? 0 : SA_RESTART;
	}
	step.reads_old = 1; /* signal() returns the old handler */
	step.site = NULL;
	const struct sigaction *give = fc__handlers_before(sig, &act, &mine, &step);
	int failed = real(sig, give, &old) < 0;
	fc__handlers_after(sig, &act, failed, &step, &old);
	return failed ? SIG_ERR : old.sa_handler;
}

sighandler_t fc__bsd_signal(int sig, sighandler_t handler)
{
	return install(sig, handler, 0);
}

sighandler_t fc__sysv_signal(int sig, sighandler_t handler)
{
	return install(sig, handler, 1);
}

void fc__note_siginterrupt(int sig, int flag)
{
	if (sig <= 0 || sig >= 64)
		return;
	if (flag)
		__atomic_fetch_or(&interrupting, 1ull << sig, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&interrupting, ~(1ull << sig), __ATOMIC_RELAXED);
}

/* rt_sigaction through syscall(): the kernel's struct, which the raw caller
 * fills itself.  An install puts the target's own handler in the kernel,
 * so its record goes; a query that finds the trampoline gets the record. */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

void fc__handlers_raw_after(long sig, const void *act, void *old, long ret)
{
	if (ret < 0 || sig <= 0 || sig >= _NSIG)
		return;
	struct fc_disposition *d = __atomic_load_n(&installed[sig], __ATOMIC_ACQUIRE);
	struct kernel_sigaction *k = old;
	if (k && fc__is_trampoline(k->handler) && d) {
		k->handler = d->fn;
		k->flags = (unsigned long)(unsigned)d->flags | (k->flags & SA_RESTORER);
	}
	if (act && !fc__is_trampoline(((const struct kernel_sigaction *)act)->handler) && !shares_parent_memory())
		__atomic_store_n(&installed[sig], NULL, __ATOMIC_RELEASE);
}
