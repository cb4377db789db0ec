/* forkchaos merge --out DIR DIR...: the shard folders of one sweep (the
 * same command and options, --shard 1/N to N/N, each complete) joined
 * into one folder whose outcomes are the unsharded sweep's: the run list
 * is made again from the first shard's clean run, every shard's raw
 * results go into it, and the rows are judged and written by the code
 * that writes a sweep's own (sweep_report.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "forkchaos.h"
#include "opts.h"
#include "sweep.h"

static const char merge_usage[] = "usage: forkchaos merge --out DIR SHARD-DIR...\n"
				  "\n"
				  "Joins the results folders of the shards of one sweep (`forkchaos sweep --shard\n"
				  "K/N`, the same command and options, K from 1 to N, each complete) into DIR, a new\n"
				  "results folder whose outcomes equal those of the same sweep run unsharded.\n"
				  "\n"
				  "options:\n"
				  "  --out DIR   the folder to make (it must not exist)\n"
				  "\n"
				  "exit codes: 0 no failing outcome, 1 at least one, 2 usage or harness error (a\n"
				  "folder missing, unfinished, of another sweep, a shard missing or given twice).\n"
				  "\n"
				  "example:\n"
				  "  parallel forkchaos sweep --shard {}/4 --out shards/{} -- ./app ::: 1 2 3 4\n"
				  "  forkchaos merge --out merged shards/*\n";

struct merge_options {
	const char *out;
};

#define OPT(...) FC_OPT_ROW(struct merge_options, __VA_ARGS__)
static const struct fc_opt merge_options[] = {
	OPT("out", 0, FC_OPT_TEXT, out),
	FC_OPT_END,
};
#undef OPT

static const struct fc_opt_spec merge_spec = {
	.sub = "merge",
	.usage = merge_usage,
	.opts = merge_options,
	.no_operand = "no shard folders given; usage: forkchaos merge --out DIR SHARD-DIR...",
};

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Why shard S is not of the same sweep as FIRST, or NULL. */
static const char *differs(const struct fc_sweep *first, const struct fc_sweep *s)
{
	const struct fc_sweep_options *a = &first->opt, *b = &s->opt;
	if (first->ncmd != s->ncmd)
		return "its command";
	for (int i = 0; i < s->ncmd; i++)
		if (strcmp(first->cmd[i], s->cmd[i]))
			return "its command";
	if (!same_text(a->calls, b->calls) || !same_text(a->errnos, b->errnos) || !same_text(a->mode, b->mode) ||
	    !same_text(a->check, b->check) || a->max_n != b->max_n)
		return "its --calls, --errnos, --mode, --check or --max-n";
	if (!same_text(a->plan, b->plan) || !same_text(a->seed, b->seed) || a->timeout_ns != b->timeout_ns)
		return "its --plan, --seed or --timeout";
	if (first->shard_n != s->shard_n)
		return "its number of shards";
	return NULL;
}

