/* The library half of tests/targets/sites: two pipe2 calls in one
 * function, which caller=sites_lib_pipes names both of; only their sites
 * (libsites.so+0xOFFSET) tell them apart. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Inlined: each use is a call instruction of its own in the caller. */
__attribute__((always_inline)) static inline int pipe_once(int *err)
{
	int fds[2];
	int ret = pipe2(fds, O_CLOEXEC);
	*err = ret < 0 ? errno : 0;
	if (ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	return ret;
}

/* The results of the first and the second call, and their errnos. */
void sites_lib_pipes(int ret[2], int err[2])
{
	ret[0] = pipe_once(&err[0]);
	ret[1] = pipe_once(&err[1]);
}
