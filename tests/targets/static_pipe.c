/* static_pipe: a statically linked program (built with -static) that makes
 * one pipe2: no LD_PRELOAD reaches it, which forkchaos must say rather than
 * run it silently without the plan. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int fds[2];
	int ret = pipe2(fds, O_CLOEXEC);
	printf("static pipe2 %d\n", ret);
	return 0;
}
