/* forkchaos minimize: the smallest plan that still fails an oracle in N
 * runs out of N (minimize.c), on the command line; --emit-scenario writes
 * it as a scenario file ready for scenarios/. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "explore.h"
#include "forkchaos.h"
#include "opts.h"
#include "plan.h"
#include "run_check.h"
#include "words.h"

static const char minimize_usage[] =
	"usage: forkchaos minimize (--plan PLAN | --plan-file FILE) --check ORACLE [--expect EXIT[:HASH]]\n"
	"                          [--runs N] [-j N] [--timeout DUR] [--seed S] [--emit-scenario FILE]\n"
	"                          [--quiet] -- CMD [ARGS...]\n"
	"\n"
	"Delta debugging of a failing plan: drops rules (halves, then one at a time), then\n"
	"each rule's selectors (caller=, lib=, proc=, sig=, fd=, when=, prob=), narrows\n"
	"when= ranges, shortens delays, keeping each step only when every one of N runs\n"
	"(default 5) still fails ORACLE (`forkchaos run --check ORACLE`, -j at once).  The\n"
	"plan is first run N times as given: one that does not fail N out of N is kept as\n"
	"it is (a flaky failure is no ground to cut on).  Prints the minimized plan and the\n"
	"`forkchaos run` line that reproduces it.\n"
	"\n"
	"options:\n"
	"  -p, --plan PLAN      the failing plan; --plan-file FILE: from a file (# comments)\n"
	"  -c, --check ORACLE   the oracle it fails (one of `forkchaos run --check`'s, or differs\n"
	"                       with --expect)\n"
	"      --expect EXIT[:HASH]  for differs: the clean run's exit code and output hash\n"
	"  -n, --runs N         runs per step, all of which must fail (default 5)\n"
	"  -j, --jobs N         runs at once (default: the number of CPUs)\n"
	"  -T, --timeout DUR    each run's timeout (default 30s)\n"
	"      --seed S         the seed of every run (default 1)\n"
	"      --emit-scenario FILE  the minimized plan as a scenario file (scenarios/README.md)\n"
	"  -q, --quiet          no line per step on stderr\n"
	"\n"
	"exit codes: 0 minimized (it fails N out of N), 1 the plan does not fail N out of N,\n"
	"2 usage or harness error, 3 interrupted.\n"
	"\n"
	"example:\n"
	"  forkchaos minimize --check fds --plan 'fork:when=1:error=EAGAIN;pipe2:delay=1ms' -- ./spawner leaky 3\n";

struct minimize_options {
	const char *plan, *plan_file, *check, *expect, *seed, *emit;
	int runs, jobs, quiet;
	uint64_t timeout_ns;
};

#define OPT(...) FC_OPT_ROW(struct minimize_options, __VA_ARGS__)
#define NUM(...) FC_OPT_NUM(struct minimize_options, __VA_ARGS__)
/* clang-format off */
static const struct fc_opt minimize_options[] = {
	OPT("plan", 'p', FC_OPT_TEXT, plan),
	OPT("plan-file", 0, FC_OPT_TEXT, plan_file),
	OPT("check", 'c', FC_OPT_TEXT, check),
	OPT("expect", 0, FC_OPT_TEXT, expect),
	NUM("runs", 'n', runs, 1, 100, "a number of runs"),
	NUM("jobs", 'j', jobs, 1, 256, "a number of jobs"),
	OPT("timeout", 'T', FC_OPT_DURATION, timeout_ns),
	OPT("seed", 0, FC_OPT_SEED, seed),
	OPT("emit-scenario", 0, FC_OPT_TEXT, emit),
	OPT("quiet", 'q', FC_OPT_FLAG, quiet),
	FC_OPT_END,
};
/* clang-format on */
#undef OPT
#undef NUM

static const struct fc_opt_spec minimize_spec = {
	.sub = "minimize",
	.usage = minimize_usage,
	.opts = minimize_options,
	.in_order = 1,
	.no_operand = "no command given; usage: forkchaos minimize --plan PLAN --check ORACLE -- CMD [ARGS...]",
};

static int usage(const char *what)
{
	fprintf(stderr, "forkchaos minimize: %s; see `forkchaos minimize --help`\n", what);
	return FC_EXIT_USAGE;
}

/* A word for a scenario's target: quoted when it holds a blank. */
static void scenario_word(FILE *f, const char *word)
{
	fputs(strpbrk(word, " \t'") ? "\"" : "", f);
	fputs(word, f);
	fputs(strpbrk(word, " \t'") ? "\"" : "", f);
}

/* The scenario: a driver of build/drivers/ named bare (check gives it the
 * library), `env FORKCHAOS_LIB=...` left out (check's --lib says which). */
