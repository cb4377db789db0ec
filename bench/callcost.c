/* callcost LOOP N: run N iterations of LOOP (one row of the table below) in
 * CHUNKS equal chunks and print the nanoseconds per iteration of the
 * fastest chunk, twice: in CPU time (this process's and its reaped
 * children's) and in wall time; then the page faults per iteration over
 * all the chunks (this process's and its children's minor faults: what
 * load on the machine does not change, where a fork's cost is).  Another program on this shared machine
 * slows a chunk, never speeds one up, so the fastest is the loop's own
 * cost; CPU time leaves out the time another program had the CPU.
 * CALLCOST_WRITE=FILE: each iteration also writes a line to FILE (below).
 * callcost rss: a small target (a few calls of each kind) that prints its
 * peak resident memory, VmHWM in KiB (of this image only: ru_maxrss keeps
 * the peak of the image before exec too).  Run with and without the shim,
 * and under the peers, by scripts/bench.sh, side by side. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNKS 5

static volatile long sink;
static int rfd = -1, wfd = -1; /* read: the pipe it reads from */
static long unread;            /* read: bytes still in it */

static double now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* This process's CPU time and its reaped children's (fork's children). */
static double cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return now_ns(CLOCK_PROCESS_CPUTIME_ID) + (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

static long minor_faults(void)
{
	struct rusage self, children;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return self.ru_minflt + children.ru_minflt;
}

static void on_usr1(int sig)
{
	sink += sig;
}

/* One line of a trace's size (a sigaction line: 191 bytes), written after
 * each iteration when CALLCOST_WRITE names a file: the least a trace that
 * writes each event costs, without the shim. */
static int line_fd = -1;
static char line[191];

static void write_line(void)
{
	if (write(line_fd, line, sizeof line) < 0)
		exit(2);
}

/* A loop: VARS, then N times BODY (and a line, when asked). */
#define LOOP(name, vars, body)                         \
	static void loop_##name(long n)                \
	{                                              \
		vars;                                  \
		if (line_fd >= 0)                      \
			for (long i = 0; i < n; i++) { \
				body;                  \
				write_line();          \
			}                              \
		else                                   \
			for (long i = 0; i < n; i++) { \
				body;                  \
			}                              \
	}

/* The pipe is kept full between chunks: a refill is one write per
 * 64 KiB of reads, too rare to show. */
static void refill(void)
{
	static char block[65536];
	long got = write(wfd, block, sizeof block);
	unread += got > 0 ? got : 0;
}

static void setup_read(void)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		perror("callcost: pipe2");
		exit(2);
	}
	rfd = fds[0];
	wfd = fds[1];
	fcntl(wfd, F_SETPIPE_SZ, 65536);
	refill();
}

static struct sigaction usr1_act;

LOOP(sigaction, struct sigaction old, sigaction(SIGUSR1, &usr1_act, &old))
LOOP(
	pipe2, int fds[2], if (pipe2(fds, O_CLOEXEC) == 0) {
		close(fds[0]);
		close(fds[1]);
	})
LOOP(fork, int status, pid_t pid = fork(); if (pid == 0) _exit(0); if (pid > 0) waitpid(pid, &status, 0))
LOOP(read, char byte, if (unread == 0) refill(); if (read(rfd, &byte, 1) == 1) unread--)
LOOP(malloc, void *p, p = malloc(32); sink += (long)p & 1; free(p))
LOOP(dup, , close(dup(1)))
LOOP(sigprocmask, sigset_t old, sigprocmask(SIG_BLOCK, NULL, &old))

static void setup_sigaction(void)
{
	usr1_act.sa_handler = on_usr1;
	sigemptyset(&usr1_act.sa_mask);
}

static const struct loop {
	const char *name;
	void (*setup)(void);
	void (*run)(long n);
} loops[] = {
	{ "sigaction", setup_sigaction, loop_sigaction },
	{ "pipe2", NULL, loop_pipe2 },
	{ "fork", NULL, loop_fork },
	{ "read", setup_read, loop_read },
	{ "malloc", NULL, loop_malloc },
	{ "dup", NULL, loop_dup },
	{ "sigprocmask", NULL, loop_sigprocmask },
};

/* A small target: a few calls of each loop (the trace writes their lines,
 * a caller= rule has built its symbol index), then its peak memory. */
static int small_target(void)
{
	char text[256];
	setup_read();
	setup_sigaction();
	for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
		loops[i].run(loops[i].run == loop_fork ? 2 : 100);
	FILE *status = fopen("/proc/self/status", "r");
	long kib = -1;
	while (status && fgets(text, sizeof text, status))
		if (!strncmp(text, "VmHWM:", 6))
			kib = atol(text + 6);
	if (status)
		fclose(status);
	printf("%ld\n", kib);
	return kib < 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	if (!strcmp(name, "rss"))
		return small_target();
	long n = argc > 2 ? atol(argv[2]) : 100000;
	const char *path = getenv("CALLCOST_WRITE");
	if (path && *path) {
		memset(line, 'x', sizeof line);
		line[sizeof line - 1] = '\n';
		line_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
		if (line_fd < 0) {
			perror(path);
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
		const struct loop *l = &loops[i];
		if (strcmp(name, l->name))
			continue;
		if (l->setup)
			l->setup();
		long chunk = n / CHUNKS > 0 ? n / CHUNKS : 1;
		double best_cpu = -1, best_wall = -1;
		long faults = minor_faults();
		for (int c = 0; c < CHUNKS; c++) {
			double cpu = cpu_ns(), wall = now_ns(CLOCK_MONOTONIC);
			l->run(chunk);
			wall = (now_ns(CLOCK_MONOTONIC) - wall) / chunk;
			cpu = (cpu_ns() - cpu) / chunk;
			if (best_cpu < 0 || cpu < best_cpu)
				best_cpu = cpu;
			if (best_wall < 0 || wall < best_wall)
				best_wall = wall;
		}
		printf("%.2f %.2f %.3f\n", best_cpu, best_wall, (double)(minor_faults() - faults) / (chunk * CHUNKS));
		return 0;
	}
	fprintf(stderr, "callcost: unknown loop '%s' (sigaction, pipe2, fork, read, malloc, dup, sigprocmask, rss)\n", name);
	return 2;
}
