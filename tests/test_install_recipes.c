/* The recipes of docs/BUILD-SYSTEMS.md and docs/CI.md, run here against
 * the installed tool: the example project (docs/examples/project) tested
 * under forkchaos by meson test --wrapper, CTest's emulator and automake's
 * LOG_COMPILER, each finding forkchaos through pkg-config; the GitHub
 * Actions workflow and the GitLab CI pipeline of docs/ci/ run job by job
 * (tests/check_ci_recipes.py).  Its test `leaky` leaks a pipe on purpose
 * and is marked expected to fail, so a suite passes only when its tests
 * ran under forkchaos.  A tool this machine lacks skips its test, saying
 * which (scripts/deps.sh installs them). */
#include "test_install_util.h"

/* Installed, with the example project copied into ROOT/work/project; the
 * test skipped, saying so, when TOOL (a command) is missing. */
static void project_with(const char *tool)
{
	installed(0);
	if (in_work("command -v %s", tool) != 0)
		cr_skip_test("%s is not installed (apt-get install %s)", tool, tool);
	cr_assert_eq(in_work("cp -r '%s/docs/examples/project' project", FC_SRC_ROOT), 0, "%s", r.err);
}

/* SCRIPT run in the project's copy: its exit code. */
static int in_project(const char *script)
{
	return in_work("cd project && %s", script);
}

static void passes(const char *script)
{
	int code = in_project(script);
	cr_assert_eq(code, 0, "%s: exit %d\n%s%s", script, code, r.out, r.err);
}

/* SCRIPT fails in the project's copy, and its output shows WHAT. */
static void fails_showing(const char *script, const char *what)
{
	int code = in_project(script);
	cr_assert(code != 0 && strstr(r.out, what), "%s: exit %d, expected a failure showing %s:\n%s%s", script, code, what,
		  r.out, r.err);
}

TestSuite(recipes, .fini = remove_root);

Test(recipes, meson_wrapper_runs_the_tests_under_forkchaos, .timeout = 120)
{
	project_with("meson");
	passes("meson setup build >/dev/null && meson test -C build --no-suite injected --wrapper 'forkchaos run --check all --' "
	       "&& "
	       "grep -h 'forkchaos run --check all -- .*/leaky' build/meson-logs/testlog*.txt");
}

/* leaky passes on its own: a suite that passed without forkchaos showed nothing */
Test(recipes, meson_without_the_wrapper_fails_on_leaky, .timeout = 120)
{
	project_with("meson");
	fails_showing("meson setup build >/dev/null && meson test -C build --no-suite injected", "UNEXPECTEDPASS");
}

Test(recipes, meson_test_with_the_pkg_config_shim_injects, .timeout = 120)
{
	project_with("meson");
	passes("meson setup build >/dev/null && meson test -C build --suite injected");
	cr_assert(strstr(r.out, "EXPECTEDFAIL"), "the second fork did not fail:\n%s", r.out);
}

Test(recipes, ctest_runs_the_tests_under_forkchaos, .timeout = 120)
{
	project_with("cmake");
	passes("cmake -S . -B build -DWITH_FORKCHAOS=ON >/dev/null && cmake --build build >/dev/null && "
	       "ctest --test-dir build --output-on-failure && "
	       "grep 'forkchaos\" \"run\" \"--check\" \"all\" \"--\" \".*/leaky\"' build/Testing/Temporary/LastTest.log");
}

/* the project untouched (leaky not marked to fail): forkchaos fails leaky */
Test(recipes, ctest_emulator_given_on_the_command_line, .timeout = 120)
{
	project_with("cmake");
	fails_showing("cmake -S . -B build '-DCMAKE_CROSSCOMPILING_EMULATOR=forkchaos;run;--check;all;--' >/dev/null && "
		      "cmake --build build >/dev/null && ctest --test-dir build",
		      "1 tests failed out of 2");
	cr_assert(strstr(r.out, "leaky"), "%s", r.out);
}

Test(recipes, automake_log_compiler_runs_the_tests_under_forkchaos, .timeout = 180)
{
	project_with("autoreconf");
	passes("autoreconf -i >/dev/null 2>&1 && ./configure -q && make -s check && grep -q 'fds: .* leaked' leaky.log");
	cr_assert(strstr(r.out, "# PASS:  1") && strstr(r.out, "# XFAIL: 1"), "%s", r.out);
}

/* docs/ci/FILE run by tests/check_ci_recipes.py as service KIND would. */
static void ci_recipe(const char *kind, const char *file)
{
	if (in_work("python3 -c 'import yaml'") != 0)
		cr_skip_test("python3-yaml is not installed");
	int code = in_work("python3 '%s/tests/check_ci_recipes.py' %s '%s/docs/ci/%s' '%s/docs/examples/project' ci", FC_SRC_ROOT,
			   kind, FC_SRC_ROOT, file, FC_SRC_ROOT);
	cr_assert_eq(code, 0, "exit %d\n%.30000s\n%s", code, r.out, r.err);
}

Test(recipes, github_workflow_runs_check_sweep_shards_and_merge, .timeout = 180)
{
	project_with("meson");
	ci_recipe("github", "github-workflow.yml");
	cr_assert_eq(in_work("grep -q '\"merge\",\"--out\"' ci/artifacts/forkchaos-sweep/run.json"), 0,
		     "the merge job uploaded no merged folder");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(in_work("grep -q '^# forkchaos robustness report' ci/summary-%s.md", i ? "merge" : "check"), 0,
			     "the %s job's summary is not its report.md", i ? "merge" : "check");
}

Test(recipes, gitlab_pipeline_runs_check_sweep_shards_and_merge, .timeout = 180)
{
	project_with("meson");
	ci_recipe("gitlab", "gitlab-ci.yml");
	cr_assert_eq(in_work("grep -q '\"merge\",\"--out\"' ci/artifacts/forkchaos-report/merged/run.json && "
			     "test -s ci/artifacts/forkchaos-check/results/junit.xml"),
		     0, "the pipeline kept no merged folder or no JUnit report");
}
