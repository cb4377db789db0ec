/* hostile_faketime: calls that libfaketime answers (clock_gettime, time)
 * between calls the shim traces (pthread_sigmask, pipe2), for a run with
 * libfaketimeMT preloaded after the shim (issue 9, finding 2): its
 * clock_gettime calls pthread_sigmask, which is the shim's, which traces,
 * which reads the clock...  The shim's own clock must be libc's.  Prints
 * "faketime ok" and the year the program saw. */
#include <fcntl.h>
#include <signal.h>
#include "hostile.h"

int main(void)
{
	struct timespec ts = { 0, 0 };
	sigset_t set, old;
	int fds[2];
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (int i = 0; i < 50; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		pthread_sigmask(SIG_BLOCK, &set, &old);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (pipe2(fds, O_CLOEXEC) == 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	printf("faketime ok year %d\n", tm.tm_year + 1900);
	return 0;
}
