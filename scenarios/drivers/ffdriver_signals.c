/* The SIGCHLD handler's windows: its install (1, 2), errno across it (3),
 * and a blocking call it interrupts (4). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ffdriver.h"

/* Window 1: the plan raises SIGCHLD inside libffd's first sigaction on
 * SIGCHLD.  Our handler must see it: 1 for that signal + 1 per child. */
int fc__torn_oldact(const struct fc__args *args)
{
	fc__install_old_handler();
	fc__reap_reported(1, fc__held_child_or_die(FFD_USE_FORK, 1, NULL, NULL));
	fc__settle_old_handler(2, 2000);
	obs("chain %d 2", (int)fc__old_calls);
	return 0;
}

/* Window 2: SIG_DFL with SA_SIGINFO before libffd; a child dies. */
int fc__sigdfl(const struct fc__args *args)
{
	struct sigaction sa = { .sa_handler = SIG_DFL, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	fc__reap_reported(1, fc__held_child_or_die(FFD_USE_FORK, 1, NULL, NULL));
	return 0;
}

/* Window 3: errno across the handler.  The child exits when we open its
 * gate; the plan makes the handler's first peek fail (EINTR). */
int fc__errno_across_handler(const struct fc__args *args)
{
	struct fc__gate hold;
	fc__install_old_handler();
	fc__gate_make(&hold);
	int fd = fc__held_child_or_die(FFD_USE_FORK, 7, &hold, NULL);
	errno = EDOM;
	fc__gate_open(&hold); /* the child reads EOF and exits; errno stays EDOM */
	/* spin (no calls that touch errno) until our chained handler ran */
	uint64_t deadline = fc__now_ms() + 2000;
	while (!fc__old_calls && fc__now_ms() < deadline)
		;
	int seen = errno;
	obs("errno after-sigchld %s %s", obs_errno(EDOM), obs_errno(seen));
	fc__reap_reported(7, fd);
	return 0;
}

/* Window 4: our read() is blocked when the child dies.  A (the libffd
 * child) dies only once /proc says we sleep in read on that pipe; B (a plain
 * child) writes the byte only once A has been reaped, which libffd's
 * handler does after the signal interrupted the read.  So the read is
 * always interrupted, and only SA_RESTART decides whether we see EINTR:
 * no timing luck either way. */
int fc__eintr(const struct fc__args *args)
{
	int data[2];
	pid_t parent = getpid(), a_pid;
	if (pipe(data) < 0)
		obs_die("pipe: %s", strerror(errno));
	/* not a held child: A waits for our read, not for a gate */
	int fd = fc__ffd.fork(FFD_USE_FORK, &a_pid);
	if (fd == FFD_CHILD_PROCESS) {
		fc__await_syscall(parent, parent, SYS_read, data[0]);
		_exit(3);
	}
	obs("spawned 3");
	if (fd < 0)
		obs_library_failed("ffd_fork");
	pid_t helper = fork();
	if (helper == 0) {
		fc__reaped_within(a_pid, 5000);
		_exit(write(data[1], "x", 1) == 1 ? 0 : 1);
	}
	close(data[1]);
	int interrupted = 0;
	char byte;
	while (read(data[0], &byte, 1) < 0 && errno == EINTR)
		interrupted++;
	obs("eintr read %d", interrupted);
	fc__reap_reported(3, fd);
	waitpid(helper, NULL, 0);
	return 0;
}
