/* libffd: fork a child and get back a file descriptor that becomes readable
 * when the child dies.
 *
 * Two implementations sit behind one API:
 *
 *  - pidfd path (default when the kernel has clone3/clone with CLONE_PIDFD
 *    and waitid(P_PIDFD)): the returned descriptor is a pidfd.  No SIGCHLD
 *    handler is installed.  The child is created by a raw clone system call,
 *    so pthread_atfork handlers do not run in it: as after vfork, the child
 *    should keep to async-signal-safe calls until it execs or _exit()s.
 *    Pass FFD_USE_FORK when the child needs full fork() semantics.
 *
 *  - generic path (FFD_USE_FORK, or no pidfd support): the child comes from
 *    fork(); a process-wide SIGCHLD handler (installed once, chaining to the
 *    previous disposition, SA_RESTART) reaps it and writes its status to a
 *    per-child "death pipe" whose read end is the returned descriptor.
 *
 * Errors: -1 with errno set to the errno of the first failure.
 *
 * Reaping: every child is reaped exactly once, by the library.  ffd_close()
 * on a child that is still running does not leave a zombie: on the generic
 * path the SIGCHLD handler reaps it when it dies; on the pidfd path a small
 * detached reaper thread (created by that ffd_close) waits for it and reaps
 * it.  A child taken by a foreign reaper (waitpid(-1) elsewhere, SIGCHLD set
 * to SIG_IGN, SA_NOCLDWAIT) makes ffd_wait() fail with ECHILD within a
 * bounded time (about 100 ms) instead of blocking forever.
 */
#ifndef FFD_H
#define FFD_H

#include <spawn.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by ffd_fork() in the child. */
#define FFD_CHILD_PROCESS (-2)

/* ffd_fork()/ffd_spawn() flags.  FFD_USE_FORK forces the SIGCHLD path. */
enum { FFD_CLOEXEC = 1, FFD_NONBLOCK = 2, FFD_USE_FORK = 4 };

/* ffd_wait() options. */
enum { FFD_WNOHANG = 1, FFD_WNOWAIT = 2 };

/* code: CLD_EXITED, CLD_KILLED or CLD_DUMPED; status: the exit code, or the
 * number of the signal that killed the child. */
struct ffd_info {
	int32_t code;
	int32_t status;
};

/* Parent: returns the descriptor and stores the child's pid in *ppid (ppid
 * may be NULL).  Child: returns FFD_CHILD_PROCESS. */
int ffd_fork(int flags, pid_t *ppid);

/* posix_spawn() with a descriptor.  Fails with posix_spawn's error in errno
 * (for example ENOENT for a missing program). */
int ffd_spawn(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
	      char *const argv[], char *const envp[]);

/* Wait for the child behind fd.  Blocks unless FFD_WNOHANG is given or fd was
 * created with FFD_NONBLOCK, in which case a live child gives -1/EAGAIN.
 * FFD_WNOWAIT reports the status without consuming it: a later ffd_wait()
 * gets the same status.  After the status was consumed, -1/ECHILD.
 * ru may be NULL. */
int ffd_wait(int fd, struct ffd_info *info, int options, struct rusage *ru);

/* Release fd.  Never retries close() on EINTR (on Linux the descriptor is
 * gone by then); EINTR from close() is reported as success. */
int ffd_close(int fd);

#ifdef __cplusplus
}
#endif

#endif /* FFD_H */
