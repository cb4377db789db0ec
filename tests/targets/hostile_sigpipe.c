/* hostile_sigpipe: run with FORKCHAOS_TRACE=/dev/stdout and stdout a pipe
 * whose reader leaves after one byte (`| head -c1`; issue 9, finding 15).
 * The program itself never writes to stdout: it waits (bounded, 10 s) until
 * the reader is gone, then makes traced calls and exits 0.  The trace's
 * writes must not raise SIGPIPE in it: its exit status is its own. */
#include <poll.h>
#include "hostile.h"

int main(void)
{
	struct pollfd out = { 1, 0, 0 };
	/* a pipe's write end reports POLLERR once its reader has closed */
	for (int tries = 0; tries < 100 && !(out.revents & POLLERR); tries++)
		poll(&out, 1, 100);
	for (int i = 0; i < 20; i++)
		pipe_closed(0);
	fprintf(stderr, "hostile_sigpipe: reader %s, calls made\n", out.revents & POLLERR ? "gone" : "still there");
	return 0;
}
