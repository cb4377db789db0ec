/* caller= with depth=N: the N frames above the wrapped call, each compared
 * with the rule's ranges from the symbol index.  depth=1 needs no unwinding
 * (the return address is enough); deeper frames come from the compiler's
 * own unwinder (_Unwind_Backtrace in libgcc_s, the one glibc's backtrace()
 * uses): it reads .eh_frame in memory, allocates nothing and opens nothing.
 * libunwind was used here first, but it opens a pipe in the target (to
 * validate addresses), which shows in the target's own descriptor census.
 * libgcc_s is loaded by the constructor, and only for a plan with depth=
 * (never later: not in a handler): linked in, its five mappings would be
 * copied at every fork of every target (make bench: fork). */
#include <dlfcn.h>
#include <unwind.h>
#include <signal.h>
#include "libc.h"
#include "shim.h"

static _Unwind_Reason_Code (*unwind_backtrace)(_Unwind_Trace_Fn, void *);
static _Unwind_Ptr (*unwind_get_ip)(struct _Unwind_Context *);

void fc__caller_load(void)
{
	for (int r = 0; r < fc__state.plan.nrules; r++) {
		if (fc__state.plan.rules[r].depth <= 1)
			continue;
		void *lib = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
		void *walk = lib ? dlsym(lib, "_Unwind_Backtrace") : NULL, *ip = lib ? dlsym(lib, "_Unwind_GetIP") : NULL;
		if (walk && ip) {
			unwind_get_ip = (_Unwind_Ptr(*)(struct _Unwind_Context *))ip;
			unwind_backtrace = (_Unwind_Reason_Code(*)(_Unwind_Trace_Fn, void *))walk;
		}
		return;
	}
}

struct frame_walk {
	void **frames;
	int count, max;
};

static _Unwind_Reason_Code note_frame(struct _Unwind_Context *context, void *arg)
{
	struct frame_walk *walk = arg;
	if (walk->count >= walk->max)
		return _URC_END_OF_STACK;
	walk->frames[walk->count++] = (void *)unwind_get_ip(context);
	return _URC_NO_REASON;
}

/* The unwinder needs a few KiB of stack.  A handler on a small alternate
 * stack (SIGSTKSZ was 8 KiB) may not have them: there depth= judges by the
 * return address alone rather than overflow the target's stack. */
#define UNWIND_NEEDS 5120

static int room_to_unwind(void)
{
	struct {
		void *sp;
		int flags;
		size_t size;
	} ss;
	char here;
	if (!fc__in_handler || fc__sys(SYS_sigaltstack, 0, &ss, 0) < 0 || !(ss.flags & SS_ONSTACK))
		return 1;
	return (size_t)(&here - (char *)ss.sp) > UNWIND_NEEDS;
}

int fc__caller_matches(int rule, int depth, void *ra)
{
	/* without the unwinder (no libgcc_s), as without room for it: by
	 * the return address alone */
	if (depth <= 1 || !unwind_backtrace || !room_to_unwind())
		return fc__caller_in_rule(rule, ra);
	void *frames[FC_MAX_DEPTH + 8]; /* the shim's own frames come first */
	struct frame_walk walk = { frames, 0, sizeof frames / sizeof frames[0] };
	fc__guard++;
	unwind_backtrace(note_frame, &walk);
	fc__guard--;
	int first = 0;
	while (first < walk.count && frames[first] != ra)
		first++;
	if (first == walk.count) /* the unwinder lost our caller: judge by it alone */
		return fc__caller_in_rule(rule, ra);
	for (int i = first; i < walk.count && i < first + depth; i++)
		if (fc__caller_in_rule(rule, frames[i]))
			return 1;
	return 0;
}
