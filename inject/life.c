/* The life of a process under the shim: where it counts (a slot of the
 * stats region, or private counters), what a fork's child starts with, and
 * the last word of each process image (the trace's exit line) whether it
 * exits, _exits or execs.
 *
 * Every fork the process makes resets the child here, wrapped or not: glibc
 * makes some inside itself (daemon, forkpty), where no wrapper of ours
 * runs, but it always runs the atfork handlers.  Ours must be the first
 * child handler, so that a program's own handler (libuv's, a logger's) that
 * calls pipe2 is counted as the child's first call, not as the parent's
 * next: glibc runs child handlers in the order they were registered, so the
 * shim registers its own before the first registration of anybody else
 * reaches glibc (__register_atfork is interposed below; pthread_atfork is a
 * static stub in every program that calls it). */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include "libc.h"
#include "shim.h"
#include "stats.h"

extern void *__dso_handle;
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);

struct fc_stats *fc__stats;
/* Without a stats region (the shim preloaded by hand), or past its last
 * slot, a process counts in fc__state.private_matched and private_acted.
 * The exit line is written once per process image: fc__state.ended_pid is
 * the pid that wrote it (a vfork child shares this memory and has its own
 * pid). */

/* Take a slot of the stats region for this process (pid fc__state.my_pid,
 * parent fc__state.parent_pid) and count there from now on; past the last
 * slot, it goes on counting privately.  The pointers are stored before the
 * slot is said taken (fc__counter reads them after). */
static void claim_slot(void)
{
	uint32_t slot = __atomic_fetch_add(&fc__stats->claimed, 1, __ATOMIC_RELAXED);
	if (slot >= fc__stats->nslots)
		return; /* a fork bomb: counted privately, the launcher says so */
	struct fc_stats_slot *mine = &fc__stats->slots[slot];
	mine->pid = fc__state.my_pid;
	mine->ppid = fc__state.parent_pid;
	__atomic_store_n(&fc__state.acted, mine->acted, __ATOMIC_RELEASE);
	__atomic_store_n(&fc__state.matched, mine->matched, __ATOMIC_RELEASE);
}

/* Counts from zero, privately, then in a slot: at once (an image's start),
 * or at the first count (LAZY: a fork child, which may exec or exit
 * without one, and then touches no page of the region: each is a fault).
 * PPID: what the caller knows already (a fork child's parent was us a
 * moment ago; a getpid or getppid is a syscall on every fork's path). */
static FC_FORK_PATH void reset_counts(pid_t ppid, int lazy)
{
	memset(fc__state.private_matched, 0, sizeof fc__state.private_matched);
	memset(fc__state.private_acted, 0, sizeof fc__state.private_acted);
	fc__state.matched = fc__state.private_matched;
	fc__state.acted = fc__state.private_acted;
	fc__state.parent_pid = ppid;
	fc__state.slot_pending = FC_SLOT_TAKEN;
	if (!fc__stats)
		return;
	if (lazy)
		fc__state.slot_pending = FC_SLOT_PENDING;
	else
		claim_slot();
}

/* Whether this thread is taking the slot (a handler that interrupts it
 * must not wait for it). */
static __thread int taking_here;

/* The first count of a fork child (fc__counter): one of its threads or
 * handlers takes the slot; another thread waits until it is taken; a
 * handler that interrupted the taking counts privately, and what it
 * counted is moved into the slot after.  RACE: slot-take: the state moves
 * PENDING -> TAKING -> TAKEN by compare-and-swap, the pointers set before
 * TAKEN, so that no count lands where nobody adds it up. */