/* The file NAME of two folders holds the same bytes. */
static int same_file(const char *dir_a, const char *dir_b, const char *name)
{
	char a[PATH_MAX + 64], b[PATH_MAX + 64];
	snprintf(a, sizeof a, "%s/%s", dir_a, name);
	snprintf(b, sizeof b, "%s/%s", dir_b, name);
	FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
	int same = fa && fb, ca, cb;
	while (same && ((ca = getc(fa)) != EOF) | ((cb = getc(fb)) != EOF))
		same = ca == cb;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Every shard folder read and checked against the first; the exit code,
 * or -1. */
static int load_shards(struct fc_sweep **shards, int n, char **dirs)
{
	char err[1024], path[PATH_MAX + 16];
	struct stat st;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/run.json", dirs[i]);
		if (!(shards[i] = calloc(1, sizeof *shards[i])))
			return FC_EXIT_USAGE;
		shards[i]->runs_fd = -1;
		if (fc_sweep_read_state(shards[i], dirs[i], err, sizeof err) < 0) {
			fprintf(stderr, "forkchaos merge: %s\n", err);
			return FC_EXIT_USAGE;
		}
		if (lstat(path, &st) < 0) {
			fprintf(stderr,
				"forkchaos merge: %s is not complete (no run.json); finish it with forkchaos sweep --resume\n",
				dirs[i]);
			return FC_EXIT_USAGE;
		}
		if (!shards[i]->shard_n)
			shards[i]->shard_k = shards[i]->shard_n = 1;
		const char *why = differs(shards[0], shards[i]);
		if (why) {
			fprintf(stderr, "forkchaos merge: %s is not a shard of the sweep in %s: %s differs\n", dirs[i], dirs[0],
				why);
			return FC_EXIT_USAGE;
		}
		for (int k = 0; k < i; k++)
			if (shards[k]->shard_k == shards[i]->shard_k) {
				fprintf(stderr, "forkchaos merge: shard %d/%d given twice (%s and %s)\n", shards[i]->shard_k,
					shards[i]->shard_n, dirs[k], dirs[i]);
				return FC_EXIT_USAGE;
			}
		if (!same_file(dirs[0], dirs[i], "sites.csv"))
			fprintf(stderr,
				"forkchaos merge: warning: the clean runs of %s and %s saw different sites; the run list is the "
				"first's\n",
				dirs[0], dirs[i]);
	}
	if (n != shards[0]->shard_n) {
		fprintf(stderr, "forkchaos merge: %d of %d shards given; expected all of them\n", n, shards[0]->shard_n);
		return FC_EXIT_USAGE;
	}
	return -1;
}

/* The first shard's clean run becomes the merged folder's. */
static int copy_baseline(const struct fc_sweep *m, const char *from)
{
	static const char *const files[] = { "check.jsonl", "trace.jsonl", "output.txt" };
	char src[PATH_MAX + 64], dst[PATH_MAX + 64];
	fc_results_path(&m->folder, "baseline", dst, sizeof dst);
	if (mkdir(dst, 0755) < 0)
		return -1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(src, sizeof src, "%s/baseline/%s", from, files[i]);
		fc_results_path(&m->folder, "baseline/", dst, sizeof dst);
		snprintf(dst + strlen(dst), sizeof dst - strlen(dst), "%s", files[i]);
		if (fc_sweep_copy_file(src, dst) < 0 && errno != ENOENT)
			return -1;
	}
	return 0;
}

/* Each shard's runs and the traces they kept. */
static int take_runs(struct fc_sweep *m, const char *dir)
{
	char src[PATH_MAX + 64], dst[PATH_MAX + 64];
	struct fc_sweep_result *before = malloc(sizeof *before * ((size_t)m->nrows + 1));
	if (!before)
		return -1;
	memcpy(before, m->results, sizeof *before * (size_t)m->nrows);
	int rc = fc_sweep_read_runs(m, dir);
	fc_results_path(&m->folder, "traces", dst, sizeof dst);
	mkdir(dst, 0755);
	for (int row = 0; rc == 0 && row < m->nrows; row++) {
		if (!m->results[row].kept_trace || before[row].state != FC_SW_NOT_RUN)
			continue;
		snprintf(src, sizeof src, "%s/traces/%d.jsonl", dir, row + 1);
		fc_results_path(&m->folder, "traces", dst, sizeof dst);
		snprintf(dst + strlen(dst), sizeof dst - strlen(dst), "/%d.jsonl", row + 1);
		if (fc_sweep_copy_file(src, dst) < 0)
			m->results[row].kept_trace = 0;
	}
	free(before);
	return rc;
}

static int write_runs(const struct fc_sweep *m)
{
	FILE *f = fc_results_create(&m->folder, "runs.jsonl");
	if (!f)
		return -1;
	for (int row = 0; row < m->nrows; row++)
		if (m->results[row].state != FC_SW_NOT_RUN)
			fc_sweep_runs_line(f, row, &m->results[row]);
	return fc_results_commit(&m->folder, "runs.jsonl", f);
}

