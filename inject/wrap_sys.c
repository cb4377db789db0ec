/* syscall(2): dispatched by number to the sys_NAME lines of calls.def, or to
 * the pseudo-call "syscall" (selected with syscall:nr=N). */
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sys/uio.h>
#include <unistd.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include "shim.h"

extern long (*fc__real_syscall)(long, ...) FC_HIDDEN;

/* A clone that makes a process (not a thread, not a shared-memory vfork)
 * returns twice; its child must start counting again. */
static int makes_process(long nr, const long a[6])
{
	uint64_t flags = 0;
	if (nr == SYS_fork)
		return 1;
	if (nr == SYS_clone) {
		flags = (uint64_t)a[0];
	} else if (nr == SYS_clone3 && (size_t)a[1] >= sizeof flags) {
		/* read the target's struct without trusting the pointer: a bad
		 * one must give the caller EFAULT from the kernel, not a crash */
		struct iovec local = { &flags, sizeof flags }, remote = { (void *)a[0], sizeof flags };
		if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof flags)
			return 0;
	} else {
		return 0;
	}
	return !(flags & (CLONE_VM | CLONE_THREAD));
}

long syscall(long nr, ...)
{
	long (*real)(long, ...) = fc__real_syscall ? fc__real_syscall : (long (*)(long, ...))fc__resolve(FC_ID_syscall);
	struct fc_call c;
	long a[6], ret;
	va_list ap;
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	int active = fc__enter_sys(&c, nr, a, __builtin_return_address(0));
	if (active && fc__pre(&c, &ret))
		return ret;
	/* the raw forms of close/dup2/dup3/close_range spare the trace too */
	int trace_hit = 0;
	if (nr == SYS_close)
		fc__trace_guard_fd((int)a[0]);
	else if ((nr == SYS_dup2 || nr == SYS_dup3) && a[0] != a[1])
		fc__trace_guard_fd((int)a[1]);
	else if (nr == SYS_close_range)
		trace_hit = fc__trace_range_begin((unsigned)a[0], (unsigned)a[1], (int)(a[2] & CLOSE_RANGE_CLOEXEC));
	int forking = fc__state.active && makes_process(nr, a);
	if (forking)
		fc__before_fork();
	long result = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	fc__trace_range_end(trace_hit);
	if (forking && result == 0) {
		int err = errno;
		fc__after_fork_child();
		if (active) {
			c.child_side = 1;
			c.rule = -1;
			fc__post(&c, 0);
		}
		errno = err;
		return 0;
	}
	if (forking && result > 0)
		fc__note_child((pid_t)result);
	return active ? fc__post(&c, result) : result;
}
