/* libffd internals shared by the generic (SIGCHLD) path and the pidfd path.
 * Nothing here is exported: the version script keeps only ffd_*. */
#ifndef FFD_INTERNAL_H
#define FFD_INTERNAL_H

#include "ffd.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>

/* Returned by the pidfd path when the kernel (or a seccomp filter) has no
 * pidfd support: the caller falls back to the generic path. */
#define FFD__FALLBACK (-3)

/* Seeded defects (defects.def, DEFECTS.md).  A defect build compiles these
 * same sources with -DFFD_DEFECT_NAME=ID; FFD_DEFECT(ID) is an integer
 * constant expression, 1 in that build and 0 in every other, so each faulty
 * branch is compiled and type-checked in the fixed build too (it cannot rot
 * unseen) and the optimizer drops it there.  An ID missing from the list
 * does not compile. */
enum ffd__defect {
	FFD__DEFECT_NONE = 0,
#define D(id, window, review, what) FFD__DEFECT_##id,
#include "defects.def"
#undef D
};
/* The only conditional: it selects a defect, it hides no code. */
#if !defined(FFD_DEFECT_NAME)
#define FFD_DEFECT_NAME NONE /* the fixed library */
#endif
#define FFD__DEFECT_ENUM(id) FFD__DEFECT_##id
#define FFD__DEFECT_SELECTED(name) FFD__DEFECT_ENUM(name) /* expands FFD_DEFECT_NAME first */
#define FFD_DEFECT(id) (FFD__DEFECT_##id == FFD__DEFECT_SELECTED(FFD_DEFECT_NAME))

#define FFD__ALL_FLAGS (FFD_CLOEXEC | FFD_NONBLOCK | FFD_USE_FORK)
#define FFD__ALL_OPTIONS (FFD_WNOHANG | FFD_WNOWAIT)

/* How long a blocking ffd_wait() on the generic path sleeps in poll() before
 * it checks for itself whether the child died unseen or was taken by a
 * foreign reaper. */
#define FFD__RECHECK_MS 100

/* The status record the SIGCHLD side hands to the waiter: written to the
 * death pipe in one write (well below PIPE_BUF) and kept in the slot too, so
 * a failed or short pipe write never loses the status. */
struct ffd__record {
	int32_t code;
	int32_t status;
	int32_t error; /* 0, or ECHILD when a foreign reaper took the child */
	int32_t reserved;
	struct rusage ru;
};

/* Slot life cycle (all transitions by compare-and-swap or by the only owner):
 *   FREE -> RESERVED   ffd__slot_reserve (creator owns it exclusively)
 *   RESERVED -> LIVE   publication: the pid is visible to the handler
 *   LIVE -> CLAIMED    whoever sees the child dead first (handler, the
 *                      publishing parent, a polling waiter) claims it
 *   CLAIMED -> DONE    status stored, record written, write end closed
 *   LIVE -> ORPHAN     ffd_close of a live child: the handler reaps later
 *   ORPHAN -> CLAIMED -> FREE   reaped without a record
 *   DONE -> FREE       ffd_close
 *   CLAIMED -> LIVE/ORPHAN      the claim is given back (reap not possible yet)
 */
enum ffd__slot_state {
	FFD__SLOT_FREE = 0,
	FFD__SLOT_RESERVED,
	FFD__SLOT_LIVE,
	FFD__SLOT_CLAIMED,
	FFD__SLOT_DONE,
	FFD__SLOT_ORPHAN,
};

struct ffd__slot {
	_Atomic int state;
	_Atomic pid_t owner; /* process that reserved it (forked children
                                inherit a copy of the table and must skip
                                their parent's slots) */
	_Atomic pid_t pid;
	_Atomic int read_fd;
	_Atomic int write_fd;
	_Atomic int consumed; /* status taken by a plain ffd_wait */
	struct ffd__record record;
};

/* The table: a linked list of fixed-size blocks.  The first block is static
 * (no allocation for the first 64 children); more blocks are appended with a
 * compare-and-swap on the tail's next pointer and never freed, so a signal
 * handler can walk the list at any time without locks. */
#define FFD__BLOCK_SLOTS 64

struct ffd__block {
	struct ffd__slot slots[FFD__BLOCK_SLOTS];
	struct ffd__block *_Atomic next;
};

extern struct ffd__block ffd__first_block;

/* ffd_slots.c */
struct ffd__slot *ffd__slot_reserve(void);
void ffd__slot_release(struct ffd__slot *slot);
struct ffd__slot *ffd__slot_find(int fd);
#define FFD__STATE_BIT(state) (1u << (state))
struct ffd__slot *ffd__slot_each(unsigned states, struct ffd__slot *(*fn)(struct ffd__slot *, void *), void *arg);

/* ffd_sigchld.c */
int ffd__sigchld_install(void);
enum ffd__check { FFD__CHILD_ALIVE, FFD__CHILD_FINISHED, FFD__CHILD_RETRY };
enum ffd__check ffd__slot_check(struct ffd__slot *slot);
void ffd__sweep_orphans(void);

/* ffd_generic.c */
int ffd__generic_fork(int flags, pid_t *ppid);
int ffd__generic_spawn(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int ffd__generic_wait(struct ffd__slot *slot, int fd, struct ffd_info *info, int options, struct rusage *ru);
int ffd__generic_close(struct ffd__slot *slot, int fd);

/* ffd_pidfd.c */
int ffd__pidfd_fork(int flags, pid_t *ppid);
int ffd__pidfd_spawn(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int ffd__pidfd_wait(int fd, struct ffd_info *info, int options, struct rusage *ru);
int ffd__pidfd_close(int fd);

/* ffd_common.c */
int ffd__set_fd_flags(int fd, int flags);
void ffd__close_keep_errno(int fd);
int ffd__close_fd(int fd);
void ffd__decode_status(int wstatus, struct ffd__record *rec);
void ffd__kill_and_reap(pid_t pid);
int ffd__posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		     char *const argv[], char *const envp[]);

#endif /* FFD_INTERNAL_H */
