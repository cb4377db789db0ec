/* syscall(2): dispatched by number to the sys_NAME lines of calls.def, or to
 * the pseudo-call "syscall" (selected with syscall:nr=N). */
#include <linux/sched.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include "shim.h"

extern long (*fc__real_syscall)(long, ...) FC_HIDDEN;

/* A clone that makes a process (not a thread, not a shared-memory vfork)
 * returns twice; its child must start counting again. */
static int makes_process(long nr, const long a[6])
{
	unsigned long flags;
	if (nr == SYS_clone)
		flags = (unsigned long)a[0];
	else if (nr == SYS_clone3 && a[0])
		flags = (unsigned long)((const struct clone_args *)a[0])->flags;
	else
		return 0;
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
	int forking = fc__state.active && makes_process(nr, a);
	if (forking)
		fc__before_fork();
	long result = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
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
