/* Hostile process trees under `forkchaos run`: nothing outlives the run,
 * the timeout holds against a target that blocks every signal, and a trace
 * follows a process through its execs. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

#define FC_RUN(...) fc_exec(&r, (char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", __VA_ARGS__, NULL })

/* Processes whose command line is PROG MODE... */
static int alive(const char *prog, const char *mode)
{
	int n = 0;
	DIR *proc = opendir("/proc");
	struct dirent *e;
	while (proc && (e = readdir(proc))) {
		char path[300], cmd[4096];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		FILE *f = fopen(path, "r");
		size_t got = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
		if (f)
			fclose(f);
		cmd[got] = 0;
		n += got && !strcmp(cmd, prog) && strlen(cmd) + 1 < got && !strcmp(cmd + strlen(cmd) + 1, mode);
	}
	if (proc)
		closedir(proc);
	return n;
}

Test(run_hostile, tree_of_255_strays_is_killed_and_reaped, .timeout = 60)
{
	const char *prog = fc_build_path("targets/hostile_tree");
	cr_assert_eq(FC_RUN("--timeout", "30s", "--", prog, "tree", "8"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "tree 256 processes"), "out: %s", r.out);
	cr_expect(strstr(r.err, "left 255 process(es) behind"), "stderr: %s", r.err);
	cr_expect_eq(alive(prog, "tree"), 0, "processes of the tree outlived the run");
}

Test(run_hostile, target_that_blocks_every_signal_still_times_out, .timeout = 30)
{
	const char *prog = fc_build_path("targets/hostile_tree");
	cr_assert_eq(FC_RUN("--timeout", "1s", "--", prog, "block-all"), 124, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "timeout"), "stderr: %s", r.err);
	cr_expect_eq(alive(prog, "block-all"), 0, "the target outlived its timeout");
}

Test(run_hostile, daemonizing_double_fork_is_named_and_killed, .timeout = 30)
{
	const char *prog = fc_build_path("targets/daemonize");
	cr_assert_eq(FC_RUN("--", prog, "double-fork"), 0, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "left 1 process(es) behind"), "stderr: %s", r.err);
	cr_expect_eq(alive(prog, "double-fork"), 0, "the daemon outlived the run");
}

Test(run_hostile, trace_follows_a_process_through_its_execs, .timeout = 30)
{
	char trace[256], text[65536];
	fc_temp_path(trace, sizeof trace, "chain.jsonl");
	cr_assert_eq(FC_RUN("--trace", trace, "--", fc_build_path("targets/hostile_tree"), "exec-chain", "3"), 0, "stderr: %s",
		     r.err);
	FILE *f = fopen(trace, "r");
	size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose(f);
	text[got] = 0;
	int images = 0;
	for (const char *p = text; (p = strstr(p, "\"call\":\"exec\"")); p++)
		images++;
	cr_expect_eq(images, 4, "one exec line per image: %s", text);
	cr_expect_null(strstr(text, "\"root\":false"), "the first process stays the first through its execs");
	unlink(trace);
}
