/* What tests/targets/sites and libsites.so share: one pipe2 call, inlined
 * so that each use is a call site of its own in its caller's object. */
#ifndef FC_SITES_H
#define FC_SITES_H
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* The first and the second of libsites.so's two calls, and their errnos. */
void sites_lib_pipes(int ret[2], int err[2]);

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
#endif
