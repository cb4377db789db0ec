/* forkchaos check's own runs (check_run.c, not through `forkchaos run`) of
 * a scenario whose plan has a syscall-level rule: each run under the
 * seccomp supervisor, so that sys_clone reaches the clone inside libc's
 * fork(); where the kernel has no user notification, refused before
 * anything runs (issue 13). */
#include "check_scenario.h"

TestSuite(check_sys, .fini = remove_dir);

/* ffdriver fail-fork: ffd_fork(FFD_USE_FORK) calls fork(), whose clone no
 * entry-point rule sees; api-errno fails unless it returned EAGAIN */
static const char fork_scn[] = "# window -: fork()'s clone fails inside libc: ffd_fork must say EAGAIN\n"
			       "name:    sys-clone-fork\n"
			       "target:  ffdriver fail-fork EAGAIN\n"
			       "plan:    sys_clone:%serror=EAGAIN\n"
			       "repeat:  2\n"
			       "timeout: 10s\n"
			       "check:   api-errno fds strays\n";

/* Under an outer run's listener (one per process tree: the kernel refuses
 * a second), as on a kernel without user notification. */
static const char *const *without_layer(void)
{
	static const char *outer[8];
	/* a sanitized forkchaos (make SAN=...) gets the shim before its runtime */
	const char *asan = getenv("ASAN_OPTIONS");
	static char options[512];
	snprintf(options, sizeof options, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", options, 1);
	const char *words[] = { fc_build_path("forkchaos"), "run", "--quiet", "--plan", "sys_uselib:error=EPERM", "--", NULL };
	memcpy(outer, words, sizeof words);
	return outer;
}

static int check_lib(const char *const prefix[], const char *lib)
{
	const char *argv[32];
	int n = 0;
	for (int i = 0; prefix && prefix[i]; i++)
		argv[n++] = prefix[i];
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "check";
	argv[n++] = "--lib";
	argv[n++] = fc_build_path(lib);
	argv[n++] = "--out";
	argv[n++] = out_dir();
	argv[n++] = dir;
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

static int check_ffd(const char *const prefix[])
{
	return check_lib(prefix, "libffd.so");
}

Test(check_sys, sys_clone_fails_the_drivers_fork_inside_libc, .timeout = 60)
{
	scenario("fork.scn", fork_scn, "");
	cr_assert_eq(check_ffd(NULL), 0, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(strstr(r.out, "PASS  sys-clone-fork") && strstr(r.out, "0/2 runs failed"), "out: %s", r.out);
}

/* The same scenario where the layer is missing: refused, exit 2, nothing
 * run. */
Test(check_sys, missing_layer_refuses_the_scenario, .timeout = 60)
{
	scenario("fork.scn", fork_scn, "");
	cr_assert_eq(check_ffd(without_layer()), 2, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(strstr(r.err, "fork.scn: rule 1 `sys_clone:error=EAGAIN` of its plan acts at the syscall level") &&
			  strstr(r.err, "a seccomp listener is installed already") && strstr(r.err, "via=api"),
		  "err: %s", r.err);
	cr_expect(!strstr(r.out, "sys-clone-fork"), "it ran: %s", r.out);
}

/* via=api keeps the rule at syscall(2): no layer needed, and fork()'s
 * clone is not reached (the driver's fork succeeds: api-errno fails). */
Test(check_sys, via_api_runs_without_the_layer_at_syscall2_only, .timeout = 60)
{
	scenario("fork.scn", fork_scn, "via=api:");
	cr_assert_eq(check_ffd(without_layer()), 1, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(strstr(r.out, "FAIL  sys-clone-fork") && strstr(r.out, "api-errno"), "out: %s", r.out);
}

/* A failure the library must absorb (pidfd_open refused: fall back to the
 * generic path) that it returns instead: api-errno says the call should
 * have succeeded, not that "the failure that caused it was 0". */
static const char fallback_scn[] = "# window 13: pidfd_open refused, ffd_fork must fall back\n"
				   "name:    pidfd-open-eperm\n"
				   "target:  ffdriver pidfd-fallback\n"
				   "plan:    sys_pidfd_open:via=api:error=EPERM\n"
				   "repeat:  1\n"
				   "timeout: 10s\n"
				   "check:   api-errno\n";

Test(check_sys, a_failure_not_absorbed_is_one_that_should_have_succeeded, .timeout = 60)
{
	scenario("fallback.scn", fallback_scn);
	cr_assert_eq(check_lib(NULL, "defects/libffd-pidfd-no-fallback.so"), 1, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(strstr(r.out, "ffd_fork returned -1 with errno EPERM where it should have succeeded (no failure expected)"),
		  "out: %s", r.out);
	cr_expect(!strstr(r.out, "caused it was 0"), "out: %s", r.out);
}
