/* Hand-written wrappers for the CUSTOM lines of calls.def: calls whose
 * outputs must go through a private buffer for at=inside, whose arguments
 * are variadic, whose child needs bookkeeping, or that may close the trace. */
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdarg.h>
#include <unistd.h>
#include "shim.h"

#define RA __builtin_return_address(0)

/* ---- fork, _Fork: the child starts counting again at 1 ---- */

static pid_t fork_common(int id, pid_t (*real)(void), void *ra)
{
	struct fc_call c;
	long ret;
	int active = fc__enter(&c, id, -1, -1, ra);
	if (active && fc__pre(&c, &ret))
		return (pid_t)ret;
	if (fc__state.active)
		fc__before_fork();
	pid_t pid = real();
	if (pid == 0) {
		int err = errno;
		if (fc__state.active)
			fc__after_fork_child();
		if (active) {
			c.child_side = 1;
			c.rule = -1;
			fc__post(&c, 0);
		}
		errno = err;
		return 0;
	}
	if (pid > 0)
		fc__note_child(pid);
	return active ? (pid_t)fc__post(&c, pid) : pid;
}

pid_t fork(void)
{
	return fork_common(FC_ID_fork, FC_REAL(fork), RA);
}

pid_t _Fork(void)
{
	return fork_common(FC_ID__Fork, FC_REAL(_Fork), RA);
}

/* ---- vfork: decided here, passed through by a tail jump (vfork.S) ---- */

/* Returns 1 when the call is answered without vfork (*out holds the value),
 * 0 to pass through.  The vfork child runs on our caller's stack and shares
 * our memory: nothing after the real vfork may run in a C frame of ours. */
int fc__vfork_enter(long *out, void *ra) FC_HIDDEN;
int fc__vfork_enter(long *out, void *ra)
{
	struct fc_call c;
	extern void *fc__real_vfork FC_HIDDEN;
	if (FC_UNLIKELY(!fc__real_vfork)) /* called before our constructor ran */
		fc__real_vfork = FC_REAL(vfork);
	if (!fc__enter(&c, FC_ID_vfork, -1, -1, ra))
		return 0;
	if (fc__pre(&c, out))
		return 1;
	c.ret_unknown = 1;
	fc__trace_event(&c, 0, 0);
	errno = c.saved_errno;
	return 0;
}

/* ---- posix_spawn(p): the child's pid is noted for @child and wait_child= */

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const[],
			char *const[]);

static int spawn_common(int id, spawn_fn real, void *ra, pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct fc_call c;
	long ret;
	pid_t child = 0;
	if (FC_LIKELY(!fc__enter(&c, id, -1, -1, ra)))
		return real(pid, path, fa, attr, argv, envp);
	if (fc__pre(&c, &ret))
		return (int)ret;
	int result = real(&child, path, fa, attr, argv, envp);
	if (result == 0) {
		fc__note_child(child);
		if (pid)
			*pid = child;
	}
	return (int)fc__post(&c, result);
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		char *const argv[], char *const envp[])
{
	return spawn_common(FC_ID_posix_spawn, FC_REAL(posix_spawn), RA, pid, path, fa, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		 char *const argv[], char *const envp[])
{
	return spawn_common(FC_ID_posix_spawnp, FC_REAL(posix_spawnp), RA, pid, file, fa, attr, argv, envp);
}

/* ---- clone: without CLONE_VM the child is a forked process ---- */

struct clone_target {
	int (*fn)(void *);
	void *arg;
};

static int clone_trampoline(void *target)
{
	/* Runs in the child, on its own copy of our memory. */
	struct clone_target *t = target;
	fc__after_fork_child();
	return t->fn(t->arg);
}

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	int (*real)(int (*)(void *), void *, int, void *, ...) = FC_REAL(clone);
	struct fc_call c;
	long ret;
	va_list ap;
	va_start(ap, arg);
	void *ptid = va_arg(ap, void *), *tls = va_arg(ap, void *), *ctid = va_arg(ap, void *);
	va_end(ap);

	int active = fc__enter(&c, FC_ID_clone, -1, -1, RA);
	if (active && fc__pre(&c, &ret))
		return (int)ret;
	int result;
	if ((flags & CLONE_VM) || !fc__state.active) {
		result = real(fn, stack, flags, arg, ptid, tls, ctid);
	} else {
		/* A stack local is valid in the child: it gets a copy of it. */
		struct clone_target target = { fn, arg };
		fc__before_fork();
		result = real(clone_trampoline, stack, flags, &target, ptid, tls, ctid);
	}
	if (result > 0 && !(flags & CLONE_THREAD))
		fc__note_child(result);
	return active ? (int)fc__post(&c, result) : result;
}

/* ---- calls with outputs: at=inside acts between the kernel's work and the
 * copy into the caller's buffer ---- */

