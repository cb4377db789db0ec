/* hostile_fds: the shim's trace descriptor must cost the target nothing
 * (issue 9, finding 12).  Run with a trace; each subcommand prints what it
 * saw:
 *   range-fail N [REAL]  N close_range() and N closefrom() calls over
 *                  the trace that fail (the plan injects their EINVAL), or
 *                  with REAL 1, N close_range() calls that really fail
 *                  (bad flags): the number of open descriptors must not
 *                  grow
 *   dup2-bad       dup2(bad, the trace's number) fails with EBADF and must
 *                  leave no extra descriptor open
 *   shim-number    fcntl(F_GETFD) and close() on the trace's number, which
 *                  the program never opened: EBADF, as without the shim
 *   range-traced   close_range() over the trace's number: its own trace
 *                  line must be written (the test reads the trace) */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include "hostile.h"

static const char *ename(int ret, int err)
{
	return ret < 0 ? strerrorname_np(err) : "OK";
}

static int range_fail(const struct sub_args *args)
{
	long n = args->word ? args->n : 2000;
	int before = hostile_open_fds(), failed = 0;
	for (long i = 0; i < n; i++) {
		/* flags no kernel knows: EINVAL, after the shim's work */
		failed += close_range(3, ~0u, args->k ? 0x40000000 : 0) < 0;
		if (!args->k)
			closefrom(3); /* void: it cannot fail for real */
	}
	printf("range-fail calls %ld failed %d open-fds %d -> %d\n", n, failed, before, hostile_open_fds());
	return 0;
}

static int dup2_bad(const struct sub_args *args)
{
	int before = hostile_open_fds(), trace = hostile_trace_fd();
	int ret = dup2(1000000, trace);
	int err = errno;
	printf("dup2-bad %d %s open-fds %d -> %d\n", ret, ename(ret, err), before, hostile_open_fds());
	return 0;
}

static int shim_number(const struct sub_args *args)
{
	int trace = hostile_trace_fd();
	int flags = fcntl(trace, F_GETFD);
	int flags_err = errno;
	int closed = close(trace);
	int close_err = errno;
	printf("trace-number %s\n", trace >= 0 ? "found" : "none");
	printf("fcntl %d %s\n", flags < 0 ? -1 : 0, ename(flags, flags_err));
	printf("close %d %s\n", closed, ename(closed, close_err));
	return 0;
}

static int range_traced(const struct sub_args *args)
{
	int ret = close_range(3, ~0u, 0);
	int err = errno;
	printf("close_range %d %s\n", ret, ename(ret, err));
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "range-fail", range_fail, "[N [REAL]]",
	  "N failing close_range(3, ~0) and closefrom(3); open descriptors before/after" },
	{ "dup2-bad", dup2_bad, "", "dup2(bad, the trace's number); open descriptors before and after" },
	{ "shim-number", shim_number, "", "fcntl(F_GETFD) and close() on the trace's number" },
	{ "range-traced", range_traced, "", "close_range(3, ~0): its line must be in the trace" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("hostile_fds", subcommands);
}
