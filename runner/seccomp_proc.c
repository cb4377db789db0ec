/* Which process image made a call.  A notification names the calling
 * thread (its tid, in our pid namespace); the supervisor counts per process
 * image as the shim does: a forked child starts again from 1, and so does a
 * process that execs.  Threads map to their process through
 * /proc/TID/status once, then a remembered entry checked with tgkill(0); a
 * process's end is seen through its pidfd; an exec through its AT_RANDOM
 * bytes, which the kernel draws anew for every image. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "match.h"
#include "seccomp_int.h"
#include "stats.h"

#ifndef CLONE_THREAD
#define CLONE_THREAD 0x00010000
#endif

int fc__sys_proc_valid(const struct fc_syslayer *l, int proc, unsigned gen)
{
	return proc >= 0 && proc < FC_SYS_PROCS && l->procs[proc].used && l->procs[proc].gen == gen;
}

static long read_number_file(int fd)
{
	char text[32];
	ssize_t got = fd >= 0 ? pread(fd, text, sizeof text - 1, 0) : -1;
	if (got <= 0)
		return -1;
	text[got] = 0;
	return strtol(text, NULL, 10);
}

ssize_t fc__sys_read_proc(pid_t pid, const char *file, void *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, buf, len) : -1;
	if (fd >= 0)
		close(fd);
	return got;
}

/* The process TID belongs to, and its parent; -1 when TID is gone. */
static int read_status(pid_t tid, pid_t *tgid, pid_t *ppid)
{
	char text[2048];
	ssize_t got = fc__sys_read_proc(tid, "status", text, sizeof text - 1);
	if (got <= 0)
		return -1;
	text[got] = 0;
	const char *t = strstr(text, "\nTgid:"), *p = strstr(text, "\nPPid:");
	if (!t || !p)
		return -1;
	*tgid = (pid_t)strtol(t + 6, NULL, 10);
	*ppid = (pid_t)strtol(p + 6, NULL, 10);
	return 0;
}

/* An image's identity: the 16 bytes at AT_RANDOM, new at every exec (and
 * the auxiliary vector itself when they cannot be read). */
static uint64_t image_token(pid_t pid)
{
	uint64_t words[128] = { 0 }, token = 0;
	ssize_t got = fc__sys_read_proc(pid, "auxv", words, sizeof words);
	for (ssize_t i = 0; i + 1 < got / (ssize_t)sizeof words[0]; i += 2) {
		token = fc_mix64(token ^ words[i + 1]);
		if (words[i] != AT_RANDOM)
			continue;
		uint64_t bytes[2];
		struct iovec local = { bytes, sizeof bytes }, remote = { (void *)(uintptr_t)words[i + 1], sizeof bytes };
		if (syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0) == (long)sizeof bytes)
			return fc_mix64(bytes[0] ^ fc_mix64(bytes[1]));
	}
	return token;
}

static void take_slot(struct fc_syslayer *l, struct fc_sys_proc *p)
{
	struct fc_stats *st = l->conf.stats;
	memset(p->own_matched, 0, sizeof p->own_matched);
	memset(p->own_acted, 0, sizeof p->own_acted);
	p->matched = p->own_matched;
	p->acted = p->own_acted;
	if (!st)
		return;
	uint32_t slot = __atomic_fetch_add(&st->claimed, 1, __ATOMIC_RELAXED);
	if (slot >= st->nslots)
		return; /* the launcher says the counts are of the first slots */
	st->slots[slot].pid = p->tgid;
	st->slots[slot].ppid = p->ppid;
	p->matched = st->slots[slot].matched;
	p->acted = st->slots[slot].acted;
}

static void retire(struct fc_syslayer *l, struct fc_sys_proc *p, const char *how)
{
	fc__sys_trace_exit(l, p, how);
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	free(p->maps);
	p->maps = NULL;
	p->used = 0;
	l->nprocs_used--;
}

static int gone(const struct fc_sys_proc *p)
{
	if (p->pidfd >= 0) {
		struct pollfd pf = { p->pidfd, POLLIN, 0 };
		return poll(&pf, 1, 0) > 0;
	}
	return kill(p->tgid, 0) < 0 && errno == ESRCH;
}

/* A new child's lineage: the fork it came from is the last one its parent
 * made before its pid was handed out (pids are handed out in order). */
static uint64_t child_lineage(const struct fc_syslayer *l, pid_t pid, pid_t ppid)
{
	long best = -1, best_d = 0, pid_max = 1l << 22;
	for (int pass = 0; pass < 2 && best < 0; pass++)
		for (int i = 0; i < FC_SYS_FORKS; i++) {
			const __typeof__(l->forks[0]) *f = &l->forks[i];
			if (!f->no || (pass == 0 && f->parent != ppid))
				continue;
			long d = pid > f->last_pid ? pid - f->last_pid : pid + pid_max - f->last_pid;
			if (best < 0 || d < best_d)
				best = i, best_d = d;
		}
	return best < 0 ? fc_lineage_of_child(0, 0) : fc_lineage_of_child(l->forks[best].lineage, l->forks[best].no);
}