static int merge(struct fc_sweep *m, struct fc_sweep **shards, int n, char **dirs)
{
	char err[1024], path[PATH_MAX + 32];
	uint64_t calls[FC_CALL_WORDS];
	int rc = load_shards(shards, n, dirs);
	if (rc >= 0)
		return rc;
	/* the sweep itself, whole: shard 1's options, no shard */
	const char *out = m->opt.out;
	m->opt = shards[0]->opt;
	m->opt.shard = NULL;
	m->opt.out = out;
	m->cmd = shards[0]->cmd;
	m->ncmd = shards[0]->ncmd;
	if (fc_sweep_folder_at(&m->folder, m->opt.out, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos merge: %s\n", err);
		return FC_EXIT_USAGE;
	}
	m->folder.started = shards[0]->folder.started;
	memset(calls, 0xff, sizeof calls);
	fc_results_path(&m->folder, "baseline/trace.jsonl", path, sizeof path);
	if (fc_sweep_write_state(m) < 0 || copy_baseline(m, dirs[0]) < 0)
		goto io;
	fc_results_path(&m->folder, "baseline/check.jsonl", path, sizeof path);
	if (fc_sweep_read_check_out(path, &m->base) < 0)
		goto io;
	m->base.state = FC_SW_RAN;
	fc_results_path(&m->folder, "baseline/trace.jsonl", path, sizeof path);
	if ((m->opt.calls && fc_call_set_parse(m->opt.calls, calls, err, sizeof err) < 0) ||
	    fc_sweep_sites(m, path, calls, err, sizeof err) < 0 || fc_sweep_plan(m, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos merge: %s\n", err);
		return FC_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++)
		if (take_runs(m, dirs[i]) < 0)
			goto io;
	if (write_runs(m) < 0 || fc_sweep_write_sites(m) < 0 || fc_sweep_write_outcomes(m, 1) < 0 ||
	    fc_sweep_folder_finish(&m->folder, 0) < 0)
		goto io;
	fprintf(stderr, "forkchaos merge: %d shards merged into %s/\n", n, m->folder.final);
	return m->exit_code;
io:
	fprintf(stderr, "forkchaos merge: cannot write %s: %s\n", m->folder.dir[0] ? m->folder.dir : m->opt.out, strerror(errno));
	return FC_EXIT_USAGE;
}

int fc_cmd_merge(int argc, char **argv)
{
	struct merge_options o = { 0 };
	int first, rc = fc_opts_parse(&merge_spec, argc, argv, &o, &first);
	if (rc >= 0)
		return rc;
	if (!o.out) {
		fprintf(stderr, "forkchaos merge: --out DIR is needed: the folder to make; see `forkchaos merge --help`\n");
		return FC_EXIT_USAGE;
	}
	int n = argc - first;
	struct fc_sweep *m = calloc(1, sizeof *m), **shards = calloc((size_t)n, sizeof *shards);
	if (!m || !shards) {
		free(m);
		free(shards);
		perror("forkchaos merge");
		return FC_EXIT_USAGE;
	}
	m->runs_fd = -1;
	m->argc = argc;
	m->argv = argv;
	ssize_t len = readlink("/proc/self/exe", m->exe, sizeof m->exe - 1);
	m->exe[len > 0 ? len : 0] = 0;
	m->opt.out = o.out;
	rc = merge(m, shards, n, argv + first);
	fc_results_discard(&m->folder); /* unless finished */
	m->cmd = NULL;                  /* shard 1's */
	m->ncmd = 0;
	fc_sweep_free(m);
	for (int i = 0; i < n; i++)
		if (shards[i])
			fc_sweep_free(shards[i]);
	free(shards);
	return rc;
}
