/* A shared library for the lib= selector test: its pipe() calls come from
 * libfcprobe.so, not from the probe executable. */
#include <unistd.h>

int fcprobe_lib_pipe(void)
{
	int fds[2];
	int ret = pipe(fds);
	if (ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	return ret;
}
