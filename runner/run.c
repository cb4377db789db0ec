/* forkchaos run: one command under the shim. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "forkchaos.h"
#include "opts.h"
#include "plan.h"
#include "proc.h"
#include "run_stats.h"
#include "trace_explain.h"

static const char run_usage[] =
	"usage: forkchaos run [--plan PLAN] [--trace FILE] [--trace-calls LIST] [--trace-max SIZE] [--timeout DUR]\n"
	"                     [--seed S] [--shim LIB] [--quiet|--verbose] -- CMD [ARGS...]\n"
	"\n"
	"Runs CMD with the forkchaos shim preloaded (prepended to any LD_PRELOAD) and\n"
	"exits with CMD's status: its exit code, 128+N if a signal N killed it, 124\n"
	"if it ran past --timeout (the whole process tree is then killed and reaped),\n"
	"2 if the plan is malformed or CMD cannot be started (CMD is then not run).\n"
	"SIGINT, SIGTERM and SIGHUP are passed on to CMD's process group; if CMD is\n"
	"still there 5 s later, its tree is killed and forkchaos exits 3.\n"
	"\n"
	"options:\n"
	"  -p, --plan PLAN     the injection plan (default: $FORKCHAOS_PLAN; see `forkchaos --help`)\n"
	"  -t, --trace FILE    write a JSON Lines trace of every intercepted call to FILE\n"
	"                      (truncated first; children and exec'd programs append;\n"
	"                      `forkchaos trace FILE` summarises it)\n"
	"      --trace-calls LIST  trace only these calls (names and %classes, comma-\n"
	"                      separated, e.g. fork,pipe2,%wait); injected calls always are\n"
	"      --trace-max SIZE    stop tracing past SIZE bytes in all (default 256M; K, M,\n"
	"                      G suffixes; 0: no cap): each process then writes one last line\n"
	"  -T, --timeout DUR   kill the whole tree after DUR (default 60s; 10, 500ms, 2s)\n"
	"  -s, --seed S        the seed (0 to 2^64-1) for prob= rules without their own seed=; without it a\n"
	"                      seed is chosen, written to the trace and printed on stderr\n"
	"      --shim LIB      the shim to preload (default: libforkchaos.so beside forkchaos)\n"
	"      --explain       when CMD is done, print the summary of its trace on stderr\n"
	"                      (as `forkchaos trace FILE`; a temporary trace without --trace)\n"
	"  -q, --quiet         no summary of what each rule did at the end\n"
	"  -v, --verbose       say what is run, the seed, and how it ended\n"
	"  -h, --help          this text\n"
	"\n"
	"examples:\n"
	"  forkchaos run --plan 'pipe2:when=3:error=EMFILE' -- ./server\n"
	"      the third pipe2() fails with EMFILE, every other call passes through\n"
	"  forkchaos run --plan 'fork:when=2:error=EAGAIN' --trace t.jsonl -- make -j4\n"
	"      the second fork() fails; every intercepted call is logged in t.jsonl\n"
	"  forkchaos run --plan 'sigaction:sig=SIGCHLD:at=inside:signal=SIGCHLD' -- ./app\n"
	"      a SIGCHLD arrives while sigaction's new handler is live but oldact unfilled\n"
	"  forkchaos run --plan 'write:prob=0.1:seed=7:error=EINTR:proc=child' -- ./app\n"
	"      10% of write() calls in forked children fail with EINTR, the same ones each run\n"
	"  forkchaos run --timeout 5s -- ./may-hang\n"
	"      exit 124 and a note on where it hung if it runs past 5 seconds\n";

static int is_shared_object(const char *path)
{
	unsigned char head[18];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, head, sizeof head) : -1;
	if (fd >= 0)
		close(fd);
	/* ELF magic, and e_type (offset 16, little-endian) ET_DYN = 3 */
	return got == (ssize_t)sizeof head && !memcmp(head, "\177ELF", 4) && head[16] == 3 && head[17] == 0;
}

/* Validate PLAN; prints the one-line error and returns -1 when malformed. */
int fc_check_plan(const char *plan_text, struct fc_plan *plan)
{
	char err[512];
	if (fc_plan_parse(plan_text, plan, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos: %s\n", err);
		return -1;
	}
	fc_plan_warn(plan, plan_text, 2);
	return 0;
}

/* A seed for prob= rules, chosen here so that it can be printed. */
void fc_pick_seed(char *buf, size_t len)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(buf, len, "%lu", (unsigned long)((now.tv_nsec ^ (now.tv_sec << 12) ^ getpid()) & 0xffffffff));
}

struct run_options {
	const char *plan, *trace, *seed, *shim, *trace_calls, *trace_max;
	uint64_t timeout_ns;
	int verbose, quiet, explain;
};

