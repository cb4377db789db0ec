/* The summary of a forkchaos trace that a person can read: `forkchaos trace
 * FILE`, and later `run --explain`. */
#ifndef FC_TRACE_EXPLAIN_H
#define FC_TRACE_EXPLAIN_H
#include <stdio.h>

struct fc_explain_opts {
	long long pid;   /* only this process; 0: every process */
	int json;        /* one JSON object instead of text */
	int max_rows;    /* the longest list printed before "(N more)"; 0: 20 */
	const char *who; /* the message prefix: "forkchaos trace" when NULL */
};

/* Writes the summary of the trace at PATH to OUT.  Returns 0, or 2 after
 * one line on stderr when PATH cannot be read, is not a forkchaos trace (no
 * header line) or holds no line of OPTS->pid. */
int fc_trace_explain(const char *path, FILE *out, const struct fc_explain_opts *opts);
#endif
