/* campaign latency: how long after a child's exit ffd_wait returns in the
 * parent.  Each child stamps CLOCK_MONOTONIC into a shared page just
 * before _exit; the parent, blocked in ffd_wait, reads the clock as soon
 * as it returns.  The difference covers the kernel's exit, the SIGCHLD
 * (generic path: the handler's peek, reap and record write, then the
 * waiter's wakeup) or the pidfd's wakeup (pidfd path), and whatever delay
 * the shim's plan adds to those calls.  One child at a time, so that the
 * children do not queue behind each other. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "campaign.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fc__campaign_latency(struct fc__campaign *c)
{
	uint64_t *stamp = mmap(NULL, sizeof *stamp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int failed = 0, unstamped = 0, rows = 0;
	if (stamp == MAP_FAILED)
		obs_die("mmap: %s", strerror(errno));
	if (c->header)
		puts("config,latency_ns");
	for (int i = 0; i < c->count; i++) {
		struct ffd_info info;
		pid_t pid;
		__atomic_store_n(stamp, 0, __ATOMIC_RELAXED);
		int fd = c->ffd.fork(c->flags, &pid);
		if (fd == FFD_CHILD_PROCESS) {
			__atomic_store_n(stamp, now_ns(), __ATOMIC_RELEASE);
			_exit(0);
		}
		if (fd < 0) {
			failed++;
			continue;
		}
		int rc = c->ffd.wait(fd, &info, 0, NULL);
		uint64_t back = now_ns();
		uint64_t died = __atomic_load_n(stamp, __ATOMIC_ACQUIRE);
		c->ffd.close(fd);
		if (rc < 0)
			failed++;
		else if (!died || died > back)
			unstamped++; /* the child died before its stamp (killed): no sample */
		else {
			printf("%s,%llu\n", c->label, (unsigned long long)(back - died));
			rows++;
		}
	}
	fflush(stdout);
	munmap(stamp, sizeof *stamp);
	fprintf(stderr, "campaign latency: %s: %d children, %d rows, %d failed, %d without a stamp\n", c->label, c->count, rows,
		failed, unstamped);
	return failed || unstamped ? 1 : 0;
}
