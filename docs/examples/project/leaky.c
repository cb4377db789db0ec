/* leaky: exits with a pipe still open, on purpose.  It passes on its own
 * (exit 0) and fails under `forkchaos run --check all` (fds): the example's
 * build files mark it expected to fail, so their suites pass only when the
 * tests really run under forkchaos. */
#include <unistd.h>

int main(void)
{
	int fds[2];
	return pipe(fds) < 0;
}
