/* The generated wrappers: one per CALL line of calls.def.  The fast path (no
 * rule names the call, no trace) is a load and a tail call, with no frame;
 * everything else is in a function of its own, the skeleton of hooks.h
 * with the line's facts as its steps. */
#undef _FORTIFY_SOURCE /* a wrapper defines the function, not glibc's inline */
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "call_headers.h"
#include "hooks.h"

/* The slow path's parameters and arguments: the caller's return address
 * first (for caller= and the trace), then the call's own. */
#define FC_RA_PARAMS(...) (void *fc_ra, ##__VA_ARGS__)
#define FC_RA_ARGS(...) (__builtin_return_address(0), ##__VA_ARGS__)

/* What both halves of a wrapper start with: the real call and what it needs. */
#define FC_PREAMBLE(rtype, params, facts)        \
	FC_LOCALS(rtype);                        \
	void *fc_vararg __attribute__((unused)); \
	rtype(*fc_real) params = NULL;           \
	FC_AT_STEP(FC_STEP_REAL, facts);         \
	FC_AT_STEP(FC_STEP_ENTRY, facts)

#define CALL(name, cls, rtype, params, args, errnos, facts)                        \
	static __attribute__((noinline)) rtype fc_slow_##name FC_RA_PARAMS params  \
	{                                                                          \
		FC_PREAMBLE(rtype, params, facts);                                 \
		if (!fc_real)                                                      \
			fc_real = FC_REAL(name);                                   \
		FC_SLOW_PATH(rtype, FC_ID_##name, -1, fc_ra, fc_real args, facts); \
	}                                                                          \
	rtype name params                                                          \
	{                                                                          \
		FC_PREAMBLE(rtype, params, facts);                                 \
		if (FC_LIKELY(!fc__armed[FC_ID_##name])) {                         \
			if (!fc_real)                                              \
				fc_real = fc__real[FC_ID_##name];                  \
			if (FC_LIKELY(fc_real != NULL))                            \
				return fc_real args;                               \
		}                                                                  \
		return fc_slow_##name FC_RA_ARGS args;                             \
	}
#define OWN(...)
#include "calls.def"
