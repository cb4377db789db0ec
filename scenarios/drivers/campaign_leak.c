/* campaign leak: COUNT cycles of ffd_fork (or ffd_spawn) + ffd_wait +
 * ffd_close, under whatever the shim's plan injects (make demo: fork
 * EAGAIN 10%, pipe2 EMFILE 5%, seeded), and every EVERY cycles a census of
 * what the process holds: open descriptors, live children, zombies.  A
 * library that releases everything on each error path keeps all three
 * flat; one that leaks grows. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include "campaign.h"

extern char **environ;

/* What went wrong, for the summary: each errno of a failed ffd_fork. */
struct tally {
	int errnos[8], counts[8], other;
	int failed, wait_failed, bad_status, close_failed;
};

static void count_errno(struct tally *t, int err)
{
	t->failed++;
	for (size_t i = 0; i < sizeof t->errnos / sizeof t->errnos[0]; i++) {
		if (t->counts[i] && t->errnos[i] != err)
			continue;
		t->errnos[i] = err;
		t->counts[i]++;
		return;
	}
	t->other++;
}

/* The state letter and parent of /proc/PID/stat: "pid (comm) S ppid ...",
 * comm may hold spaces and parentheses, so it is read from the last ')'. */
static int proc_state(const char *pid, char *state, long *ppid)
{
	char path[300], buf[512];
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1; /* gone meanwhile */
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *end = strrchr(buf, ')');
	return end && sscanf(end + 1, " %c %ld", state, ppid) == 2 ? 0 : -1;
}

/* This process's children, live and zombie, from a scan of /proc: the
 * kernel's per-task children lists (CONFIG_PROC_CHILDREN) are not
 * everywhere. */
static void census_children(int *live, int *zombies)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	long self = (long)getpid();
	*live = *zombies = 0;
	if (!dir)
		obs_die("cannot read /proc: %s", strerror(errno));
	while ((e = readdir(dir))) {
		char state;
		long ppid;
		if (!isdigit((unsigned char)e->d_name[0]) || proc_state(e->d_name, &state, &ppid) < 0 || ppid != self)
			continue;
		if (state == 'Z')
			++*zombies;
		else
			++*live;
	}
	closedir(dir);
}

static void sample(const struct fc__campaign *c, int cycle)
{
	int live, zombies;
	census_children(&live, &zombies);
	printf("%s,%d,%d,%d,%d\n", c->label, cycle, obs_fd_count(), live, zombies);
}

static void one_cycle(const struct fc__campaign *c, struct tally *t)
{
	char *argv[] = { "true", NULL };
	struct ffd_info info;
	pid_t pid;
	int fd = c->spawn ? c->ffd.spawn(c->flags, &pid, "/bin/true", NULL, NULL, argv, environ) : c->ffd.fork(c->flags, &pid);
	if (fd == FFD_CHILD_PROCESS)
		_exit(0);
	if (fd < 0) {
		count_errno(t, errno);
		return;
	}
	/* A failed wait is tried once more, as an application would (a sweep
	 * fails one call: the retry tells a library that recovers from one
	 * that loses the child); the second failure is counted. */
	if (c->ffd.wait(fd, &info, 0, NULL) < 0 && c->ffd.wait(fd, &info, 0, NULL) < 0)
		t->wait_failed++;
	else if (info.code != CLD_EXITED || info.status != 0)
		t->bad_status++;
	if (c->ffd.close(fd) < 0)
		t->close_failed++;
}

static void summary(const struct fc__campaign *c, const struct tally *t, int fds_before)
{
	fprintf(stderr, "campaign leak: %s: %d cycles, %s failed %d times (", c->label, c->count,
		c->spawn ? "ffd_spawn" : "ffd_fork", t->failed);
	for (size_t i = 0; i < sizeof t->errnos / sizeof t->errnos[0] && t->counts[i]; i++)
		fprintf(stderr, "%s%s %d", i ? ", " : "", obs_errno(t->errnos[i]), t->counts[i]);
	fprintf(stderr, "%s%d other), ffd_wait failed %d, wrong status %d, ffd_close failed %d; fds %d -> %d\n",
		t->counts[0] ? ", " : "", t->other, t->wait_failed, t->bad_status, t->close_failed, fds_before, obs_fd_count());
}

int fc__campaign_leak(struct fc__campaign *c)
{
	struct tally t = { 0 };
	struct rlimit lim;
	/* A leak should show as growth, not as a wall: the soft descriptor
	 * limit (often 1024) raised to the hard one, at most 65536. */
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536) {
		lim.rlim_cur = lim.rlim_max < 65536 ? lim.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
	if (c->header)
		puts("library,cycle,fds,children,zombies");
	int fds_before = obs_fd_count();
	for (int cycle = 0; cycle <= c->count; cycle++) {
		if (c->every && cycle % c->every == 0)
			sample(c, cycle);
		if (cycle < c->count)
			one_cycle(c, &t);
	}
	fflush(stdout);
	summary(c, &t, fds_before);
	/* 1: the library reported an error at least once, which is what a
	 * sweep tells from a run as clean as the clean one (handled) */
	return t.failed || t.wait_failed || t.bad_status || t.close_failed;
}
