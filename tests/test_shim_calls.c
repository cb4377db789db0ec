/* The calls that were added to calls.def as one line each (socket,
 * accept4, poll, epoll_wait): their rules take effect, observed by
 * tests/targets/netcalls under `forkchaos run`.  One behaviour per test. */
#include <criterion/criterion.h>
#include <string.h>
#include "fc_test_util.h"

static struct fc_result r;

#define NETCALLS(plan, ...)                                                                                    \
	fc_exec(&r,                                                                                            \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--plan", plan, "--", \
						      fc_build_path("targets/netcalls"), __VA_ARGS__, NULL })

Test(calls, second_socket_fails_with_emfile, .timeout = 30)
{
	cr_assert_eq(NETCALLS("socket:when=2:error=EMFILE", "socket", "3"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "socket 2 -1 EMFILE"), "out: %s", r.out);
	cr_expect_null(fc_line(r.out, "socket 1 -1"), "out: %s", r.out);
	cr_expect_null(fc_line(r.out, "socket 3 -1"), "out: %s", r.out);
}

Test(calls, accept4_fails_with_econnaborted_with_a_connection_waiting, .timeout = 30)
{
	cr_assert_eq(NETCALLS("accept4:when=1:error=ECONNABORTED", "accept4", "2"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "accept4 1 -1 ECONNABORTED"), "out: %s", r.out);
	cr_expect_null(fc_line(r.out, "accept4 2 -"), "the second accept4 failed too: %s", r.out);
}

Test(calls, second_poll_fails_with_eintr, .timeout = 30)
{
	cr_assert_eq(NETCALLS("poll:when=2:error=EINTR", "poll", "3"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "poll 1 1 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "poll 2 -1 EINTR"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "poll 3 1 OK"), "out: %s", r.out);
}

Test(calls, epoll_wait_fails_with_eintr, .timeout = 30)
{
	cr_assert_eq(NETCALLS("epoll_wait:error=EINTR", "epoll_wait", "2"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "epoll_wait 1 -1 EINTR"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "epoll_wait 2 -1 EINTR"), "out: %s", r.out);
}

Test(calls, epoll_wait_fd_selector_spares_another_descriptor, .timeout = 30)
{
	/* FD_ARG(epfd) on its line: fd= compares the epoll descriptor */
	cr_assert_eq(NETCALLS("epoll_wait:fd=1000:error=EINTR", "epoll_wait", "1"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "epoll_wait 1 1 OK"), "out: %s", r.out);
}

Test(calls, calls_command_lists_them_under_fd, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "calls", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	const char *fd_class = strstr(r.out, "%fd:"), *next = fd_class ? strstr(fd_class, "%signal:") : NULL;
	cr_assert(fd_class && next, "out: %s", r.out);
	const char *names[] = { "  socket ", "  accept4 ", "  poll ", "  epoll_wait " };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *hit = strstr(fd_class, names[i]);
		cr_expect(hit && hit < next, "%s is not listed under %%fd: %s", names[i], r.out);
	}
}
