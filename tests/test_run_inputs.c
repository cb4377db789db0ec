/* What `run` refuses before anything runs, rather than run the command
 * with the plan silently not applied (issue 10, items 3 and 6), and the
 * plan read from a file (--plan-file). */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "test_run_util.h"

static struct fc_result r;
static char dir[256];

static void make_dir(void)
{
	cr_assert_eq(fc_temp_dir(dir, sizeof dir, "inputs"), 0);
}

static void remove_dir(void)
{
	fc_remove_tree(dir);
}

TestSuite(run_inputs, .init = make_dir, .fini = remove_dir);

/* forkchaos run --plan 'pipe2:when=1:error=EMFILE' -- CMD pipe2 1 */
static int run_planned(const char *cmd)
{
	const char *argv[] = {
		fc_build_path("forkchaos"), "run", "--plan", "pipe2:when=1:error=EMFILE", "--", cmd, "pipe2", "1", NULL
	};
	return fc_exec(&r, (char *const *)argv);
}

/* A copy of probe in DIR, owned by nobody, with MODE. */
static const char *probe_copy(mode_t mode)
{
	static char copy[PATH_MAX];
	struct statvfs fs;
	snprintf(copy, sizeof copy, "%s/probe", dir);
	cr_assert_eq(fc_copy_file(fc_build_path("targets/probe"), copy, 0755), 0);
	if (statvfs(dir, &fs) == 0 && (fs.f_flag & ST_NOSUID))
		cr_skip_test("%s is on a nosuid mount: set-id bits do nothing there", dir);
	if (chown(copy, 65534, 65534) < 0 || chmod(copy, mode) < 0)
		cr_skip_test("cannot give a copy to nobody with mode %o (%s): not root?", (unsigned)mode, strerror(errno));
	return copy;
}

Test(run_inputs, setuid_command_is_refused_under_a_plan, .timeout = 30)
{
	/* before: it ran in secure mode, the plan not applied, exit 0 */
	cr_expect_eq(run_planned(probe_copy(04755)), 2, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, "is setuid (owner uid 65534, yours is 0)"), "err: %s", r.err);
	cr_expect(strstr(r.err, "AT_SECURE"), "err: %s", r.err);
	cr_expect(!fc_line(r.out, "pipe2 1"), "the command ran: %s", r.out);
}

Test(run_inputs, setgid_command_is_refused_under_a_trace, .timeout = 30)
{
	char trace[PATH_MAX];
	snprintf(trace, sizeof trace, "%s/t.jsonl", dir);
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--trace", trace, "--", probe_copy(02755), "pipe2", "1", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, "is setgid (group 65534"), "err: %s", r.err);
	cr_expect_neq(access(trace, F_OK), 0, "a trace was made");
}

Test(run_inputs, setuid_command_runs_without_plan_or_trace, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--", probe_copy(04755), "pipe2", "1", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 0 OK"), "out: %s", r.out);
}

Test(run_inputs, command_with_file_capabilities_is_refused_for_an_unprivileged_caller, .timeout = 30)
{
	/* vfs_cap_data, revision 2: CAP_NET_RAW (13) permitted, not effective */
	const unsigned caps[5] = { 0x02000000, 1u << 13, 0, 0, 0 };
	const char *copy = probe_copy(0755);
	if (setxattr(copy, "security.capability", caps, sizeof caps, 0) < 0)
		cr_skip_test("cannot set file capabilities here (%s)", strerror(errno));
	int code = fc_exec_as_nobody(
		&r, (const char *const[]){ "run", "--plan", "pipe2:when=1:error=EMFILE", "--", copy, "pipe2", "1", NULL });
	if (code < 0)
		cr_skip_test("cannot run forkchaos as nobody here (needs root and setpriv)");
	cr_expect_eq(code, 2, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, "has file capabilities (the security.capability attribute)"), "err: %s", r.err);
}

Test(run_inputs, static_command_is_refused_under_a_plan_naming_why, .timeout = 30)
{
	cr_expect_eq(run_planned(fc_build_path("targets/launcher_static")), 2, "out: %s", r.out);
	cr_expect(strstr(r.err, "is statically linked (it has no ELF interpreter)"), "err: %s", r.err);
	cr_expect(strstr(r.err, "LD_PRELOAD cannot load the shim"), "err: %s", r.err);
	cr_expect(!fc_line(r.out, "launcher_static ran"), "the command ran: %s", r.out);
}

Test(run_inputs, static_command_runs_without_plan_or_trace, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--", fc_build_path("targets/launcher_static"), NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "launcher_static ran"), "out: %s", r.out);
}