#define INSIDE_WRAPPER(name, sigx, type, out, call_with)                         \
	{                                                                        \
		struct fc_call c;                                                \
		long ret;                                                        \
		if (FC_LIKELY(!fc__enter(&c, FC_ID_##name, (sigx), -1, RA)))     \
			return real call_with(out);                              \
		if (fc__pre(&c, &ret))                                           \
			return (int)ret;                                         \
		int result;                                                      \
		if (fc__wants_inside(&c) && (out)) {                             \
			type private_out;                                        \
			result = real call_with(&private_out);                   \
			fc__inside(&c);                                          \
			if (result == 0)                                         \
				memcpy((out), &private_out, sizeof private_out); \
		} else {                                                         \
			result = real call_with(out);                            \
		}                                                                \
		return (int)fc__post(&c, result);                                \
	}

#include <string.h>

/* RACE: window 1 (torn oldact): with at=inside the new disposition is live
 * and the signal is delivered before the caller's oldact is filled. */
int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	int (*real)(int, const struct sigaction *, struct sigaction *) = FC_REAL(sigaction);
#define CALL_WITH(o) (sig, act, o)
	INSIDE_WRAPPER(sigaction, sig, struct sigaction, oldact, CALL_WITH)
#undef CALL_WITH
}

int sigprocmask(int how, const sigset_t *set, sigset_t *oldset)
{
	int (*real)(int, const sigset_t *, sigset_t *) = FC_REAL(sigprocmask);
#define CALL_WITH(o) (how, set, o)
	INSIDE_WRAPPER(sigprocmask, -1, sigset_t, oldset, CALL_WITH)
#undef CALL_WITH
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset)
{
	int (*real)(int, const sigset_t *, sigset_t *) = FC_REAL(pthread_sigmask);
#define CALL_WITH(o) (how, set, o)
	INSIDE_WRAPPER(pthread_sigmask, -1, sigset_t, oldset, CALL_WITH)
#undef CALL_WITH
}

typedef int fd_pair[2];

int pipe(int fds[2])
{
	int (*real)(int *) = FC_REAL(pipe);
	int *pair = fds;
#define CALL_WITH(o) (*(o))
	INSIDE_WRAPPER(pipe, -1, fd_pair, (fd_pair *)pair, CALL_WITH)
#undef CALL_WITH
}

int pipe2(int fds[2], int flags)
{
	int (*real)(int *, int) = FC_REAL(pipe2);
	int *pair = fds;
#define CALL_WITH(o) (*(o), flags)
	INSIDE_WRAPPER(pipe2, -1, fd_pair, (fd_pair *)pair, CALL_WITH)
#undef CALL_WITH
}

/* ---- calls that may take the trace descriptor from under us ---- */

int close(int fd)
{
	int (*real)(int) = FC_REAL(close);
	struct fc_call c;
	long ret;
	fc__trace_guard_fd(fd);
	if (FC_LIKELY(!fc__enter(&c, FC_ID_close, -1, fd, RA)))
		return real(fd);
	if (fc__pre(&c, &ret))
		return (int)ret;
	/* RACE: window 9 (close retried on EINTR): at=exit:error=EINTR reports
	 * EINTR after the kernel closed the fd, exactly as Linux does. */
	return (int)fc__post(&c, real(fd));
}

int dup2(int oldfd, int newfd)
{
	int (*real)(int, int) = FC_REAL(dup2);
	struct fc_call c;
	long ret;
	if (oldfd != newfd)
		fc__trace_guard_fd(newfd);
	if (FC_LIKELY(!fc__enter(&c, FC_ID_dup2, -1, oldfd, RA)))
		return real(oldfd, newfd);
	if (fc__pre(&c, &ret))
		return (int)ret;
	return (int)fc__post(&c, real(oldfd, newfd));
}

int dup3(int oldfd, int newfd, int flags)
{
	int (*real)(int, int, int) = FC_REAL(dup3);
	struct fc_call c;
	long ret;
	if (oldfd != newfd)
		fc__trace_guard_fd(newfd);
	if (FC_LIKELY(!fc__enter(&c, FC_ID_dup3, -1, oldfd, RA)))
		return real(oldfd, newfd, flags);
	if (fc__pre(&c, &ret))
		return (int)ret;
	return (int)fc__post(&c, real(oldfd, newfd, flags));
}

/* fcntl's third argument is an int or a pointer; passing it on as a pointer-
 * sized word is what glibc itself does. */
int fcntl(int fd, int cmd, ...)
{
	int (*real)(int, int, ...) = FC_REAL(fcntl);
	struct fc_call c;
	long ret;
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (FC_LIKELY(!fc__enter(&c, FC_ID_fcntl, -1, fd, RA)))
		return real(fd, cmd, arg);
	if (fc__pre(&c, &ret))
		return (int)ret;
	return (int)fc__post(&c, real(fd, cmd, arg));
}

int close_range(unsigned int first, unsigned int last, int flags)
{
	int (*real)(unsigned int, unsigned int, int) = FC_REAL(close_range);
	struct fc_call c;
	long ret;
	int hit = fc__trace_range_begin(first, last, flags & CLOSE_RANGE_CLOEXEC);
	int result;
	if (FC_LIKELY(!fc__enter(&c, FC_ID_close_range, -1, (int)first, RA))) {
		result = real(first, last, flags);
	} else if (fc__pre(&c, &ret)) {
		result = (int)ret;
	} else {
		result = (int)fc__post(&c, real(first, last, flags));
	}
	fc__trace_range_end(hit);
	return result;
}

void closefrom(int lowfd)
{
	void (*real)(int) = FC_REAL(closefrom);
	struct fc_call c;
	long ret;
	int hit = fc__trace_range_begin(lowfd < 0 ? 0 : (unsigned)lowfd, ~0u, 0);
	if (FC_LIKELY(!fc__enter(&c, FC_ID_closefrom, -1, lowfd, RA))) {
		real(lowfd);
	} else if (!fc__pre(&c, &ret)) {
		real(lowfd);
		fc__post(&c, 0);
	}
	fc__trace_range_end(hit);
}
