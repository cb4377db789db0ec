/* The call table, expanded from calls.def: names, classes, failure kinds. */
#include <sys/syscall.h>
#include "plan.h"

const struct fc_call_info fc_calls[FC_NCALLS] = {
/* "-1" in the sig/fd column means the call has no such argument */
#define HAS_ARG(expr) (#expr[0] != '-')
#define X(name, cls, how, rtype, params, args, fail, sig, fd, nr, errnos) \
	[FC_ID_##name] = { #name, FC_CLASS_##cls, FC_HOW_##how, FC_FAIL_##fail, nr, HAS_ARG(sig), HAS_ARG(fd), errnos },
#include "calls.def"
#undef X
	[FC_ID_syscall] = { "syscall", 0, FC_HOW_SYS, FC_FAIL_NEG1, -1, 0, 0, "" },
};
