/* closer twice|once|minus-one: opens a pipe and closes its read end twice
 * (the second close() fails with EBADF: double-close must flag it) or once
 * (the sound twin), or once and then close(-1) (a no-op, as dash makes:
 * no finding); the write end is closed once in all. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int twice = argc > 1 && !strcmp(argv[1], "twice"), minus_one = argc > 1 && !strcmp(argv[1], "minus-one"), fds[2];
	if (pipe(fds) < 0)
		return 2;
	close(fds[0]);
	if (twice)
		close(fds[0]);
	if (minus_one)
		close(-1);
	close(fds[1]);
	printf("closed\n");
	return 0;
}
