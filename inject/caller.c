/* caller= with depth=N: the N frames above the wrapped call, each compared
 * with the rule's ranges from the symbol index.  depth=1 needs no unwinding
 * (the return address is enough); deeper frames come from the compiler's
 * own unwinder (_Unwind_Backtrace in libgcc_s, the one glibc's backtrace()
 * uses, linked directly so nothing is dlopen()ed): it reads .eh_frame in
 * memory, allocates nothing and opens nothing.  libunwind was used here
 * first, but it opens a pipe in the target (to validate addresses), which
 * shows in the target's own descriptor census. */
#include <unwind.h>
#include <signal.h>
#include "libc.h"
#include "shim.h"

struct frame_walk {
	void **frames;
	int count, max;
};

static _Unwind_Reason_Code note_frame(struct _Unwind_Context *context, void *arg)
{
	struct frame_walk *walk = arg;
	if (walk->count >= walk->max)
		return _URC_END_OF_STACK;
	walk->frames[walk->count++] = (void *)_Unwind_GetIP(context);
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
	if (depth <= 1 || !room_to_unwind())
		return fc__caller_in_rule(rule, ra);
	void *frames[FC_MAX_DEPTH + 8]; /* the shim's own frames come first */
	struct frame_walk walk = { frames, 0, sizeof frames / sizeof frames[0] };
	fc__guard++;
	_Unwind_Backtrace(note_frame, &walk);
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
