/* syscall(2): dispatched by number to a wrapper per line of syscalls.def,
 * generated with the same steps as the libc wrappers (hooks.h), or to the
 * pseudo-call "syscall" (selected with syscall:nr=N or sys_NAME). */
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "call_headers.h"
#include "hooks.h"
#include "libc.h"

/* clone3's flags, read without trusting the pointer: a bad one must give
 * the caller EFAULT from the kernel, not a crash.  -1 when unreadable. */
static int clone3_flags(const long a[6], uint64_t *flags)
{
	struct iovec local = { flags, sizeof *flags }, remote = { (void *)a[0], sizeof *flags };
	if ((size_t)a[1] < sizeof *flags ||
	    fc__sys6(SYS_process_vm_readv, fc__getpid(), (long)&local, 1, (long)&remote, 1, 0) != (long)sizeof *flags)
		return -1;
	return 0;
}

/* clone3 makes a process (not a thread, not a shared-memory vfork) when its
 * flags say so. */
static int clone3_makes_process(const long a[6])
{
	uint64_t flags;
	return clone3_flags(a, &flags) == 0 && !(flags & (CLONE_VM | CLONE_THREAD));
}

static int clone3_shares_vm(const long a[6])
{
	uint64_t flags;
	return clone3_flags(a, &flags) == 0 && (flags & CLONE_VM);
}

typedef long (*real_syscall)(long, ...);

/* Each out of line: syscall() keeps a frame of its own size, not the
 * largest of them (scripts/stack-budget.py). */
#define SYS_WRAPPER(fn, id, facts)                                                                                  \
	static __attribute__((noinline)) long fn(real_syscall fc_real, long nr, long a[6], void *ra)                \
	{                                                                                                           \
		FC_LOCALS(long);                                                                                    \
		int fc_counted = fc__armed[(id)] == FC_ARMED_COUNT;                                                 \
		unsigned long fc_pending = fc_counted ? fc__count_sole((id), nr) : 0;                               \
		if (fc_counted && fc_pending == 0) /* FC_COUNTED's fast path */                                     \
			return fc_real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);                                     \
		FC_SLOW_PATH(long, id, nr, ra, fc_pending, fc_real(nr, a[0], a[1], a[2], a[3], a[4], a[5]), facts); \
	}
#define SYSCALL(name, cls, errnos, facts) SYS_WRAPPER(sys_##name, FC_ID_sys_##name, facts)
#include "syscalls.def"
#undef SYSCALL
SYS_WRAPPER(sys_other, FC_ID_syscall, )

long syscall(long nr, ...)
{
	real_syscall real = (real_syscall)FC_REAL(syscall);
	long a[6];
	va_list ap;
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (FC_LIKELY(!fc__state.active))
		return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	switch (nr) {
#define SYSCALL(name, ...) \
	case SYS_##name:   \
		return sys_##name(real, nr, a, __builtin_return_address(0));
#include "syscalls.def"
#undef SYSCALL
	}
	return sys_other(real, nr, a, __builtin_return_address(0));
}
