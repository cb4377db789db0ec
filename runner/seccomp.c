/* The seccomp supervisor's setup: is user notification available here, the
 * filter (built with libseccomp, loaded by the command's child with the
 * flags libseccomp 2.5 cannot set), and the listener's way from the child,
 * where the kernel makes it, to the supervisor, which answers it.
 *
 * Why seccomp user notification: the filter stops only the syscall numbers
 * a rule names (every other syscall costs one BPF program run), it is
 * inherited by every thread and child and survives exec by construction,
 * it needs nothing in the target (no handler, no preload: static binaries
 * too), and SECCOMP_USER_NOTIF_FLAG_CONTINUE lets a call run in place,
 * which is what makes clone, clone3 and vfork safe to pass through. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "seccomp_int.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The child's sendmsg of the listener is the one call it makes with the
 * filter on and nobody yet to answer it: were sendmsg trapped, it would
 * wait for itself.  Its flags make it one no program sends. */
#define HANDOVER_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT | MSG_EOR)

/* The numbers the filter stops: those the syscall-level rules name, the
 * exec family (an exec starts a process's counts again), and the fork
 * family when prob= needs a child's lineage. */
static void choose_traps(struct fc_syslayer *l)
{
	static const int execs[] = { SYS_execve, SYS_execveat };
	static const int forks[] = { SYS_clone, SYS_clone3, SYS_fork, SYS_vfork };
	const struct fc_plan *plan = l->conf.plan;
	for (int r = 0; r < plan->nrules; r++) {
		const struct fc_rule *rule = &plan->rules[r];
		long nrs[FC_NCALLS + FC_MAX_NRS];
		if (rule->via != FC_VIA_SYSCALL)
			continue;
		int n = fc_rule_syscall_nrs(rule, nrs, (int)(sizeof nrs / sizeof nrs[0]));
		for (int i = 0; i < n; i++)
			if (nrs[i] >= 0 && nrs[i] < FC_SYS_NRS) {
				l->rules_for[nrs[i]] |= (fc_ruleset)1 << r;
				l->trapped[nrs[i]] = 1;
			}
		l->lineage |= rule->has_prob;
	}
	for (size_t i = 0; i < sizeof execs / sizeof execs[0]; i++)
		l->trapped[execs[i]] = 1;
	for (size_t i = 0; l->lineage && i < sizeof forks / sizeof forks[0]; i++)
		l->trapped[forks[i]] = 1;
}

static int add_traps(const unsigned char *trapped, int handover_fd, scmp_filter_ctx ctx)
{
	for (int nr = 0; nr < FC_SYS_NRS; nr++) {
		if (!trapped[nr])
			continue;
		int rc;
		if (nr == SYS_sendmsg) {
			/* trapped unless it is the handover: on our socket, with its flags */
			rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1, SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)handover_fd));
			if (rc == 0)
				rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1, SCMP_A2(SCMP_CMP_NE, HANDOVER_FLAGS));
		} else {
			rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* libseccomp makes the program; it is kept as BPF for the child to load
 * with seccomp(2) itself (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV). */
static int build_filter(const unsigned char *trapped, int handover_fd, struct sock_fprog *prog, char *err, size_t len)
{
	int rc = -ENOMEM, mem = -1;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		goto fail;
	/* another ABI's syscalls (int 0x80) run as they would: not killed */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW)) < 0 ||
	    (rc = add_traps(trapped, handover_fd, ctx)) < 0)
		goto fail;
	mem = memfd_create("forkchaos-filter", MFD_CLOEXEC);
	if (mem < 0 || (rc = seccomp_export_bpf(ctx, mem)) < 0)
		goto fail;
	off_t size = lseek(mem, 0, SEEK_END);
	struct sock_filter *code = size > 0 ? malloc((size_t)size) : NULL;
	if (!code || pread(mem, code, (size_t)size, 0) != size) {
		free(code);
		rc = -EIO;
		goto fail;
	}
	prog->filter = code;
	prog->len = (unsigned short)(size / (off_t)sizeof *code);
	close(mem);
	seccomp_release(ctx);
	return 0;
fail:
	snprintf(err, len, "cannot build the seccomp filter: %s", strerror(rc < 0 ? -rc : errno));
	if (mem >= 0)
		close(mem);
	if (ctx)
		seccomp_release(ctx);
	return -1;
}

/* A filter with a listener, in a forked child: 0 when the kernel took it,
 * else its errno (libseccomp's own load would say ECANCELED or EFAULT
 * where the kernel says EBUSY). */
static int try_listener(void)
{
	static unsigned char trapped[FC_SYS_NRS];
	struct sock_fprog prog;
	char err[256];
	trapped[SYS_uselib] = 1;
	if (build_filter(trapped, -1, &prog, err, sizeof err) < 0)
		return EINVAL;
	pid_t pid = fork();
	if (pid == 0) {
		long fd = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
			? -1
			: syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		_exit(fd >= 0 ? 0 : errno > 0 && errno < 255 ? errno : EINVAL);
	}
	int status, got;
	free(prog.filter);
	if (pid < 0)
		return errno;
	while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	return got < 0 ? errno : WIFEXITED(status) ? WEXITSTATUS(status) : EINVAL;
}

int fc_syslayer_probe(char *why, size_t len)
{
	unsigned level = seccomp_api_get();
	if (level < 5) {
		snprintf(why, len,
			 "this kernel's seccomp has no user notification (libseccomp API level %u, 5 needed: Linux 5.0 or "
			 "later, with seccomp filters allowed)",
			 level);
		return -1;
	}
	int err = try_listener();
	if (!err)
		return 0;
	if (err == EBUSY)
		snprintf(why, len,
			 "a seccomp listener is installed already in this process tree (forkchaos run under forkchaos run, or "
			 "a supervising container runtime): the kernel allows one");
	else
		snprintf(why, len,
			 "a seccomp filter with a listener could not be installed here: %s (a sandbox that forbids it?)",
			 strerror(err));
	return -1;
}

