/* The installed tool: `make install` into a scratch prefix, the prefix
 * moved elsewhere (nothing of the build tree may be needed, nor any
 * environment), then forkchaos run from a folder outside the source tree:
 * check on the installed scenarios, run with a plan, the defect matrix,
 * report with the installed plot scripts, pkg-config's shim variable, the
 * bash completion; and `make uninstall` leaving no file behind. */
#include "test_install_util.h"

TestSuite(install, .fini = remove_root);

Test(install, check_passes_on_the_installed_scenarios, .timeout = 120)
{
	installed(1);
	int code = in_work("forkchaos check -j 2 --repeat 1 %s/share/forkchaos/scenarios", prefix);
	cr_assert_eq(code, 0, "exit %d\n%s%s", code, r.out, r.err);
	char lib[400];
	snprintf(lib, sizeof lib, "(library %s/lib/forkchaos/libffd.so,", prefix);
	cr_assert(strstr(r.out, " passed, 0 failed, 0 xfail, 0 xpass, 0 errors") && strstr(r.out, lib),
		  "expected every scenario to pass on the installed %s\n%s", lib, r.out);
	cr_assert(!strstr(r.out, FC_SRC_ROOT), "a path of the source tree in the output:\n%s", r.out);
}

/* libuv's, glibc's, CPython's, make's, bash's: their helper files installed
 * beside them, each passing or failing as its expect: says */
Test(install, check_holds_on_the_installed_real_targets, .timeout = 180)
{
	installed(1);
	int code = in_work("forkchaos check -j 2 --repeat 1 %s/share/forkchaos/scenarios/libuv %s/share/forkchaos/scenarios/real",
			   prefix, prefix);
	cr_assert_eq(code, 0, "exit %d\n%s%s", code, r.out, r.err);
	cr_assert(strstr(r.out, " failed, ") && strstr(r.out, " 0 xpass, 0 errors"), "%s", r.out);
}

Test(install, run_injects_with_the_installed_shim, .timeout = 60)
{
	installed(1);
	cr_assert_eq(sh("cp '%s/targets/probe' '%s/work/probe'", FC_SRC_ROOT "/" FC_BUILD, root), 0, "%s", r.err);
	int code = in_work("forkchaos run --plan pipe2:when=2:error=EMFILE -- ./probe pipe2 3");
	cr_assert_eq(code, 0, "exit %d\n%s%s", code, r.out, r.err);
	cr_assert(strstr(r.out, "pipe2 1 0 OK\npipe2 2 -1 EMFILE\npipe2 3 0 OK\n"), "the second pipe2 did not fail:\n%s%s", r.out,
		  r.err);
}

Test(install, matrix_runs_the_installed_defects, .timeout = 120)
{
	installed(1);
	in_work("forkchaos check --matrix --repeat 1 --filter fork-fail-leak %s/share/forkchaos/scenarios", prefix);
	/* the one scenario detects its one defect; the 12 others survive it */
	cr_assert(fc_line(r.out, "mutation score 1/"), "expected one defect detected:\n%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "fork-fail-leak"), "%s", r.out);
}

Test(install, report_draws_with_the_installed_plot_scripts, .timeout = 120)
{
	installed(1);
	cr_assert_eq(sh("cp -r '%s/tests/fixtures/report/demo' '%s/work/demo' && rm -rf '%s/work/demo/plots'", FC_SRC_ROOT, root,
			root),
		     0, "%s", r.err);
	int code = in_work("forkchaos report demo");
	cr_assert(code == 0 || code == 1, "exit %d\n%s%s", code, r.out, r.err);
	cr_assert(!strstr(r.err, "not found"), "report did not find its plot scripts:\n%s", r.err);
	cr_assert_eq(in_work("test -s demo/report.html && test -s demo/report.md"), 0, "no report written:\n%s", r.err);
	if (in_work("command -v gnuplot") == 0)
		cr_assert_eq(in_work("test -s demo/plots/leak.png"), 0, "the installed plots.sh drew no leak plot:\n%s", r.err);
}

Test(install, pkg_config_names_the_shim, .timeout = 60)
{
	installed(0);
	int code = sh("PKG_CONFIG_PATH='%s/lib/pkgconfig' pkg-config --variable=shim forkchaos", prefix);
	cr_assert_eq(code, 0, "exit %d\n%s", code, r.err);
	char expected[400];
	snprintf(expected, sizeof expected, "%s/lib/forkchaos/libforkchaos.so\n", prefix);
	cr_assert_str_eq(r.out, expected);
	cr_assert_eq(access(expected, F_OK), -1); /* the newline */
	expected[strlen(expected) - 1] = 0;
	cr_assert_eq(access(expected, R_OK), 0, "%s: not installed", expected);
}

Test(install, uninstall_leaves_no_file, .timeout = 60)
{
	installed(0);
	make("uninstall", prefix);
	cr_assert_eq(sh("find '%s' ! -type d", prefix), 0, "%s", r.err);
	cr_assert_str_empty(r.out, "left behind by make uninstall:\n%s", r.out);
}

/* What the installed completion offers for LINE (the cursor at its end):
 * WORDS are LINE's words as bash splits them at COMP_WORDBREAKS (':' and
 * '=' are words of their own), the last the one being completed.  The
 * replies are in r.out, one per line. */
static void completed(const char *line, const char *words)
{
	char path[400];
	snprintf(path, sizeof path, "%s/work/complete.bash", root);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f,
		". '%s/share/bash-completion/completions/forkchaos'\n"
		"COMP_LINE='%s'\nCOMP_POINT=${#COMP_LINE}\nCOMP_WORDS=(%s)\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
		"_forkchaos\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n",
		prefix, line, words);
	fclose(f);
	int code = in_work("bash --norc --noprofile complete.bash");
	cr_assert_eq(code, 0, "exit %d\n%s%s", code, r.out, r.err);
}

/* ... installed (and moved), then the replies are EXPECTED */
static void completes_to(const char *line, const char *words, const char *expected)
{
	installed(1);
	completed(line, words);
	cr_assert_str_eq(r.out, expected, "%s<TAB>", line);
}

Test(install, completion_of_a_plan_call_is_pipe_and_pipe2, .timeout = 60)
{
	completes_to("forkchaos run --plan pi", "forkchaos run --plan pi", "pipe\npipe2\n");
}

Test(install, completion_after_error_is_an_errno, .timeout = 60)
{
	completes_to("forkchaos run --plan pipe2:error=EMF", "forkchaos run --plan pipe2 : error = EMF", "EMFILE\n");
}

Test(install, completion_after_check_is_an_oracle, .timeout = 60)
{
	completes_to("forkchaos run --check fds,ch", "forkchaos run --check fds,ch", "fds,chained\n");
}

Test(install, completion_of_a_subcommand, .timeout = 60)
{
	completes_to("forkchaos sw", "forkchaos sw", "sweep\n");
}
