/* The arguments sig= and fd= compare, from a trapped call's raw arguments,
 * as syscalls.def states them (its SIG_ARG and FD_ARG facts; the other
 * facts are the shim's). */
#include <sched.h>
#include <stdint.h>
#include "seccomp_int.h"
#include "facts.h"

#define FC_DATA(kind)
#define FC_HOOK(kind, ...) FC_HOOK_##kind(__VA_ARGS__)
#define FC_HOOK_SIG_ARG(x) c->sig = (x);
#define FC_HOOK_FD_ARG(x) c->fd = (x);
#define FC_HOOK_FD_PAIR(...)
#define FC_HOOK_FORKS(...)
#define FC_HOOK_SHARES_VM(...)
#define FC_HOOK_EXECS(...)
#define FC_HOOK_GUARD(...)
#define FC_HOOK_RANGE(...)
#define FC_HOOK_RAW_HANDLERS(...)
#define FC_HOOK_REAPS(...)
#define FC_HOOK_REAPS_INFO(...)

void fc__sys_args(struct fc_sys_call *c)
{
	const long *a = (const long *)c->args;
	c->sig = c->fd = -1;
	switch (c->call_id) {
#define SYSCALL(name, cls, errnos, facts) \
	case FC_ID_sys_##name:            \
		facts break;
#include "syscalls.def"
#undef SYSCALL
	default: break;
	}
	(void)a;
}
