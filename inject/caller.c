/* caller= with depth=N: the N frames above the wrapped call, from
 * libunwind's unw_backtrace (local unwinding from .eh_frame: no malloc, no
 * file access), each compared with the rule's ranges from the symbol index.
 * depth=1 needs no unwinding at all: the return address is enough. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include "shim.h"

int fc__caller_matches(int rule, int depth, void *ra)
{
	if (depth <= 1)
		return fc__caller_in_rule(rule, ra);
	void *frames[40];
	fc__guard++;
	int nframes = unw_backtrace(frames, sizeof frames / sizeof frames[0]);
	fc__guard--;
	int first = 0;
	while (first < nframes && frames[first] != ra)
		first++;
	if (first == nframes) /* the unwinder lost our caller: judge by it alone */
		return fc__caller_in_rule(rule, ra);
	for (int i = first; i < nframes && i < first + depth; i++)
		if (fc__caller_in_rule(rule, frames[i]))
			return 1;
	return 0;
}
