/* The generated wrappers: one per GEN line of calls.def.  The fast path (no
 * rule names the call, no trace) is one load and a tail call. */
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "shim.h"

#define X(name, cls, how, rtype, params, args, fail, sigx, fdx, nr, errnos) X_##how(name, rtype, params, args, sigx, fdx)
#define X_CUSTOM(...)
#define X_INSIDE(...)
#define X_SYS(...)
#define X_GEN(name, rtype, params, args, sigx, fdx)                                                         \
	rtype name params                                                                                   \
	{                                                                                                   \
		struct fc_call fc_c;                                                                        \
		long fc_ret;                                                                                \
		rtype(*fc_real) params = FC_REAL(name);                                                     \
		if (FC_LIKELY(!fc__enter(&fc_c, FC_ID_##name, (sigx), (fdx), __builtin_return_address(0)))) \
			return fc_real args;                                                                \
		if (fc__pre(&fc_c, &fc_ret))                                                                \
			return (rtype)(intptr_t)fc_ret;                                                     \
		rtype fc_result = fc_real args;                                                             \
		return (rtype)(intptr_t)fc__post(&fc_c, (long)(intptr_t)fc_result);                         \
	}
#include "calls.def"
