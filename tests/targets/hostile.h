/* What the hostile_* reproducers (issue 9: an adversarial review of the
 * shim's promises) share: a "JIT" stub whose calls come from no loaded
 * object, the trace's descriptor found from inside the target, the number of
 * open descriptors, and a bounded wait on a flag.  Each reproducer prints
 * what it saw and, where the finding is a race, exits 1 when this run
 * showed the bug (so that scripts/stress.sh can count k/N). */
#ifndef FC_HOSTILE_H
#define FC_HOSTILE_H
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include "targets.h"

/* FN(ARG) called from a few bytes of machine code in an anonymous page,
 * as a JIT's or libffi's stub calls: the return address the shim sees is in
 * no loaded object.  x86-64; the stub keeps the callee's stack aligned and
 * makes a real call (not a tail jump), so the page is the caller. */
typedef int (*hostile_stub)(int (*fn)(int *), int *arg);

static inline hostile_stub hostile_jit(void)
{
	static const unsigned char code[] = {
		0x48, 0x83, 0xec, 0x08, /* sub $8, %rsp */
		0x48, 0x89, 0xf8,       /* mov %rdi, %rax */
		0x48, 0x89, 0xf7,       /* mov %rsi, %rdi */
		0xff, 0xd0,             /* call *%rax */
		0x48, 0x83, 0xc4, 0x08, /* add $8, %rsp */
		0xc3,                   /* ret */
	};
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return NULL;
	memcpy(page, code, sizeof code);
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC) < 0)
		return NULL;
	return (hostile_stub)page;
}

/* The number the shim's trace has now (-1: none), told from the trace
 * file's identity: fstat is not intercepted, so the search itself leaves no
 * line in the trace. */
static inline int hostile_trace_fd(void)
{
	const char *path = getenv("FORKCHAOS_TRACE");
	struct stat want, st;
	if (!path || stat(path, &want) < 0)
		return -1;
	for (int fd = 3; fd < 4096; fd++)
		if (fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
			return fd;
	return -1;
}

/* Descriptors open in this process, not counting the directory's own. */
static inline int hostile_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;
	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n - 3; /* ".", ".." and the directory's descriptor */
}

static inline double hostile_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spin (yielding) until *FLAG is at least WANT or SECONDS have passed: a
 * bound on a condition, never a guess at how long something takes.
 * Returns 1 when the condition held. */
static inline int hostile_await(const int *flag, int want, double seconds)
{
	double end = hostile_now() + seconds;
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < want)
		if (hostile_now() > end)
			return 0;
		else
			sched_yield();
	return 1;
}

/* The directory this program lives in (build/targets), for the shared
 * objects built beside it. */
static inline const char *hostile_dir(void)
{
	static char dir[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	dir[n > 0 ? n : 0] = 0;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	return dir;
}
#endif
