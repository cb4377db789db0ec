/* The call table, expanded from calls.def and syscalls.def: names, classes,
 * the facts as flag bits, errnos. */
#include <sys/syscall.h>
#include "plan.h"
#include "facts.h"

const struct fc_class_info fc_classes[FC_NCLASSES] = {
#define X(cls, text) { FC_CLASS_##cls, text },
	FC_CLASSES(X)
#undef X
};

/* Every fact is a flag here, a hook's too: the parser asks what a call has
 * (an fd argument, an output for at=inside), the engine what it does. */
#define FC_DATA(kind) | FC_F_##kind
#define FC_HOOK(kind, ...) | FC_F_##kind

const struct fc_call_info fc_calls[FC_NCALLS] = {
#define CALL(name, cls, rtype, params, args, errnos, facts) [FC_ID_##name] = { #name, FC_CLASS_##cls, 0 facts, -1, errnos },
#define OWN CALL
#define SYSCALL(name, cls, errnos, facts) \
	[FC_ID_sys_##name] = { "sys_" #name, FC_CLASS_##cls, FC_F_SYS facts, SYS_##name, errnos },
#include "calls.def"
#include "syscalls.def"
	[FC_ID_syscall] = { "syscall", 0, 0, -1, "" },
};