Test(run_inputs, script_is_judged_by_its_interpreter, .timeout = 30)
{
	char script[PATH_MAX], text[PATH_MAX + 64];
	snprintf(script, sizeof script, "%s/script", dir);
	snprintf(text, sizeof text, "#!%s\n", fc_build_path("targets/launcher_static"));
	FILE *f = fopen(script, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
	chmod(script, 0755);
	cr_expect_eq(run_planned(script), 2, "out: %s", r.out);
	cr_expect(strstr(r.err, "launcher_static' is statically linked"), "err: %s", r.err);
}

/* forkchaos run --shim SHIM (or with FORKCHAOS_SHIM=SHIM) -- /bin/true */
static int run_shim(const char *shim, int from_env)
{
	char env[PATH_MAX + 32];
	snprintf(env, sizeof env, "FORKCHAOS_SHIM=%s", shim);
	const char *flag[] = { fc_build_path("forkchaos"), "run", "--shim", shim, "--", "/bin/true", NULL };
	const char *envd[] = { "/usr/bin/env", env, fc_build_path("forkchaos"), "run", "--", "/bin/true", NULL };
	return fc_exec(&r, (char *const *)(from_env ? envd : flag));
}

Test(run_inputs, shim_that_is_a_program_is_refused, .timeout = 30)
{
	/* before: a PIE program passed as an ELF shared object; ld.so then
	 * skipped it with a warning and the command ran unshimmed */
	const char *program = fc_build_path("targets/probe");
	cr_expect_eq(run_shim(program, 0), 2);
	cr_expect(strstr(r.err, "a program (it has an ELF interpreter), not the forkchaos shim"), "err: %s", r.err);
	cr_expect_eq(run_shim(program, 1), 2);
	cr_expect(strstr(r.err, "forkchaos run: FORKCHAOS_SHIM="), "err: %s", r.err);
}

Test(run_inputs, shim_that_is_another_library_is_refused, .timeout = 30)
{
	cr_expect_eq(run_shim(fc_build_path("libffd.so"), 0), 2);
	cr_expect(strstr(r.err, "does not export forkchaos_shim_abi"), "err: %s", r.err);
}

Test(run_inputs, shim_path_with_a_space_and_a_colon_is_preloaded_whole, .timeout = 30)
{
	/* before: LD_PRELOAD split it in three, none of them a file */
	char folder[PATH_MAX], shim[PATH_MAX + 32];
	snprintf(folder, sizeof folder, "%s/a b:c", dir);
	snprintf(shim, sizeof shim, "%s/libforkchaos.so", folder);
	cr_assert_eq(mkdir(folder, 0755), 0);
	cr_assert_eq(fc_copy_file(fc_build_path("libforkchaos.so"), shim, 0755), 0);
	const char *argv[] = {
		fc_build_path("forkchaos"),     "run",   "--shim", shim, "--plan", "pipe2:when=1:error=EMFILE", "--",
		fc_build_path("targets/probe"), "pipe2", "1",      NULL
	};
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 -1 EMFILE"), "the plan was not applied: %s %s", r.out, r.err);
}

static const char *plan_file(const char *text)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/plan", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
	return path;
}

Test(run_inputs, plan_file_with_comments_and_a_rule_per_line_is_applied, .timeout = 30)
{
	const char *path = plan_file("# the first pipe2 fails\n"
				     "pipe2:when=1:error=EMFILE   # and only it\n"
				     "\n"
				     "  pipe2:when=3:error=ENFILE\n");
	const char *argv[] = { fc_build_path("forkchaos"),     "run",   "--plan-file", path, "--",
			       fc_build_path("targets/probe"), "pipe2", "3",           NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 0, "err: %s", r.err);
	cr_expect(fc_line(r.out, "pipe2 1 -1 EMFILE"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "pipe2 2 0 OK"), "out: %s", r.out);
	cr_expect(fc_line(r.out, "pipe2 3 -1 ENFILE"), "out: %s", r.out);
}

Test(run_inputs, plan_and_plan_file_together_are_refused, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--plan",
			       "pipe2:error=EMFILE",
			       "--plan-file",
			       plan_file("fork:error=EAGAIN\n"),
			       "--",
			       "/bin/true",
			       NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(fc_line(r.err, "forkchaos run: --plan and --plan-file both given"), "err: %s", r.err);
}

Test(run_inputs, missing_plan_file_is_named, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--plan-file", "/nonexistent/plan", "--", "/bin/true", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(strstr(r.err, "/nonexistent/plan"), "err: %s", r.err);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos"), 1, "one line: %s", r.err);
}

Test(run_inputs, bad_rule_in_a_plan_file_is_refused_before_the_command_runs, .timeout = 30)
{
	char marker[PATH_MAX];
	snprintf(marker, sizeof marker, "%s/ran", dir);
	const char *argv[] = {
		fc_build_path("forkchaos"), "run",  "--plan-file", plan_file("pipe2:error=EMFILE\nfrobnicate:error=EIO\n"), "--",
		"/usr/bin/touch",           marker, NULL
	};
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2);
	cr_expect(strstr(r.err, "rule 2"), "err: %s", r.err);
	cr_expect_neq(access(marker, F_OK), 0, "the command ran");
}
