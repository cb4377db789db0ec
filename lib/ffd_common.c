/* The public entry points (dispatch between the two paths) and the helpers
 * both paths share. */
#include "ffd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Both paths start from a close-on-exec descriptor (pipe2(O_CLOEXEC), and the
 * kernel makes every pidfd close-on-exec), then adjust it with fcntl. */
int ffd__set_fd_flags(int fd, int flags)
{
	if (FFD_DEFECT(FCNTL_UNCHECKED)) {
		/* DEFECT fcntl-unchecked (review 6, window 8): results ignored, so
		 * a failure silently loses FFD_NONBLOCK or clears nothing. */
		if (flags & FFD_NONBLOCK)
			(void)fcntl(fd, F_SETFL, O_NONBLOCK);
		if (!(flags & FFD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, 0);
		return 0;
	}
	/* RACE: window 8 (fcntl failure ignored): every fcntl is checked and its
     * errno reported; the caller releases everything it took. */
	if ((flags & FFD_NONBLOCK) && fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	if (!(flags & FFD_CLOEXEC) && fcntl(fd, F_SETFD, 0) < 0)
		return -1;
	return 0;
}

/* Cleanup-path close: one attempt, never retried (the descriptor is gone on
 * Linux even on EINTR), and the caller's errno survives. */
void ffd__close_keep_errno(int fd)
{
	int saved_errno = errno;
	if (fd >= 0)
		close(fd);
	errno = saved_errno;
}

/* ffd_close's close: exactly one attempt. */
int ffd__close_fd(int fd)
{
	if (FFD_DEFECT(CLOSE_EINTR_RETRY)) {
		/* DEFECT close-eintr-retry (review 7, window 9): on Linux the
		 * descriptor is already released when close() reports EINTR, so
		 * the retry closes whatever now has that number (another thread's
		 * fd), or fails EBADF. */
		int ret;
		do
			ret = close(fd);
		while (ret < 0 && errno == EINTR);
		return ret;
	}
	/* RACE: window 9 (close retried on EINTR): never retried; EINTR means
     * the descriptor is gone, which is what the caller asked for. */
	if (close(fd) < 0 && errno != EINTR)
		return -1;
	return 0;
}

void ffd__decode_status(int wstatus, struct ffd__record *rec)
{
	if (WIFEXITED(wstatus)) {
		rec->code = CLD_EXITED;
		rec->status = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus)) {
		rec->code = WCOREDUMP(wstatus) ? CLD_DUMPED : CLD_KILLED;
		rec->status = WTERMSIG(wstatus);
	} else {
		/* Not reachable with WEXITED only; keep the raw value visible. */
		rec->code = 0;
		rec->status = wstatus;
	}
}

/* Used on error paths after the child exists but before it is handed to the
 * caller: nobody else may reap it (its slot is not published, or its pidfd
 * is not returned), so reap it here.  errno is preserved. */
void ffd__kill_and_reap(pid_t pid)
{
	int saved_errno = errno;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	errno = saved_errno;
}

/* posix_spawn in the library's own convention, -1 and errno, for both
 * paths. */
int ffd__posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		     char *const argv[], char *const envp[])
{
	int err = posix_spawn(pid, path, fa, attr, argv, envp);
	if (err == 0)
		return 0;
	/* RACE: window 7 (posix_spawn returns its error, it does not set
     * errno): errno is set from the return value.
     * DEFECT spawn-errno (review 4, window 7): without it, the caller sees
     * whatever errno happened to hold. */
	if (!FFD_DEFECT(SPAWN_ERRNO))
		errno = err;
	return -1;
}

int ffd_fork(int flags, pid_t *ppid)
{
	if (flags & ~FFD__ALL_FLAGS) {
		errno = EINVAL;
		return -1;
	}
	if (!(flags & FFD_USE_FORK)) {
		int fd = ffd__pidfd_fork(flags, ppid);
		if (fd != FFD__FALLBACK)
			return fd;
	}
	return ffd__generic_fork(flags, ppid);
}

int ffd_spawn(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
	      char *const argv[], char *const envp[])
{
	if (flags & ~FFD__ALL_FLAGS) {
		errno = EINVAL;
		return -1;
	}
	if (!(flags & FFD_USE_FORK)) {
		int fd = ffd__pidfd_spawn(flags, ppid, path, fa, attr, argv, envp);
		if (fd != FFD__FALLBACK)
			return fd;
	}
	return ffd__generic_spawn(flags, ppid, path, fa, attr, argv, envp);
}

int ffd_wait(int fd, struct ffd_info *info, int options, struct rusage *ru)
{
	if (options & ~FFD__ALL_OPTIONS) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0) {
		errno = EBADF; /* as for any call given no descriptor */
		return -1;
	}
	/* A descriptor found in the slot table is a death pipe; anything else is
     * handed to waitid(P_PIDFD), which rejects what is not a pidfd. */
	struct ffd__slot *slot = ffd__slot_find(fd);
	if (slot)
		return ffd__generic_wait(slot, fd, info, options, ru);
	return ffd__pidfd_wait(fd, info, options, ru);
}

int ffd_close(int fd)
{
	struct ffd__slot *slot = ffd__slot_find(fd);
	if (slot)
		return ffd__generic_close(slot, fd);
	return ffd__pidfd_close(fd);
}
