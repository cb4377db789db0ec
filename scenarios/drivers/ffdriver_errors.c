/* The error paths: a libffd call fails with the errno the plan injected
 * and takes nothing with it (windows 5 to 8, 10), and ffd_close closes only
 * its own descriptor (window 9). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include "ffdriver.h"

extern char **environ;

/* ffd_fork must fail with the injected errno EXPECTED and take nothing
 * with it: no descriptor, no child. */
static int fail_fork(const char *expected, int extra_flags)
{
	struct fc__gate hold;
	fc__gate_make(&hold);
	int before = obs_fd_count();
	int fd = fc__held_child(FFD_USE_FORK | extra_flags, 1, &hold, NULL);
	int err = errno;
	obs("result ffd_fork %d %s %s", fd, fd < 0 ? obs_errno(err) : "0", expected);
	if (extra_flags & FFD_NONBLOCK) {
		int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
		obs("flag nonblock %s %s", fd >= 0 ? "1" : "n/a", fd >= 0 ? ((fl & O_NONBLOCK) ? "1" : "0") : "n/a");
	}
	int after = obs_fd_count() - (fd >= 0);
	obs("fds %d %d", before, after);
	fc__gate_open(&hold); /* a child that was made anyway exits now */
	if (fd >= 0)
		fc__reap_quietly(fd);
	return 0;
}

/* Windows 5, 6, 10: a pipe, the fork or the child's release fails. */
int fc__fail_fork(const struct fc__args *args)
{
	return fail_fork(args->word, 0);
}

/* Window 8: FFD_NONBLOCK must hold, or ffd_fork fail (with the fcntl's
 * errno, EBADF by default). */
int fc__nonblock(const struct fc__args *args)
{
	return fail_fork(args->word, FFD_NONBLOCK | FFD_CLOEXEC);
}

/* Window 7: ffd_spawn's errno comes from posix_spawn's return value. */
int fc__spawn_fail(const struct fc__args *args)
{
	pid_t pid;
	char *argv[] = { "/bin/true", NULL };
	errno = 0;
	int fd = fc__ffd.spawn(args->path_flags, &pid, "/bin/true", NULL, NULL, argv, environ);
	obs("result ffd_spawn %d %s %s", fd, fd < 0 ? obs_errno(errno) : "0", args->word);
	if (fd >= 0)
		fc__reap_quietly(fd);
	return 0;
}

/* ffd_spawn of a shell that exits 3, then of a missing program (ENOENT). */
int fc__spawn(const struct fc__args *args)
{
	pid_t pid;
	char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	int before = obs_fd_count();
	int fd = fc__ffd.spawn(args->path_flags, &pid, "/bin/sh", NULL, NULL, argv, environ);
	obs("spawned 3");
	if (fd >= 0)
		fc__reap_reported(3, fd); /* child 3's expected status is exited:3 */
	else
		obs("result ffd_spawn -1 %s 0", obs_errno(errno));
	char *missing[] = { "/nonexistent/forkchaos-missing", NULL };
	errno = 0;
	fd = fc__ffd.spawn(args->path_flags, &pid, missing[0], NULL, NULL, missing, environ);
	obs("result ffd_spawn %d %s ENOENT", fd, fd < 0 ? obs_errno(errno) : "0");
	if (fd >= 0)
		fc__ffd.close(fd);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* Window 9: ffd_close's close() reports EINTR after it closed the fd (the
 * plan); its SIGUSR1 makes our handler take that very number for a file of
 * ours.  A retried close would close our file. */
static volatile int victim_fd = -1, freed_fd = -1;

static void take_freed_number(int sig)
{
	int saved = errno;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* no close() here: the plan's rule must see only libffd's */
	if (fd >= 0 && freed_fd >= 0 && fd != freed_fd && dup2(fd, freed_fd) == freed_fd)
		fd = freed_fd;
	victim_fd = fd;
	errno = saved;
}

/* The call under test, in a function of its own for the plan's caller=. */
__attribute__((noinline)) static int release_under_test(int fd)
{
	int ret = fc__ffd.close(fd);
	__asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
	return ret;
}

int fc__close_reuse(const struct fc__args *args)
{
	fc__on_signal(SIGUSR1, take_freed_number);
	int fd = fc__held_child_or_die(args->path_flags, 1, NULL, NULL);
	fc__wait_and_report(1, fd);
	freed_fd = fd;
	int ret = release_under_test(fd);
	obs("result ffd_close %d %s 0", ret, ret < 0 ? obs_errno(errno) : "0");
	if (victim_fd < 0)
		obs("note the plan's SIGUSR1 never came: the close was not the one injected");
	else
		obs("fd_intact %d %d", victim_fd, fcntl(victim_fd, F_GETFD) >= 0);
	return 0;
}
