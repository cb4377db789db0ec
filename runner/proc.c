/* Runs a target under the shim and never lets it hang the harness: the
 * target gets its own process group, the runner is a child subreaper (so
 * orphaned grandchildren come back to it), a timeout kills the whole tree,
 * and every descendant is reaped before we return. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "plan.h"
#include "proc.h"
#include "seccomp_layer.h"
#include "shim_path.h"
#include "stuck.h"

uint64_t fc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fc_parse_duration_arg(const char *text, uint64_t *ns)
{
	size_t len = strlen(text);
	if (fc_duration_parse(text, len, ns) == 0)
		return *ns > 0 ? 0 : -1;
	/* a bare number on the command line means seconds, as timeout(1) */
	char *end;
	double seconds = strtod(text, &end);
	if (end == text || *end || !(seconds > 0) || seconds > 86400)
		return -1;
	*ns = (uint64_t)(seconds * 1e9);
	return 0;
}

int fc_parse_seed(const char *text)
{
	char *end;
	if (!*text || strspn(text, "0123456789") != strlen(text))
		return -1;
	errno = 0;
	strtoull(text, &end, 10);
	return errno ? -1 : 0;
}

/* NULL: leave what the environment has; "": remove it; else set it. */
static void set_env(const char *name, const char *value)
{
	if (!value)
		return;
	if (*value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

/* In the child, before exec: our environment for the shim. */
static void prepare_child_env(const struct fc_target *t)
{
	char num[32];
	if (t->shim) {
		const char *old = getenv("LD_PRELOAD");
		char preload[PATH_MAX * 4];
		if (old && *old)
			snprintf(preload, sizeof preload, "%s:%s", t->shim, old);
		else
			snprintf(preload, sizeof preload, "%s", t->shim);
		setenv("LD_PRELOAD", preload, 1);
	}
	set_env("FORKCHAOS_PLAN", t->plan);
	set_env("FORKCHAOS_TRACE", t->trace);
	set_env("FORKCHAOS_SEED", t->seed);
	snprintf(num, sizeof num, "%d", (int)getpid());
	setenv("FORKCHAOS_ROOT_PID", num, 1);
	for (const char *const *e = t->extra_env; e && *e; e++)
		putenv((char *)*e);
}

static void move_fd(int from, int to)
{
	if (from >= 0 && from != to)
		dup2(from, to);
}

/* Children of PID, from /proc/PID/task/<tid>/children. */
int fc_list_children(pid_t pid, pid_t *kids, int max)
{
	char path[64];
	int count = 0;
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(path);
	if (!tasks)
		return 0;
	struct dirent *task;
	while ((task = readdir(tasks)) && count < max) {
		if (task->d_name[0] == '.')
			continue;
		char file[320];
		snprintf(file, sizeof file, "/proc/%d/task/%s/children", (int)pid, task->d_name);
		FILE *f = fopen(file, "r");
		if (!f)
			continue;
		int kid;
		while (count < max && fscanf(f, "%d", &kid) == 1)
			kids[count++] = kid;
		fclose(f);
	}
	closedir(tasks);
	return count;
}

/* What was left when the command ended: each descendant a zombie
 * (already dead, never reaped) or alive (killed here), by name. */
#define CENSUS_NAMED 3
#define CENSUS_ZOMBIES 256
struct census {
	int count[2]; /* [1] zombies, [0] alive */
	char text[2][240];
	pid_t zombies[CENSUS_ZOMBIES];
	int nzombies;
};

/* The state letter of PID, and its command line; a zombie has none left
 * (its memory is gone), so its name from stat, as ps shows it: [name]. */
static char process_state(pid_t pid, char *name, size_t len)
{
	char path[64], text[512] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
	if (fd >= 0)
		close(fd);
	text[got > 0 ? got : 0] = 0;
	char *open_paren = strchr(text, '('), *close_paren = strrchr(text, ')');
	char state = close_paren && close_paren[1] ? close_paren[2] : '?';
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	got = fd >= 0 ? read(fd, name, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (got > 0) {
		for (ssize_t i = 0; i < got; i++)
			name[i] = name[i] ? name[i] : ' ';
		name[got] = 0;
		name[strcspn(name, "\n")] = 0;
		while (got && name[got - 1] == ' ')
			name[--got] = 0;
	} else if (open_paren && close_paren > open_paren) {
		snprintf(name, len, "[%.*s]", (int)(close_paren - open_paren - 1), open_paren + 1);
	} else {
		snprintf(name, len, "?");
	}
	return state;
}

static void census_add(struct census *c, pid_t pid)
{
	char name[64];
	int zombie = process_state(pid, name, sizeof name) == 'Z';
	char *text = c->text[zombie];
	size_t used = strlen(text);
	if (c->count[zombie] < CENSUS_NAMED)
		snprintf(text + used, sizeof c->text[0] - used, "%spid %d %s", used ? ", " : "", (int)pid, name);
	c->count[zombie]++;
	if (zombie && c->nzombies < CENSUS_ZOMBIES)
		c->zombies[c->nzombies++] = pid;
}

static void census_describe(const struct census *c, char *buf, size_t len)
{
	static const char *const kinds[2] = { "alive (killed by the runner)", "zombie (already dead, never reaped)" };
	size_t used = 0;
	buf[0] = 0;
	for (int zombie = 1; zombie >= 0; zombie--) {
		int n = c->count[zombie];
		if (!n || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%d %s: %s%s", used ? "; " : "", n, kinds[zombie],
					 c->text[zombie], n > CENSUS_NAMED ? ", ..." : "");
	}
}

/* SIGKILL every descendant of the runner, stopping each one first so it
 * cannot fork faster than we kill; CENSUS (or NULL) names each first. */
static int kill_descendants(pid_t root, struct census *census)
{
	pid_t stack[4096];
	int depth = fc_list_children(root, stack, 4096), killed = 0;
	while (depth > 0) {
		pid_t pid = stack[--depth];
		if (census)
			census_add(census, pid); /* before SIGSTOP: a stopped one reads 'T' */
		kill(pid, SIGSTOP);
		depth += fc_list_children(pid, stack + depth, 4096 - depth);
		kill(pid, SIGKILL);
		killed++;
	}
	return killed;
}

/* An orphan that came back to us died by a signal: one we killed shows
 * our SIGKILL; a zombie, or one that died before the kill reached it,
 * shows its own. */
static void note_signaled(struct fc_outcome *out, const struct census *c, pid_t pid, int status)
{
	int zombie = 0;
	if (!c || !WIFSIGNALED(status))
		return;
	for (int i = 0; i < c->nzombies && !zombie; i++)
		zombie = c->zombies[i] == pid;
	if (!zombie && WTERMSIG(status) == SIGKILL)
		return;
	if (out->signaled < FC_MAX_SIGNALED) {
		out->signaled_first[out->signaled].pid = (int)pid;
		out->signaled_first[out->signaled].sig = WTERMSIG(status);
	}
	out->signaled++;
}

void fc_hand_terminal(pid_t pgrp)
{
	sigset_t ttou, saved;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &saved);
	tcsetpgrp(0, pgrp);
	sigprocmask(SIG_SETMASK, &saved, NULL);
}

static void reap_main(pid_t main_pid, int *main_status, int *main_done)
{
	int status;
	pid_t got = waitpid(main_pid, &status, WNOHANG | __WALL);
	if (got == main_pid)
		*main_status = status;
	/* ECHILD: a supervisor that was killed had reaped it already */
	*main_done = got == main_pid || (got < 0 && errno == ECHILD);
}

static int reap_all(pid_t main_pid, int *main_done, struct fc_outcome *out, const struct census *census)
{
	int status, reaped = 0;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		reaped++;
		if (pid == main_pid) {
			out->status = status;
			*main_done = 1;
		} else {
			note_signaled(out, census, pid, status);
		}
	}
	return reaped;
}

void fc_runner_signals(sigset_t *set)
{
	/* uncatchable; job control's; ignored by default; and the faults, which
	 * the kernel forces through a block anyway */
	static const int spared[] = { SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGWINCH,
				      SIGURG,  SIGSEGV, SIGBUS,  SIGFPE,  SIGILL,  SIGABRT };
	sigfillset(set);
	for (size_t i = 0; i < sizeof spared / sizeof spared[0]; i++)
		sigdelset(set, spared[i]);
}

static int is_interrupt(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/* The signals the runner takes while CMD runs: SIGCHLD and the interrupts;
 * under a supervisor, every one it would die of. */
static void wanted_signals(const struct fc_target *t, sigset_t *wanted)
{
	static const int basic[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	if (t->interrupt_from) {
		fc_runner_signals(wanted);
		return;
	}
	sigemptyset(wanted);
	for (size_t i = 0; i < sizeof basic / sizeof basic[0]; i++)
		sigaddset(wanted, basic[i]);
}

int fc_run_target(const struct fc_target *t, struct fc_outcome *out)
{
	int report[2], shim_fd = -1;
	char shim[64];
	sigset_t wanted, old_mask;
	memset(out, 0, sizeof *out);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* a shim path with a space or colon, under a name LD_PRELOAD keeps whole */
	struct fc_target named = *t;
	if (t->shim && !(named.shim = fc_shim_preload_path(t->shim, shim, sizeof shim, &shim_fd)))
		return -1;
	t = &named;
	if (pipe2(report, O_CLOEXEC) < 0)
		goto fail;
	wanted_signals(t, &wanted);
	sigprocmask(SIG_BLOCK, &wanted, &old_mask);

	/* An interactive command must own the terminal, or its first read
	 * stops it with SIGTTIN; take it back when it is done. */
	pid_t owner = t->terminal_pgrp ? t->terminal_pgrp : getpgrp();
	int tty = t->stdin_fd < 0 && isatty(0) && tcgetpgrp(0) == owner;
	pid_t pid = t->syslayer && fc_syslayer_before_fork(t->syslayer) < 0 ? -1 : fork();
	if (pid < 0) {
		int err = errno;
		close(report[0]);
		close(report[1]);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		errno = err;
		goto fail;
	}
	if (pid == 0) {
		/* RACE: the command, once exec'd, may kill its parent before the
		 * parent ran again after fork: its pid is stored first, here */
		if (t->started)
			*t->started = getpid();
		setpgid(0, 0);
		/* RACE: the child could exec and read before the parent's
		 * tcsetpgrp below: both take the terminal, as shells do. */
		if (tty)
			fc_hand_terminal(getpid());
		/* the mask CMD would have had without forkchaos (dispositions
		 * are untouched: the runner blocks, it never ignores) */
		sigprocmask(SIG_SETMASK, t->exec_mask ? t->exec_mask : &old_mask, NULL);
		move_fd(t->stdin_fd, 0);
		move_fd(t->stdout_fd, 1);
		move_fd(t->stderr_fd, 2);
		prepare_child_env(t);
		if (t->syslayer)
			fc_syslayer_child(t->syslayer); /* the filter: last, as it traps our own calls too */
		execvp(t->argv[0], t->argv);
		int err = errno;
		if (write(report[1], &err, sizeof err) < 0)
			_exit(127);
		_exit(127);
	}
	if (t->started)
		*t->started = pid;
	setpgid(pid, pid);
	if (tty)
		fc_hand_terminal(pid);
	close(report[1]);
	int exec_err = 0;
	/* the layer answers the child's trapped calls while it waits */
	if (t->syslayer)
		fc_syslayer_started(t->syslayer, pid, report[0], &exec_err);
	else if (read(report[0], &exec_err, sizeof exec_err) != sizeof exec_err)
		exec_err = 0;
	out->exec_errno = exec_err;
	close(report[0]);
	fc_watch_target(pid, t, out, fc_now_ns() + t->timeout_ns, tty ? owner : 0);
	fc_syslayer_end(t->syslayer);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (shim_fd >= 0)
		close(shim_fd);
	return 0;
fail:;
	int err = errno;
	if (shim_fd >= 0)
		close(shim_fd);
	errno = err;
	return -1;
}

/* The runner's parent is gone (forkchaos was killed): the tree goes with it. */
static int orphaned(const struct fc_target *t, struct fc_outcome *out, pid_t pid)
{
	if (!t->parent || getppid() == t->parent)
		return 0;
	out->orphaned = 1;
	kill(-pid, SIGKILL);
	kill_descendants(getpid(), NULL);
	return 1;
}

void fc_watch_target(pid_t pid, const struct fc_target *t, struct fc_outcome *out, uint64_t deadline, pid_t tty_owner)
{
	sigset_t wanted;
	wanted_signals(t, &wanted);
	int main_done = pid <= 0; /* no command known: only its tree to kill */
	while (!main_done && !orphaned(t, out, pid)) {
		/* only the command itself: its orphans, zombies included, stay
		 * to be counted as strays when it is done */
		reap_main(pid, &out->status, &main_done);
		if (main_done)
			break;
		uint64_t now = fc_now_ns();
		if (now >= deadline) {
			reap_main(pid, &out->status, &main_done);
			if (main_done) /* it ended just in time */
				break;
			/* where it is, seen from outside, before the kill */
			if (fc_describe_stuck(pid, t->trace, out->stuck, sizeof out->stuck, &out->status)) {
				main_done = 1; /* it ended while we looked */
				out->stuck[0] = 0;
				break;
			}
			out->timed_out = !out->interrupted;
			out->killed_after_interrupt = out->interrupted;
			kill(-pid, SIGKILL);
			kill_descendants(getpid(), NULL);
			break;
		}
		uint64_t left = deadline - now;
		struct timespec wait_for = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
		if (wait_for.tv_sec > 0 || wait_for.tv_nsec > 100000000)
			wait_for = (struct timespec){ 0, 100000000 }; /* re-check children at least every 100 ms */
		if (t->tick)
			t->tick(t->tick_arg);
		siginfo_t info = { 0 };
		int sig = fc_syslayer_wait(t->syslayer, &wanted, &info, &wait_for);
		/* under a supervisor, what the command sends its parent is
		 * dropped: only the launcher's interrupts count */
		if (is_interrupt(sig) && (!t->interrupt_from || info.si_pid == t->interrupt_from)) {
			/* Pass it on; a command that ignores it gets a short grace,
			 * then the tree is killed: an interrupt must not wait out the
			 * timeout. */
			if (!out->interrupted) {
				uint64_t grace = fc_now_ns() + 5000000000ull;
				if (grace < deadline)
					deadline = grace;
			}
			out->interrupted = 1;
			kill(-pid, sig);
		}
	}
	/* Whatever is left (daemonised grandchildren, the tree after a timeout)
	 * is killed and reaped: the harness leaves nothing behind. */
	/* Count before reaping: a zombie the command left (a child it never
	 * waited for) is a stray as much as a live one.  After a timeout the
	 * tree was killed: nothing of it is the command's doing. */
	static struct census census;
	struct census *seen = out->timed_out || out->killed_after_interrupt || out->orphaned || pid <= 0 ? NULL : &census;
	memset(&census, 0, sizeof census);
	int left = kill_descendants(getpid(), seen);
	if (seen) {
		out->strays = left;
		census_describe(&census, out->strays_what, sizeof out->strays_what);
	}
	uint64_t reap_deadline = fc_now_ns() + 5000000000ull;
	for (;;) {
		reap_all(pid, &main_done, out, seen);
		pid_t kids[1];
		if (fc_list_children(getpid(), kids, 1) == 0 || fc_now_ns() > reap_deadline)
			break;
		kill_descendants(getpid(), NULL);
		struct timespec tick = { 0, 10000000 };
		sigtimedwait(&wanted, NULL, &tick);
	}
	if (!main_done && !out->orphaned && pid > 0) {
		/* Unkillable (stuck in the kernel, state D): do not hang with it. */
		out->timed_out = 1;
		if (!out->stuck[0])
			fc_describe_stuck_proc(pid, out->stuck, sizeof out->stuck);
	}
	if (tty_owner)
		fc_hand_terminal(tty_owner);
}

int fc_outcome_exit_code(const struct fc_outcome *out)
{
	if (out->exec_errno)
		return 2;
	if (out->timed_out)
		return 124;
	if (WIFSIGNALED(out->status))
		return 128 + WTERMSIG(out->status);
	if (WIFEXITED(out->status))
		return WEXITSTATUS(out->status);
	return 2;
}