struct fc_syslayer *fc_syslayer_new(const struct fc_syslayer_conf *conf, char *err, size_t len)
{
	struct fc_syslayer *l = calloc(1, sizeof *l);
	if (!l)
		goto nomem;
	l->conf = *conf;
	l->listener = l->sigfd = l->trace_fd = l->last_pid_fd = l->report_fd = -1;
	l->sock[0] = l->sock[1] = -1;
	l->procs = calloc(FC_SYS_PROCS, sizeof *l->procs);
	l->tids = calloc(FC_SYS_TIDS, sizeof *l->tids);
	l->delayed = calloc(FC_SYS_DELAYED, sizeof *l->delayed);
	if (!l->procs || !l->tids || !l->delayed)
		goto nomem;
	for (int i = 0; i < FC_SYS_PROCS; i++)
		l->procs[i].pidfd = -1;
	struct stat st;
	if (conf->shim && stat(conf->shim, &st) == 0) {
		l->shim_dev = st.st_dev;
		l->shim_ino = st.st_ino;
	}
	choose_traps(l);
	return l;
nomem:
	snprintf(err, len, "cannot set up the seccomp supervisor: %s", strerror(ENOMEM));
	if (l) {
		free(l->procs);
		free(l->tids);
		free(l->delayed);
	}
	free(l);
	return NULL;
}

void fc_syslayer_free(struct fc_syslayer *l)
{
	if (!l)
		return;
	fc_syslayer_end(l);
	free(l->prog.filter);
	free(l->req);
	free(l->resp);
	free(l->procs);
	free(l->tids);
	free(l->delayed);
	free(l);
}

int fc_syslayer_before_fork(struct fc_syslayer *l)
{
	char err[256];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, l->sock) < 0)
		return -1;
	/* the handover's socket number is in the filter: built now */
	if (build_filter(l->trapped, l->sock[1], &l->prog, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos run: %s\n", err);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* What the child tells the parent: the errno (0: the listener comes along)
 * and whether the wait is killable-only. */
struct handover {
	int err, killable;
};

static void send_listener(int sock, int fd, struct handover h)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &h, sizeof h };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof control;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	/* a raw syscall: what a libc wrapper might add must not be trapped */
	syscall(SYS_sendmsg, sock, &msg, HANDOVER_FLAGS);
}

void fc_syslayer_child(struct fc_syslayer *l)
{
	struct handover h = { 0, 1 };
	long fd = -1;
	close(l->sock[0]);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		h.err = errno;
	} else {
		/* SPEC_ALLOW: a filter must not turn on the speculative store
		 * bypass mitigation where the kernel ties it to seccomp: the
		 * command runs at the speed it would without us */
		unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &l->prog);
		if (fd < 0 && errno == EINVAL) {
			/* before Linux 5.19: a signal may interrupt a held call,
			 * which then comes again (seccomp_loop.c undoes its count) */
			h.killable = 0;
			fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &l->prog);
		}
		if (fd < 0)
			h.err = errno;
	}
	send_listener(l->sock[1], (int)fd, h);
	if (h.err)
		_exit(127);
	/* the listener is close-on-exec: the command never holds it */
}

static int receive_listener(struct fc_syslayer *l, struct handover *h)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { h, sizeof *h };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
	ssize_t got;
	while ((got = recvmsg(l->sock[0], &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof *h) {
		/* the child died before it said anything */
		h->err = got < 0 ? errno : EPIPE;
		return -1;
	}
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (h->err || !cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&l->listener, CMSG_DATA(cm), sizeof l->listener);
	return 0;
}

void fc_syslayer_started(struct fc_syslayer *l, pid_t pid, int report_fd, int *exec_err)
{
	struct handover h = { 0, 0 };
	close(l->sock[1]);
	l->sock[1] = -1;
	int got = receive_listener(l, &h);
	close(l->sock[0]);
	l->sock[0] = -1;
	if (got < 0) {
		fprintf(stderr, "forkchaos run: cannot install the seccomp filter in the command: %s\n",
			strerror(h.err ? h.err : EPROTO));
		*exec_err = h.err ? h.err : EPROTO;
		return;
	}
	l->killable = h.killable;
	l->root = pid;
	l->report_fd = report_fd;
	l->phase = FC_SYS_BEFORE_EXEC;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &l->sizes) < 0)
		memset(&l->sizes, 0, sizeof l->sizes);
	/* the kernel's sizes, which may be larger than our headers' */
	l->req = calloc(1, l->sizes.seccomp_notif > sizeof *l->req ? l->sizes.seccomp_notif : sizeof *l->req);
	l->resp = calloc(1, l->sizes.seccomp_notif_resp > sizeof *l->resp ? l->sizes.seccomp_notif_resp : sizeof *l->resp);
	l->last_pid_fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	fc__sys_trace_open(l);
	/* until the exec: the child's own calls pass, uncounted */
	while (fc__sys_exec_phase(l) == FC_SYS_BEFORE_EXEC) {
		struct pollfd fds[2] = { { l->listener, POLLIN, 0 }, { report_fd, POLLIN, 0 } };
		if (poll(fds, 2, 100) < 0 && errno != EINTR)
			l->phase = FC_SYS_RUNNING; /* proc.c closes REPORT_FD: never read again */
		else if (fds[0].revents & POLLIN)
			fc__sys_handle_one(l);
	}
	*exec_err = l->phase == FC_SYS_EXEC_FAILED ? l->exec_errno : 0;
}
