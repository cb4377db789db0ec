/* hostile_fsize: the program lowers RLIMIT_FSIZE below what its trace will
 * reach (issue 9, finding 15): the trace's size now plus 100 bytes, then
 * makes traced calls.  The trace's writes must not raise SIGXFSZ in it
 * (its exit status is its own), nor leave a cut line in the trace (the test
 * reads it).  The program writes no file of its own. */
#include <sys/resource.h>
#include "hostile.h"

int main(void)
{
	const char *path = getenv("FORKCHAOS_TRACE");
	struct stat st;
	if (!path || stat(path, &st) < 0)
		return 2;
	struct rlimit limit = { (rlim_t)st.st_size + 100, RLIM_INFINITY };
	if (setrlimit(RLIMIT_FSIZE, &limit) < 0)
		return 2;
	for (int i = 0; i < 20; i++)
		pipe_closed(0);
	puts("fsize calls made");
	return 0;
}
