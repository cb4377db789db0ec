/* Helpers for the Criterion tests: run build/forkchaos on a target program
 * and capture what it printed. */
#ifndef FC_TEST_UTIL_H
#define FC_TEST_UTIL_H
#include <stddef.h>

struct fc_result {
	int code;        /* exit code of forkchaos (128+N for a signal) */
	char out[65536]; /* its stdout */
	char err[16384]; /* its stderr */
};

/* Path of a build output, from the test binary's own location
 * (build/tests/X -> build/NAME). */
const char *fc_build_path(const char *name);
/* Run ARGV (NULL-terminated), capturing stdout and stderr. */
int fc_exec(struct fc_result *r, char *const argv[]);
/* forkchaos run [--plan PLAN] [--trace TRACE] -- build/targets/probe ARGS... */
int fc_probe(struct fc_result *r, const char *plan, const char *trace, const char *const args[]);
/* The line of TEXT that starts with PREFIX, or NULL. */
const char *fc_line(const char *text, const char *prefix);
int fc_count_prefix(const char *text, const char *prefix);
/* Wait (up to 20 s, polling) until PATH exists: a target's "I have started"
 * marker.  Returns 1 when it does. */
int fc_await_file(const char *path);
/* Start forkchaos with ARGV[1..] in the background (stdout to OUT_FD, or
 * /dev/null when -1); returns its pid. */
int fc_spawn_forkchaos(const char *const argv[], int out_fd);
/* A fresh temporary file path (removed by the caller). */
void fc_temp_path(char *buf, size_t len, const char *tag);
#endif
