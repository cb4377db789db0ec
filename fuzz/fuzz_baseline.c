/* Fuzz target: the baseline reader of `forkchaos check --baseline FILE`
 * (runner/check_report.c), a list of scenario names, one a line, with
 * comments.  Besides not crashing: each name read is a non-empty word cut
 * to its slot, none holds a blank or a comment, and there are never more
 * names than the input has lines. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char(*names)[64] = NULL;
	int n = fc_baseline_load(fc__fuzz_file(data, size, 1), &names);
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	/* fgets cuts a line of 255 bytes or more into pieces: each may name */
	FC_FUZZ_ASSERT(n >= 0 && (size_t)n <= lines + size / 255);
	for (int i = 0; i < n; i++) {
		FC_FUZZ_ASSERT(memchr(names[i], 0, sizeof names[i]) && names[i][0]);
		FC_FUZZ_ASSERT(!strpbrk(names[i], " \t\r\n#"));
	}
	free(names);
	return 0;
}