/* SIZE: bytes, with an optional K, M or G (powers of 1024). */
static int parse_size(const char *text, uint64_t *bytes)
{
	char *end;
	if (!*text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	static const char units[] = "KMG";
	const char *unit = *end ? strchr(units, *end) : NULL;
	if (errno || (*end && (!unit || end[1])))
		return -1;
	for (int shift = unit ? (int)(unit - units) + 1 : 0; shift > 0; shift--) {
		if (value > UINT64_MAX / 1024)
			return -1;
		value *= 1024;
	}
	*bytes = value;
	return 0;
}

static void print_notes(void *arg)
{
	fc_run_stats_notes(arg, stderr);
}

#define OPT(...) FC_OPT_ROW(struct run_options, __VA_ARGS__)
static const struct fc_opt run_options[] = {
	OPT("plan", 'p', FC_OPT_TEXT, plan),
	OPT("trace", 't', FC_OPT_TEXT, trace),
	OPT("trace-calls", 0, FC_OPT_TEXT, trace_calls),
	OPT("trace-max", 0, FC_OPT_TEXT, trace_max),
	OPT("timeout", 'T', FC_OPT_DURATION, timeout_ns),
	OPT("seed", 's', FC_OPT_SEED, seed),
	OPT("shim", 0, FC_OPT_TEXT, shim),
	OPT("verbose", 'v', FC_OPT_FLAG, verbose),
	OPT("quiet", 'q', FC_OPT_FLAG, quiet),
	OPT("explain", 0, FC_OPT_FLAG, explain),
	FC_OPT_END,
};
#undef OPT

static const struct fc_opt_spec run_spec = {
	.sub = "run",
	.usage = run_usage,
	.opts = run_options,
	.in_order = 1,
	.no_operand = "no command given; usage: forkchaos run [OPTIONS] -- CMD [ARGS...]",
};

int fc_cmd_run(int argc, char **argv)
{
	struct run_options o = { .plan = getenv("FORKCHAOS_PLAN"), .timeout_ns = 60ull * 1000000000u };
	char shim[PATH_MAX], trace_abs[PATH_MAX], seed_buf[32], err[256];
	char env_stats[PATH_MAX + 32], env_calls[1024], env_max[48];
	const char *extra_env[4] = { NULL };
	int nenv = 0;
	uint64_t trace_max = 256ull << 20, call_set[FC_CALL_WORDS];
	static struct fc_plan plan;
	int cmd, rc = fc_opts_parse(&run_spec, argc, argv, &o, &cmd);
	if (rc >= 0)
		return rc;
	if (o.plan && *o.plan && fc_check_plan(o.plan, &plan) < 0)
		return FC_EXIT_USAGE; /* the command is not run */
	if (o.trace_calls && fc_call_set_parse(o.trace_calls, call_set, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos run: bad --trace-calls '%s': %s\n", o.trace_calls, err);
		return FC_EXIT_USAGE;
	}
	if (o.trace_calls && strlen(o.trace_calls) >= sizeof env_calls - 32) {
		fprintf(stderr, "forkchaos run: --trace-calls is too long (at most %zu characters)\n", sizeof env_calls - 32);
		return FC_EXIT_USAGE;
	}
	if (o.trace_max && parse_size(o.trace_max, &trace_max) < 0) {
		fprintf(stderr,
			"forkchaos run: bad --trace-max '%s': expected a size in bytes, with K, M or G (e.g. 64M; 0: no cap)\n",
			o.trace_max);
		return FC_EXIT_USAGE;
	}
	/* what a caller's environment may hold from another run is ours to set */
	unsetenv("FORKCHAOS_STATS");
	unsetenv("FORKCHAOS_TRACE_CALLS");
	unsetenv("FORKCHAOS_TRACE_MAX");
	if (o.trace_calls) {
		snprintf(env_calls, sizeof env_calls, "FORKCHAOS_TRACE_CALLS=%s", o.trace_calls);
		extra_env[nenv++] = env_calls;
	}
	if (o.shim) {
		/* an explicit shim must be one: ld.so would skip anything else
		 * with a warning and run the command unshimmed */
		if (!is_shared_object(o.shim)) {
			fprintf(stderr,
				"forkchaos run: --shim %s: not a readable ELF shared object; expected a libforkchaos.so\n",
				o.shim);
			return FC_EXIT_USAGE;
		}
		setenv("FORKCHAOS_SHIM", o.shim, 1);
	}
	if (!fc_find_shim(shim, sizeof shim)) {
		fprintf(stderr,
			"forkchaos run: cannot find libforkchaos.so (looked at $FORKCHAOS_SHIM, beside forkchaos and in ../lib); "
			"build it with `make` or pass --shim\n");
		return FC_EXIT_USAGE;
	}
	if (!o.seed && getenv("FORKCHAOS_SEED") && *getenv("FORKCHAOS_SEED")) {
		o.seed = getenv("FORKCHAOS_SEED");
		if (fc_parse_seed(o.seed) < 0) {
			fprintf(stderr, "forkchaos run: bad FORKCHAOS_SEED '%s' in the environment: expected a whole number\n",
				o.seed);
			return FC_EXIT_USAGE;
		}
	}
	if (!o.seed && plan.uses_prob_without_seed) {
		fc_pick_seed(seed_buf, sizeof seed_buf);
		o.seed = seed_buf;
		fprintf(stderr, "forkchaos: seed %s (replay with --seed %s)\n", o.seed, o.seed);
	}
	if (o.trace) {
		/* Start a fresh trace; the first process to load the shim writes
		 * its header line. An absolute path survives the target's chdir. */
		int fd = open(o.trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !realpath(o.trace, trace_abs)) {
			fprintf(stderr, "forkchaos run: cannot write trace '%s': %m\n", o.trace);
			return FC_EXIT_USAGE;
		}
		close(fd);
		o.trace = trace_abs;
	}
	static struct fc_run_stats stats;
	int have_stats = fc_run_stats_open(&stats, &plan, o.plan) == 0;
	char explain_trace[64] = "";
	int explain_fd = o.explain && !o.trace ? memfd_create("forkchaos-trace", MFD_CLOEXEC) : -1;
	if (explain_fd >= 0) {
		/* --explain without --trace: a trace of our own that no folder
		 * keeps, reached through our /proc entry */
		snprintf(explain_trace, sizeof explain_trace, "/proc/%d/fd/%d", (int)getpid(), explain_fd);
		o.trace = explain_trace;
	}
	if (o.trace && trace_max) {
		snprintf(env_max, sizeof env_max, "FORKCHAOS_TRACE_MAX=%llu", (unsigned long long)trace_max);
		extra_env[nenv++] = env_max;
	}
	if (have_stats) {
		snprintf(env_stats, sizeof env_stats, "FORKCHAOS_STATS=%s", stats.path);
		extra_env[nenv++] = env_stats;
	}
	struct fc_target target = {
		.argv = argv + cmd,
		.shim = shim,
		.plan = o.plan,
		.trace = o.trace,
		.seed = o.seed,
		.extra_env = extra_env,
		.timeout_ns = o.timeout_ns,
		.stdin_fd = -1,
		.stdout_fd = -1,
		.stderr_fd = -1,
		.tick = have_stats && !o.quiet ? print_notes : NULL,
		.tick_arg = &stats,
	};
	struct fc_outcome outcome;
	if (o.verbose)
		fprintf(stderr, "forkchaos: running %s with plan '%s'\n", argv[cmd], o.plan ? o.plan : "");
	int started = fc_run_target(&target, &outcome);
	if (started == 0 && !outcome.exec_errno && have_stats && !o.quiet)
		fc_run_stats_summary(&stats, stderr);
	if (started == 0 && !outcome.exec_errno && o.explain && o.trace) {
		struct fc_explain_opts explain = { .who = "forkchaos run --explain" };
		fputc('\n', stderr);
		fc_trace_explain(o.trace, stderr, &explain);
	}
	if (explain_fd >= 0)
		close(explain_fd);
	fc_run_stats_close(&stats);
	if (started < 0) {
		fprintf(stderr, "forkchaos run: cannot start %s: %m\n", argv[cmd]);
		return FC_EXIT_USAGE;
	}
	if (outcome.exec_errno) {
		fprintf(stderr, "forkchaos run: cannot run '%s': %s\n", argv[cmd], strerror(outcome.exec_errno));
		if (o.trace)
			unlink(o.trace); /* nothing ran: leave no empty trace behind */
		return FC_EXIT_USAGE;
	}
	if (outcome.killed_after_interrupt) {
		fprintf(stderr,
			"forkchaos run: interrupted: '%s' outlived the signal passed on to it by 5 s; killed its process tree "
			"(stuck: %s)\n",
			argv[cmd], outcome.stuck);
		return FC_EXIT_INTERRUPTED;
	}
	if (outcome.timed_out)
		fprintf(stderr, "forkchaos run: timeout: '%s' ran past %.3gs; killed its process tree (stuck: %s)\n", argv[cmd],
			o.timeout_ns / 1e9, outcome.stuck);
	if (outcome.strays)
		fprintf(stderr, "forkchaos run: '%s' left %d process(es) behind; killed and reaped\n", argv[cmd], outcome.strays);
	int code = fc_outcome_exit_code(&outcome);
	if (o.verbose)
		fprintf(stderr, "forkchaos: '%s' ended with exit code %d\n", argv[cmd], code);
	return code;
}