void fc__take_slot_now(void)
{
	int want = FC_SLOT_PENDING;
	if (__atomic_compare_exchange_n(&fc__state.slot_pending, &want, FC_SLOT_TAKING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		taking_here = 1;
		claim_slot();
		__atomic_store_n(&fc__state.slot_pending, FC_SLOT_TAKEN, __ATOMIC_RELEASE);
		taking_here = 0;
		if (fc__state.matched != fc__state.private_matched)
			for (int r = 0; r < FC_MAX_RULES; r++) {
				uint64_t m = fc__state.private_matched[r], a = fc__state.private_acted[r];
				if (m)
					__atomic_add_fetch(&fc__state.matched[r], m, __ATOMIC_RELAXED);
				if (a)
					__atomic_add_fetch(&fc__state.acted[r], a, __ATOMIC_RELAXED);
			}
		return;
	}
	if (want == FC_SLOT_TAKEN || taking_here)
		return;
	for (int spins = 0; __atomic_load_n(&fc__state.slot_pending, __ATOMIC_ACQUIRE) == FC_SLOT_TAKING; spins++)
		fc__sys(SYS_sched_yield, 0, 0, 0);
}

static void map_stats(void)
{
	const char *path = fc__env("FORKCHAOS_STATS");
	if (!path || !*path)
		return;
	int fd = fc__open(path, O_RDWR | O_CLOEXEC, 0); /* /proc/PID/fd/N: no O_NOFOLLOW */
	if (fd < 0)
		return;
	struct fc_stats head;
	long got = fc__read(fd, &head, sizeof head);
	if (got == (long)sizeof head && head.magic == FC_STATS_MAGIC && head.version == FC_STATS_VERSION) {
		void *map = fc__mmap(NULL, FC_STATS_SIZE(head.nslots), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map != (void *)-1)
			fc__stats = map;
	}
	fc__close(fd);
	if (fc__stats)
		__atomic_fetch_add(&fc__stats->images, 1, __ATOMIC_RELAXED);
}

void fc__note(int rule, unsigned note)
{
	if (fc__stats && rule >= 0 && rule < FC_MAX_RULES)
		__atomic_fetch_or(&fc__stats->notes[rule], note, __ATOMIC_RELAXED);
}

void fc__note_call(int id)
{
	if (!fc__stats)
		return;
	uint64_t bit = 1ull << (id % 64), *word = &fc__stats->calls_seen[id / 64];
	if (!(__atomic_load_n(word, __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
}

/* ---- fork ---- */

static FC_FORK_PATH void atfork_prepare(void)
{
	if (fc__state.active)
		fc__before_fork();
}

static FC_FORK_PATH void atfork_child(void)
{
	if (fc__state.active)
		fc__after_fork_child();
}

typedef int (*register_fn)(void (*)(void), void (*)(void), void (*)(void), void *);

static register_fn real_register(void)
{
	static register_fn real;
	if (!real) {
		fc__guard++;
		real = (register_fn)dlsym(RTLD_NEXT, "__register_atfork");
		fc__guard--;
	}
	return real;
}

static int atfork_registered;

static void register_ours(void)
{
	register_fn real = real_register();
	if (real && !__atomic_exchange_n(&atfork_registered, 1, __ATOMIC_ACQ_REL))
		real(atfork_prepare, NULL, atfork_child, &__dso_handle);
}

/* Every atfork registration of the process passes here (the program's
 * pthread_atfork calls it with the program's own dso handle). */
int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso)
{
	register_fn real = real_register();
	if (!real)
		return ENOMEM;
	if (!__atomic_exchange_n(&atfork_registered, 1, __ATOMIC_ACQ_REL))
		real(atfork_prepare, NULL, atfork_child, &__dso_handle);
	return real(prepare, parent, child, dso);
}

/* In the child of any fork (not vfork: it shares our memory).  Reached
 * twice for a wrapped fork(), from the atfork handler and from the
 * wrapper: the pid says whether this child is reset already. */
FC_FORK_PATH void fc__after_fork_child(void)
{
	pid_t pid = fc__getpid(), parent = fc__state.my_pid;
	if (pid == parent)
		return;
	fc__state.lineage = fc__mix64(fc__state.lineage ^ fc__state.forks);
	fc__state.forks = 0;
	fc__state.my_pid = pid;
	fc__state.last_child = 0;
	fc__trace_after_fork();
	/* the index's state is on a page of its own, which a child that
	 * never needs it must not touch (a fault) */
	if (fc__state.index_used || fc__forked_with_threads())
		fc__symtab_after_fork(fc__forked_with_threads());
	reset_counts(parent, 1);
}

/* The pid of the process running this code: the cached one, unless a
 * child that shares our memory can be running (handlers.c says when),
 * where getpid() tells them apart.  It leaves the mark as it is: the
 * vfork line itself is written between the mark and the vfork (only a
 * sigaction clears it, handlers.c).
 * RACE: fork-reset: a fork child runs on the parent's cached pid (and its
 * counts) until its reset, the first thing it does (our atfork handler
 * is the first; a raw clone's wrapper resets it as the call returns): a
 * handler in that window is the parent's, for the trace as for counts. */
FC_FORK_PATH pid_t fc__current_pid(void)
{
	if (fc__one_thread() && !__atomic_load_n(&fc__state.vforked, __ATOMIC_RELAXED))
		return fc__state.my_pid;
	return fc__getpid();
}

/* ---- the start and the end of an image ---- */

void fc__life_init(void)
{
	map_stats();
	reset_counts(fc__getppid(), 0);
	register_ours();
}

/* The exit line: how this image ended and what each rule did in it. */
static FC_FORK_PATH void end_image(const char *how, int execs, int status, pid_t pid)
{
	if (!fc__state.active || fc__state.ended_pid == pid)
		return;
	fc__state.ended_pid = pid;
	fc__oracles_end(execs);
	fc__trace_exit(how, status, fc__state.matched, fc__state.acted);
}

__attribute__((destructor(101))) static void fc_fini(void)
{
	int saved_errno = errno;
	end_image("exit", 0, -1, fc__current_pid());
	errno = saved_errno;
}

/* A program without an interpreter (PT_INTERP) is linked statically: no
 * LD_PRELOAD reaches it.  Read with raw calls; 0 when unsure. */
static int statically_linked(const char *path)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;
	int fd = path ? fc__open(path, O_RDONLY | O_CLOEXEC, 0) : -1, is_static = 0;
	if (fd < 0)
		return 0;
	if (fc__read(fd, &eh, sizeof eh) == (long)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_phentsize == sizeof ph && eh.e_phnum < 256) {
		is_static = 1;
		for (int i = 0; i < eh.e_phnum && is_static; i++)
			if (fc__sys6(SYS_pread64, fd, (long)&ph, sizeof ph, (long)(eh.e_phoff + (size_t)i * sizeof ph), 0, 0) !=
				    (long)sizeof ph ||
			    ph.p_type == PT_INTERP)
				is_static = 0;
	}
	fc__close(fd);
	return is_static;
}

/* The shim's own file name, as LD_PRELOAD names it. */
static const char *our_name(void)
{
	static char name[256];
	Dl_info info;
	if (!name[0] && dladdr((void *)our_name, &info) && info.dli_fname) {
		const char *slash = strrchr(info.dli_fname, '/');
		strncpy(name, slash ? slash + 1 : info.dli_fname, sizeof name - 1);
	}
	return name;
}

/* Will the next image have the shim?  Said in the trace before it goes. */
static void note_next_image(const char *path, char *const envp[])
{
	if (!fc__state.trace_open)
		return;
	if (path && strchr(path, '/') && statically_linked(path)) {
		fc__trace_warning("exec ", path, "is statically linked: the shim does not reach it (no trace, no rule)");
		return;
	}
	if (!envp)
		return;
	const char *preload = NULL;
	for (char *const *e = envp; *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11))
			preload = *e + 11;
	if (!preload || !our_name()[0] || !strstr(preload, our_name()))
		fc__trace_warning("exec ", path ? path : "(a descriptor)",
				  "gets an environment without the shim in LD_PRELOAD: it runs without it (no trace, no rule)");
}

void fc__before_exec(const char *path, char *const envp[])
{
	if (!fc__state.active)
		return;
	note_next_image(path, envp);
	end_image("exec", 1, -1, fc__current_pid());
	/* a failed exec goes on in this image: its end is still to come */
	fc__state.ended_pid = 0;
}

/* _exit and _Exit skip the destructors: the last word is said here, then
 * the process ends as glibc's _exit ends it. */
static FC_FORK_PATH __attribute__((noreturn)) void exit_now(int status)
{
	/* Nothing reads errno after _exit but a vfork child's parent, whose
	 * memory (errno too) the child shares: kept for it.  Elsewhere it is
	 * not touched: in a fork child, that is a fault on its page and on
	 * __errno_location's. */
	pid_t pid = fc__state.active ? fc__current_pid() : 0;
	if (fc__state.active && pid != fc__state.my_pid) {
		int saved_errno = errno;
		end_image("_exit", 0, status, pid);
		errno = saved_errno;
	} else if (fc__state.active) {
		end_image("_exit", 0, status, pid);
	}
	for (;;)
		fc__sys(SYS_exit_group, status, 0, 0);
}

FC_FORK_PATH void _exit(int status)
{
	exit_now(status);
}

FC_FORK_PATH void _Exit(int status)
{
	exit_now(status);
}
