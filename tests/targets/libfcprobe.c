/* A shared library for the lib= selector test: its pipe() calls come from
 * libfcprobe.so, not from the probe executable. */
#include "targets.h"

int fcprobe_lib_pipe(void)
{
	return pipe_closed(0);
}
