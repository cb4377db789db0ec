/* callcost CALL N: time N calls of CALL (malloc+free, dup+close, sigprocmask)
 * and print nanoseconds per call.  callcost rss: print this process image's
 * peak resident memory (VmHWM, KiB: of this image only, unlike ru_maxrss,
 * which keeps the peak of the image before exec).  Run with and without the
 * shim by scripts/bench.sh, side by side. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *call = argc > 1 ? argv[1] : "malloc";
	if (!strcmp(call, "rss")) {
		char line[256];
		FILE *status = fopen("/proc/self/status", "r");
		while (status && fgets(line, sizeof line, status))
			if (!strncmp(line, "VmHWM:", 6))
				printf("%ld\n", atol(line + 6));
		if (status)
			fclose(status);
		return 0;
	}
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	volatile long sink = 0;
	double start = now_ns();
	if (!strcmp(call, "malloc")) {
		for (long i = 0; i < n; i++) {
			void *p = malloc(32);
			sink += (long)p & 1;
			free(p);
		}
	} else if (!strcmp(call, "dup")) {
		for (long i = 0; i < n; i++)
			close(dup(1));
	} else if (!strcmp(call, "sigprocmask")) {
		sigset_t old;
		for (long i = 0; i < n; i++)
			sigprocmask(SIG_BLOCK, NULL, &old);
	} else {
		fprintf(stderr, "callcost: unknown call %s (malloc, dup, sigprocmask)\n", call);
		return 2;
	}
	printf("%.2f\n", (now_ns() - start) / n);
	return 0;
}
