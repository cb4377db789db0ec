/* The launcher and its supervisor.  The supervisor (a child subreaper, in
 * a process group of its own) forks the command and watches it as
 * fc_run_target always has; it has PR_SET_PDEATHSIG and checks its parent
 * on every wake-up, so a launcher killed by SIGKILL takes the tree with it.
 * The launcher is a subreaper too: when the command kills the supervisor
 * (its parent), the tree comes back to the launcher, which watches the
 * command itself until the same deadline; a stopped supervisor is
 * continued, and one stuck past its own deadline is replaced.  Signals
 * the command sends its parent reach the supervisor, which drops them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "supervise.h"

/* Past its own deadline the supervisor needs the interrupt grace (5 s),
 * the reaping (5 s) and the stuck description: after this much more the
 * launcher stops waiting for it. */
#define BACKUP_NS (15ull * 1000000000u)

/* What the supervisor hands back, in memory both processes map. */
struct shared {
	struct fc_outcome out;
	int started, err, done;
	pid_t root;
};

static int is_interrupt(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

static void supervisor(const struct fc_target *t, struct shared *sh, pid_t launcher, pid_t launcher_pgrp,
		       const sigset_t *exec_mask, void (*abandon)(void *), void *arg)
{
	/* A process group of its own: a SIGKILL to the launcher's group (as
	 * timeout(1) sends) must leave the supervisor to kill the tree.  It
	 * writes to the terminal from the background: never stopped for it. */
	sigset_t tty_stops;
	sigemptyset(&tty_stops);
	sigaddset(&tty_stops, SIGTTOU);
	sigaddset(&tty_stops, SIGTTIN);
	sigaddset(&tty_stops, SIGTSTP);
	sigprocmask(SIG_BLOCK, &tty_stops, NULL);
	setpgid(0, 0);
	/* SIGCHLD, blocked here: it only wakes the watch loop, which then
	 * sees that its parent changed */
	prctl(PR_SET_PDEATHSIG, SIGCHLD);
	/* RACE: the launcher died before the prctl; nothing would tell us */
	if (getppid() != launcher) {
		if (abandon)
			abandon(arg);
		_exit(0);
	}
	struct fc_target mine = *t;
	mine.exec_mask = exec_mask;
	mine.interrupt_from = launcher;
	mine.parent = launcher;
	mine.started = &sh->root;
	mine.terminal_pgrp = launcher_pgrp;
	sh->started = fc_run_target(&mine, &sh->out);
	sh->err = errno;
	if (sh->out.orphaned && abandon)
		abandon(arg);
	__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* Until the supervisor ends (its wait status), or is killed here past the
 * backup deadline. */
static int watch_supervisor(pid_t sup, const sigset_t *taken, uint64_t backup)
{
	int status;
	for (;;) {
		pid_t got;
		/* a command that stops its parent does not stop the clock */
		while ((got = waitpid(sup, &status, WNOHANG | WUNTRACED)) == sup && WIFSTOPPED(status))
			kill(sup, SIGCONT);
		if (got == sup)
			return status;
		if (fc_now_ns() >= backup) {
			kill(sup, SIGKILL);
			while (waitpid(sup, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		siginfo_t info;
		struct timespec tick = { 0, 100000000 };
		int sig = sigtimedwait(taken, &info, &tick);
		if (is_interrupt(sig))
			kill(sup, sig); /* it passes it on, and gives the grace */
	}
}

/* The supervisor died before it was done: the tree is ours now. */
static int adopt(const struct fc_target *t, struct fc_outcome *out, const struct shared *sh, int status, uint64_t deadline,
		 pid_t tty_owner)
{
	*out = sh->out; /* what it had seen (the exec error, if any) */
	out->supervisor_signal = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
	struct fc_target mine = *t;
	mine.interrupt_from = 0;
	mine.parent = 0;
	fc_watch_target(sh->root, &mine, out, deadline, tty_owner);
	if (sh->root > 0)
		return 0;
	errno = ESRCH; /* killed before it could say what it started */
	return -1;
}

int fc_run_supervised(const struct fc_target *t, struct fc_outcome *out, void (*abandon)(void *arg), void *arg)
{
	sigset_t taken, old;
	int started = -1, err = 0;
	fc_runner_signals(&taken);
	sigprocmask(SIG_BLOCK, &taken, &old);
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		err = errno;
		goto out;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t tty_owner = t->stdin_fd < 0 && isatty(0) && tcgetpgrp(0) == getpgrp() ? getpgrp() : 0;
	pid_t me = getpid(), my_pgrp = getpgrp(); /* before the supervisor leaves it */
	uint64_t start = fc_now_ns();
	fflush(NULL); /* nothing buffered here is written twice */
	pid_t sup = fork();
	if (sup < 0) {
		err = errno;
		goto unmap;
	}
	if (sup == 0)
		supervisor(t, sh, me, my_pgrp, &old, abandon, arg);
	/* RACE: a kill of our process group before the supervisor's own
	 * setpgid: both sides set it, as shells do, before any command runs */
	setpgid(sup, sup);
	int status = watch_supervisor(sup, &taken, start + t->timeout_ns + BACKUP_NS);
	if (__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE)) {
		*out = sh->out;
		started = sh->started;
		err = sh->err;
	} else {
		started = adopt(t, out, sh, status, start + t->timeout_ns, tty_owner);
		err = errno;
	}
unmap:
	munmap(sh, sizeof *sh);
out:;
	/* what was sent to us and dropped stays dropped */
	struct timespec none = { 0, 0 };
	while (sigtimedwait(&taken, NULL, &none) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return started;
}
