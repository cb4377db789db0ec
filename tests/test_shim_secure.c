/* The shim in a setuid program (AT_SECURE): if the library is ever
 * installed where the loader takes it for such a program (a setuid copy in
 * a system library folder), it must do nothing there, or an unprivileged
 * user could inject faults into the program and make it write files with
 * its privileges through FORKCHAOS_TRACE. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;
static char lib[256], dir[256], prog[300], trace[300];

static int copy(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	ssize_t got = 0;
	while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)got) != got)
			got = -1;
	int ok = in >= 0 && out >= 0 && got == 0;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ok && chmod(to, mode) == 0 ? 0 : -1;
}

static void setup(void)
{
	/* the loader only takes, for a setuid program, a preload without a
	 * slash, found in a system folder, with the setuid bit itself */
	snprintf(lib, sizeof lib, "/usr/lib/x86_64-linux-gnu/libforkchaos-secure-test-%d.so", (int)getpid());
	fc_temp_path(dir, sizeof dir, "secure");
	snprintf(prog, sizeof prog, "%s/life", dir);
	snprintf(trace, sizeof trace, "%s/trace.jsonl", dir);
}

static void teardown(void)
{
	unlink(lib);
	unlink(prog);
	unlink(trace);
	rmdir(dir);
}

Test(secure, setuid_program_runs_without_plan_or_trace, .init = setup, .fini = teardown, .timeout = 30)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: a setuid copy of the shim goes in /usr/lib/x86_64-linux-gnu for the loader to take it");
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(copy(fc_build_path("libforkchaos.so"), lib, 04755), 0, "cannot install %s", lib);
	cr_assert_eq(copy(fc_build_path("targets/life"), prog, 0755), 0);
	/* setuid to nobody: started by root, it changes its euid, so the
	 * kernel marks it AT_SECURE */
	cr_assert_eq(chown(prog, 65534, 65534), 0);
	cr_assert_eq(chmod(prog, 04755), 0);
	cr_assert_eq(chmod(dir, 0777), 0);
	char preload[300], plan_env[] = "FORKCHAOS_PLAN=pipe2:error=EMFILE", trace_env[320];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", strrchr(lib, '/') + 1);
	snprintf(trace_env, sizeof trace_env, "FORKCHAOS_TRACE=%s", trace);
	const char *argv[] = { "/usr/bin/env", preload, plan_env, trace_env, prog, "forks", "1", NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "child-pipe2 1 0 OK"), "a fault was injected into a setuid program: %s", r.out);
	cr_expect_neq(access(trace, F_OK), 0, "the setuid program wrote a trace");
}
