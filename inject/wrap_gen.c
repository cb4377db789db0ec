/* The generated wrappers: one per CALL line of calls.def.  The fast path (no
 * rule names the call, no trace) is a load and a tail call, with no frame;
 * everything else is in a function of its own, the skeleton of hooks.h
 * with the line's facts as its steps. */
#undef _FORTIFY_SOURCE /* a wrapper defines the function, not glibc's inline */
#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "call_headers.h"
#include "hooks.h"

/* The slow path's parameters and arguments: the caller's return address
 * first (for caller= and the trace), then the call's own; the full path's,
 * what FC_COUNTED left to do after it. */
#define FC_RA_PARAMS(...) (void *fc_ra, ##__VA_ARGS__)
#define FC_RA_ARGS(...) (__builtin_return_address(0), ##__VA_ARGS__)
#define FC_FULL_PARAMS(...) (void *fc_ra, unsigned long fc_pending, ##__VA_ARGS__)
#define FC_FULL_ARGS(...) (fc_ra, fc_pending, ##__VA_ARGS__)

/* What every part of a wrapper starts with: the real call and what it needs. */
#define FC_PREAMBLE(rtype, params, facts)        \
	FC_LOCALS(rtype);                        \
	void *fc_vararg __attribute__((unused)); \
	rtype(*fc_real) params = NULL;           \
	FC_AT_STEP(FC_STEP_REAL, facts);         \
	FC_AT_STEP(FC_STEP_ENTRY, facts)

#define FC_RESOLVED(resolve, facts)         \
	FC_AT_STEP(FC_STEP_RESOLVE, facts); \
	if (!fc_real)                       \
	fc_real = (resolve)

/* One wrapper: SYM's public function, its slow path and its full path.
 * The public function's fast path is a load and a tail call, with no
 * frame; the slow path counts a call that only rules name (FC_COUNTED)
 * and, when none fires, makes it by a tail call too; the full path (which
 * resolves the real call if the constructor has not yet run) is the
 * skeleton of hooks.h with the line's facts as its steps.  ID is the call it counts
 * as, REAL_SLOT the real function once resolved, RESOLVE finds it. */
#define FC_WRAPPER(sym, id, real_slot, resolve, rtype, params, args, facts)            \
	static __attribute__((noinline)) rtype fc_full_##sym FC_FULL_PARAMS params     \
	{                                                                              \
		FC_PREAMBLE(rtype, params, facts);                                     \
		FC_RESOLVED(resolve, facts);                                           \
		FC_SLOW_PATH(rtype, (id), -1, fc_ra, fc_pending, fc_real args, facts); \
	}                                                                              \
	static __attribute__((noinline)) rtype fc_slow_##sym FC_RA_PARAMS params       \
	{                                                                              \
		FC_PREAMBLE(rtype, params, facts);                                     \
		if (!fc_real)                                                          \
			fc_real = (real_slot);                                         \
		if (fc__armed[(id)] == FC_ARMED_COUNT && FC_LIKELY(fc_real != NULL)) { \
			FC_COUNTED((id), -1, fc_real args);                            \
			return fc_full_##sym FC_FULL_ARGS args;                        \
		}                                                                      \
		unsigned long fc_pending = 0;                                          \
		return fc_full_##sym FC_FULL_ARGS args;                                \
	}                                                                              \
	rtype sym params                                                               \
	{                                                                              \
		FC_PREAMBLE(rtype, params, facts);                                     \
		if (FC_LIKELY(!fc__armed[(id)])) {                                     \
			if (!fc_real)                                                  \
				fc_real = (real_slot);                                 \
			if (FC_LIKELY(fc_real != NULL))                                \
				return fc_real args;                                   \
		}                                                                      \
		return fc_slow_##sym FC_RA_ARGS args;                                  \
	}

/* The ALIAS lines' real symbols: a table of their own, since they have no
 * id.  Resolved eagerly like the calls' (dlsym may allocate, which must
 * not happen later inside a signal handler), lazily if called earlier. */
#define CALL(...)
#define OWN(...)
enum {
#define ALIAS(sym, ...) FC_ALIAS_##sym,
#include "calls.def"
#undef ALIAS
	FC_NALIASES
};
static const char *const alias_names[FC_NALIASES] = {
#define ALIAS(sym, ...) [FC_ALIAS_##sym] = #sym,
#include "calls.def"
#undef ALIAS
};
#undef CALL
#undef OWN
static void *alias_real[FC_NALIASES];

static void *alias_resolve(int alias)
{
	fc__guard++;
	void *fn = dlsym(RTLD_NEXT, alias_names[alias]);
	fc__guard--;
	__atomic_store_n(&alias_real[alias], fn, __ATOMIC_RELAXED);
	return fn;
}

__attribute__((constructor(101))) static void alias_init(void)
{
	int saved_errno = errno;
	for (int alias = 0; alias < FC_NALIASES; alias++)
		if (!alias_real[alias])
			alias_resolve(alias);
	errno = saved_errno;
}

#define CALL(name, cls, rtype, params, args, errnos, facts) \
	FC_WRAPPER(name, FC_ID_##name, fc__real[FC_ID_##name], FC_REAL(name), rtype, params, args, facts)
#define ALIAS(sym, name, rtype, params, args, facts) \
	FC_WRAPPER(sym, FC_ID_##name, alias_real[FC_ALIAS_##sym], alias_resolve(FC_ALIAS_##sym), rtype, params, args, facts)
#define OWN(...)
#include "calls.def"
