/* What the wrappers' hooks see of a call's arguments and results: kept in
 * the call's record for its trace line, and, when a child's death says
 * something an oracle wants to know, written as an observation line to the
 * run's report ($FORKCHAOS_REPORT, the file our drivers write to as well):
 * one write(2) each on a descriptor opened for it, so that nothing of ours
 * stays open in the target. */
#include <fcntl.h>
#include <string.h>
#include "libc.h"
#include "shim.h"

void fc__seen_fds(struct fc_call *c, int fd0, int fd1)
{
	c->fds[0] = fd0;
	c->fds[1] = fd1;
	c->nfds = 2;
	c->seen |= FC_SEEN_FDS;
	fc__oracle_fd_made(c, fd0);
	fc__oracle_fd_made(c, fd1);
}

void fc__seen_result(struct fc_call *c, long ret)
{
	unsigned flags = fc_calls[c->id].flags;
	if ((flags & FC_F_RET_FD) && ret >= 0 && !(c->seen & FC_SEEN_FDS)) {
		c->fds[0] = (int)ret;
		c->nfds = 1;
		c->seen |= FC_SEEN_FDS;
		fc__oracle_fd_made(c, (int)ret);
	}
	if ((flags & FC_F_RET_CHILD) && ret > 0 && !c->child_side) {
		c->child = (pid_t)ret;
		c->seen |= FC_SEEN_CHILD;
	}
	if ((flags & FC_F_NOTE_CHILD) && c->child > 0 && !(flags & FC_F_RET_ERRNO ? ret : ret < 0))
		c->seen |= FC_SEEN_CHILD;
}

/* "KIND FIELD..." appended to the run's report, whole or not at all. */
void fc__observe(const char *line, size_t len)
{
	if (!fc__state.report_path[0] || len == 0)
		return;
	int fd = fc__open(fc__state.report_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	fc__write(fd, line, len);
	fc__close(fd);
}

static size_t append(char *buf, size_t used, size_t cap, const char *text)
{
	while (*text && used + 1 < cap)
		buf[used++] = *text++;
	buf[used] = 0;
	return used;
}

/* A child that died by a signal, whoever reaped it: `crash` covers the
 * target's descendants too. */
void fc__observe_signaled(pid_t pid, int sig)
{
	char line[96], num[24];
	size_t used = append(line, 0, sizeof line, "child-signaled ");
	used = append(line, used, sizeof line, fc__u64_text((uint64_t)pid, num));
	used = append(line, used, sizeof line, " ");
	used = append(line, used, sizeof line, fc__u64_text((uint64_t)sig, num));
	used = append(line, used, sizeof line, "\n");
	fc__observe(line, used);
}

static void reaped(struct fc_call *c, pid_t pid, int wstatus)
{
	c->wstatus = wstatus;
	c->seen |= FC_SEEN_REAPED;
	/* stopped or continued: reported, not reaped */
	c->reaped = WIFEXITED(wstatus) || WIFSIGNALED(wstatus) ? pid : 0;
	if (WIFSIGNALED(wstatus))
		fc__observe_signaled(pid, WTERMSIG(wstatus));
}

void fc__seen_reaped_status(struct fc_call *c, long ret, const int *status)
{
	if (ret > 0 && status)
		reaped(c, (pid_t)ret, *status);
}

void fc__seen_reaped_info(struct fc_call *c, const siginfo_t *info)
{
	if (!info || info->si_pid == 0)
		return;
	int wstatus;
	switch (info->si_code) {
	case CLD_EXITED: wstatus = (info->si_status & 0xff) << 8; break;
	case CLD_KILLED: wstatus = info->si_status & 0x7f; break;
	case CLD_DUMPED: wstatus = (info->si_status & 0x7f) | 0x80; break;
	case CLD_STOPPED:
	case CLD_TRAPPED: wstatus = (info->si_status & 0xff) << 8 | 0x7f; break;
	case CLD_CONTINUED: wstatus = 0xffff; break;
	default: return;
	}
	reaped(c, info->si_pid, wstatus);
}

void fc__seen_handler(struct fc_call *c, const void *handler, int flags)
{
	if (handler == FC_NO_HANDLER)
		return;
	c->handler = handler;
	c->hflags = flags;
	c->seen |= FC_SEEN_HANDLER;
}