static struct fc_sys_proc *new_proc(struct fc_syslayer *l, pid_t tgid, pid_t ppid)
{
	int i = 0;
	while (i < FC_SYS_PROCS && l->procs[i].used)
		i++;
	if (i == FC_SYS_PROCS) {
		if (!l->procs_full_said++)
			fc__sys_trace_warning(l, tgid,
					      "the supervisor follows 4096 processes at once: calls of processes past them pass "
					      "through uncounted");
		return NULL;
	}
	struct fc_sys_proc *p = &l->procs[i];
	unsigned gen = p->gen + 1;
	memset(p, 0, sizeof *p);
	p->used = 1;
	p->gen = gen;
	p->tgid = tgid;
	p->ppid = ppid;
	p->root = tgid == l->root;
	p->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	p->lineage = p->root || !l->lineage ? 0 : child_lineage(l, tgid, ppid);
	/* a fork child's memory is its parent's until it execs */
	for (int k = 0; k < FC_SYS_PROCS && !p->root; k++)
		if (l->procs[k].used && l->procs[k].tgid == ppid && l->procs[k].maps) {
			p->maps = fc__sys_maps_copy(l->procs[k].maps);
			break;
		}
	take_slot(l, p);
	l->nprocs_used++;
	return p;
}

static struct fc_sys_proc *find_proc(struct fc_syslayer *l, pid_t tgid)
{
	/* RACE: the process died and its pid came back before the sweep saw
	 * it: its pidfd says so */
	for (int i = 0; i < FC_SYS_PROCS; i++) {
		struct fc_sys_proc *p = &l->procs[i];
		if (!p->used || p->tgid != tgid)
			continue;
		if (!gone(p))
			return p;
		retire(l, p, "gone"); /* its pid was handed out again */
	}
	return NULL;
}

/* A new image if the exec went through: its counts, lineage and maps
 * start again.  Judged on a call of the thread that exec'd or of the
 * leader (whose tid the exec'ing thread takes): another thread's call may
 * come before the exec ends. */
static void settle_exec(struct fc_syslayer *l, struct fc_sys_proc *p, pid_t tid)
{
	/* RACE: another thread's call while the exec kills the threads */
	if (tid != p->tgid && tid != p->exec_tid)
		return;
	if (image_token(p->tgid) == p->token) {
		p->exec_pending = tid != p->exec_tid; /* failed, or still going on */
		return;
	}
	fc__sys_trace_exit(l, p, "exec");
	p->exec_pending = 0;
	p->lineage = 0;
	p->forks = 0;
	free(p->maps);
	p->maps = NULL;
	take_slot(l, p);
}

struct fc_sys_proc *fc__sys_proc_of(struct fc_syslayer *l, struct fc_sys_call *c)
{
	pid_t tid = c->tid;
	__typeof__(l->tids[0]) *entry = &l->tids[(unsigned)tid % FC_SYS_TIDS];
	struct fc_sys_proc *p = NULL;
	/* RACE: a thread that died and whose tid went to another process: the
	 * remembered entry counts only while tgkill says TID is in that process */
	if (entry->tid == tid && fc__sys_proc_valid(l, entry->proc, entry->gen) &&
	    syscall(SYS_tgkill, l->procs[entry->proc].tgid, tid, 0) == 0) {
		p = &l->procs[entry->proc];
	} else {
		pid_t tgid, ppid;
		if (read_status(tid, &tgid, &ppid) < 0)
			return NULL; /* it is gone already */
		p = find_proc(l, tgid);
		if (!p && !(p = new_proc(l, tgid, ppid)))
			return NULL;
		entry->tid = tid;
		entry->proc = (int)(p - l->procs);
		entry->gen = p->gen;
	}
	if (p->exec_pending)
		settle_exec(l, p, tid);
	c->pid = p->tgid;
	c->proc = (int)(p - l->procs);
	c->gen = p->gen;
	return p;
}

void fc__sys_proc_note_exec(struct fc_syslayer *l, struct fc_sys_proc *p, pid_t tid)
{
	if (!p->exec_pending)
		p->token = image_token(p->tgid);
	p->exec_pending = 1;
	p->exec_tid = tid;
}

/* clone3's flags, read from the caller's memory (0 when unreadable: a
 * process, and the kernel gives the caller EFAULT anyway). */
static uint64_t clone3_flags(const struct fc_sys_call *c)
{
	uint64_t flags = 0;
	struct iovec local = { &flags, sizeof flags }, remote = { (void *)(uintptr_t)c->args[0], sizeof flags };
	if (c->args[1] < sizeof flags || syscall(SYS_process_vm_readv, c->pid, &local, 1, &remote, 1, 0) != sizeof flags)
		return 0;
	return flags;
}

void fc__sys_proc_note_fork(struct fc_syslayer *l, struct fc_sys_proc *p, const struct fc_sys_call *c)
{
	uint64_t flags = c->nr == SYS_clone ? c->args[0] : c->nr == SYS_clone3 ? clone3_flags(c) : 0;
	if (flags & CLONE_THREAD)
		return; /* a thread: no new process */
	__typeof__(l->forks[0]) *f = &l->forks[l->next_fork];
	l->next_fork = (l->next_fork + 1) % FC_SYS_FORKS;
	f->parent = p->tgid;
	f->no = ++p->forks;
	f->lineage = p->lineage;
	f->last_pid = read_number_file(l->last_pid_fd);
}

void fc__sys_proc_sweep(struct fc_syslayer *l, int all)
{
	for (int i = 0; i < FC_SYS_PROCS && l->nprocs_used > 0; i++) {
		struct fc_sys_proc *p = &l->procs[i];
		if (p->used && (all || gone(p)))
			retire(l, p, "gone");
	}
}
