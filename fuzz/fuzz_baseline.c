/* Fuzz target: the baseline reader of `forkchaos check --baseline FILE`
 * (runner/check_report.c), a list of scenario names, one a line, with
 * comments.  Besides not crashing: each name read is a non-empty word,
 * cut to its slot, and never more names than slots. */
#include <string.h>
#include "check.h"
#include "fuzz.h"

#define SLOTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[SLOTS + 1][64];
	/* a canary slot past the end: a reader that overruns MAX writes it */
	memset(names, 0, sizeof names);
	int n = fc_baseline_load(fc__fuzz_file(data, size, 1), names, SLOTS);
	FC_FUZZ_ASSERT(n >= 0 && n <= SLOTS);
	FC_FUZZ_ASSERT(!names[SLOTS][0]);
	for (int i = 0; i < n; i++) {
		FC_FUZZ_ASSERT(memchr(names[i], 0, sizeof names[i]) && names[i][0]);
		FC_FUZZ_ASSERT(!strpbrk(names[i], " \t\r\n#"));
	}
	return 0;
}