static int emit_scenario(const char *path, const struct fc_sweep *s, const struct fc_minimize *m, const char *timeout)
{
	char name[96] = "", copy[PATH_MAX];
	int first = 0;
	if (s->ncmd > 1 && !strcmp(s->cmd[0], "env"))
		for (first = 1; first < s->ncmd && !strncmp(s->cmd[first], "FORKCHAOS_LIB=", 14); first++)
			;
	snprintf(copy, sizeof copy, "%s", s->cmd[first]);
	const char *base = basename(copy);
	int driver = strstr(s->cmd[first], "/drivers/") != NULL;
	snprintf(name, sizeof name, "%s%s%s-%s", base, first + 1 < s->ncmd ? "-" : "",
		 first + 1 < s->ncmd ? s->cmd[first + 1] : "", m->oracle);
	for (char *c = name; *c; c++)
		*c = (*c >= 'A' && *c <= 'Z')                                    ? (char)(*c - 'A' + 'a')
			: ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')) ? *c
										 : '-';
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# %s: found by forkchaos minimize, the smallest plan that fails %s in %d runs out of %d", name, m->oracle,
		m->runs, m->runs);
	fprintf(f, "%s%s\n", m->detail[0] ? ":\n# " : "", m->detail);
	if (first > 1)
		fprintf(f, "# (run with %s; forkchaos check --lib gives a driver its library)\n", s->cmd[1]);
	fprintf(f, "name:    %s\nwindow:  -\ntarget:  ", name);
	scenario_word(f, driver ? base : s->cmd[first]);
	for (int i = first + 1; i < s->ncmd; i++) {
		fputc(' ', f);
		scenario_word(f, s->cmd[i]);
	}
	fprintf(f, "\nplan:    %s\nrepeat:  %d\ntimeout: %s\n", m->plan, m->runs, timeout);
	if (m->expect) /* differs has no scenario form: the exit status it changed */
		fprintf(f, "exit:    %d\ncheck:   exit\n", atoi(m->expect));
	else
		fprintf(f, "check:   %s\n", m->oracle);
	return fclose(f);
}

static int minimize(struct fc_sweep *s, struct minimize_options *o, int argc, char **argv)
{
	static char plan_text[FC_PLAN_MAX + 1];
	static struct fc_run_check probe;
	char err[1024], timeout[32];
	int first, rc = fc_opts_parse(&minimize_spec, argc, argv, o, &first);
	if (rc >= 0)
		return rc;
	if (!o->plan == !o->plan_file)
		return usage("give the failing plan once: --plan PLAN or --plan-file FILE");
	if (o->plan_file && fc_plan_file_read(o->plan_file, plan_text, sizeof plan_text, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos minimize: %s\n", err);
		return FC_EXIT_USAGE;
	}
	const char *plan = o->plan_file ? plan_text : o->plan;
	struct fc_plan parsed;
	if (fc_plan_parse(plan, &parsed, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos minimize: %s\n", err);
		return FC_EXIT_USAGE;
	}
	if (!o->check || strchr(o->check, ',') || fc_run_check_parse(&probe, o->check, err, sizeof err) < 0 ||
	    !strcmp(o->check, "all"))
		return usage("--check names the one oracle the plan fails (e.g. --check fds)");
	if ((!strcmp(o->check, "differs")) != (o->expect != NULL) || (o->expect && fc_run_check_expect(&probe, o->expect) < 0))
		return usage("--expect EXIT[:HASH] goes with --check differs, and only with it");
	s->opt.seed = o->seed ? o->seed : "1";
	s->opt.timeout_ns = o->timeout_ns ? o->timeout_ns : 30000000000u;
	ssize_t n = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
	s->exe[n > 0 ? n : 0] = 0;
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(s->work, sizeof s->work, "%s/forkchaos-minimize-XXXXXX", tmp);
	if (fc_sweep_take_command(s, argv + first, argc - first) < 0 || !mkdtemp(s->work)) {
		s->work[0] = 0;
		perror("forkchaos minimize");
		return FC_EXIT_USAGE;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct fc_minimize m = {
		.s = s,
		.oracle = o->check,
		.expect = o->expect,
		.runs = o->runs ? o->runs : 5,
		.jobs = o->jobs                  ? o->jobs
			: cpus > 0 && cpus < 256 ? (int)cpus
						 : 1,
		.quiet = o->quiet,
		.absolute = 1, /* no clean run to be judged against */
	};
	struct fc_plan before;
	fc_plan_parse(plan, &before, err, sizeof err);
	rc = fc_minimize_plan(&m, plan);
	if (rc < 0) {
		fprintf(stderr, "forkchaos minimize: interrupted; the plan so far: %s\n", m.plan);
		return FC_EXIT_INTERRUPTED;
	}
	if (rc == 0)
		return FC_EXIT_FAIL;
	struct fc_plan after;
	fc_plan_parse(m.plan, &after, err, sizeof err);
	printf("minimize: %d rule%s of %d, failing %s in %d runs out of %d (%d runs tried): %s\n", after.nrules,
	       after.nrules == 1 ? "" : "s", before.nrules, m.oracle, m.runs, m.runs, m.tried_runs, m.plan);
	static struct fc_sweep_argv store;
	if (fc_sweep_command(s, m.plan, m.oracle, m.expect, NULL, NULL, &store) == 0) {
		char *line = fc_sweep_quote_line(store.argv);
		printf("reproduce: %s\n", line ? line : "(out of memory)");
		free(line);
		free(store.argv);
	}
	fc_duration_text(s->opt.timeout_ns, timeout, sizeof timeout);
	if (o->emit && emit_scenario(o->emit, s, &m, timeout) < 0) {
		fprintf(stderr, "forkchaos minimize: cannot write %s: %s\n", o->emit, strerror(errno));
		return FC_EXIT_USAGE;
	}
	return FC_EXIT_OK;
}

int fc_cmd_minimize(int argc, char **argv)
{
	static struct fc_sweep s;
	struct minimize_options o = { 0 };
	sigset_t stops;
	/* an interrupt is taken by the scheduler, never died of (as sweep) */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	int rc = minimize(&s, &o, argc, argv);
	if (s.work[0])
		fc_remove_tree(s.work);
	for (int i = 0; s.cmd && i < s.ncmd; i++)
		free(s.cmd[i]);
	free(s.cmd);
	return rc;
}
