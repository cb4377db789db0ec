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
#include "plan.h" /* fc_plan_file_read */
#include "preflight.h"
#include "proc.h"
#include "run_check.h"
#include "run_stats.h"
#include "seccomp_layer.h"
#include "shim_path.h"
#include "supervise.h"
#include "trace_file.h"
#include "trace_explain.h"

static const char run_usage[] =
	"usage: forkchaos run [--plan PLAN|--plan-file FILE] [--trace FILE] [--trace-calls LIST]\n"
	"                     [--trace-max SIZE] [--timeout DUR] [--seed S] [--shim LIB]\n"
	"                     [--check LIST|all [--check-out FILE]] [--quiet|--verbose]\n"
	"                     -- CMD [ARGS...]\n"
	"\n"
	"Runs CMD with the forkchaos shim preloaded (prepended to any LD_PRELOAD) and\n"
	"exits with CMD's status: its exit code, 128+N if a signal N killed it, 124\n"
	"if it ran past --timeout (the whole process tree is then killed and reaped),\n"
	"2 if the plan is malformed or CMD cannot be started (CMD is then not run).\n"
	"SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to CMD's process group; if\n"
	"CMD is still there 5 s later, its tree is killed and forkchaos exits 3.  Every\n"
	"other signal forkchaos would die of is ignored; if forkchaos is killed anyway\n"
	"(SIGKILL), CMD's tree is killed with it.  CMD's parent is forkchaos' supervisor,\n"
	"which ignores what CMD sends it; CMD gets the signal mask and dispositions\n"
	"forkchaos was started with.\n"
	"With a plan or a trace, a CMD in which the shim could not act is refused (exit\n"
	"2): setuid, setgid or with file capabilities (secure mode), or static.\n"
	"Syscall-level rules (sys_NAME, syscall:nr=N; via= in `forkchaos --help`) are\n"
	"answered by forkchaos' supervisor through a seccomp filter that stops exactly\n"
	"the syscalls they name, wherever they are made (inside glibc's fork, posix_spawn,\n"
	"system, popen, pthread_create; static binaries too).  CMD then runs with\n"
	"no_new_privs set: set-id bits and file capabilities give it nothing.  Where\n"
	"seccomp user notification is unavailable, a rule with via=syscall is refused\n"
	"(exit 2); the others act on calls made through syscall(2) only, as a note says.\n"
	"\n"
	"options:\n"
	"  -p, --plan PLAN     the injection plan (default: $FORKCHAOS_PLAN; see `forkchaos --help`)\n"
	"      --plan-file FILE    the plan from FILE: one rule per line, # comments (not with --plan)\n"
	"  -t, --trace FILE    write a JSON Lines trace of every intercepted call to FILE: a new\n"
	"                      file, put in FILE's place when CMD is done (FILE, if it exists,\n"
	"                      must be a regular file: never a link, device or pipe; if CMD\n"
	"                      cannot start, FILE is left as it was); children and exec'd\n"
	"                      programs append; `forkchaos trace FILE` summarises it;\n"
	"                      /dev/null: the shim traces, nothing is kept\n"
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
	"  -c, --check LIST    judge CMD by these oracles (comma-separated; all: every one that\n"
	"                      judges any command): fds, strays, chained, errno, eintr,\n"
	"                      double-close (hang and crash always); exit 1 if one failed, each\n"
	"                      failure a line on stderr; otherwise CMD's own status\n"
	"      --check-out FILE    the verdict as JSON Lines: one {\"oracle\",\"detail\"} per\n"
	"                      failure, then {\"exit\",\"checked\",\"failed\",\"out\",...} (with --check;\n"
	"                      out: a hash of CMD's stdout, numbers folded, CMD's output passed\n"
	"                      on when it ends)\n"
	"      --expect EXIT[:HASH]  the differs oracle: fail when CMD's exit code (or its\n"
	"                      output's hash, as --check-out gives it) is another (with --check)\n"
	"  -q, --quiet         no summary of what each rule did at the end\n"
	"  -v, --verbose       say what is run, the seed, and how it ended\n"
	"  -h, --help          this text\n"
	"\n"
	"examples:\n"
	"  forkchaos run --plan 'pipe2:when=3:error=EMFILE' -- ./server\n"
	"      the third pipe2() fails with EMFILE, every other call passes through\n"
	"  forkchaos run --plan 'sys_clone3,sys_clone:when=2:error=EAGAIN' --trace t.jsonl -- make -j4\n"
	"      make's second spawn fails (its posix_spawn makes the clone inside glibc);\n"
	"      every intercepted call is logged in t.jsonl\n"
	"  forkchaos run --plan 'sigaction:sig=SIGCHLD:at=inside:signal=SIGCHLD' -- ./app\n"
	"      a SIGCHLD arrives while sigaction's new handler is live but oldact unfilled\n"
	"  forkchaos run --plan 'write:prob=0.1:seed=7:error=EINTR:proc=child' -- ./app\n"
	"      10% of write() calls in forked children fail with EINTR, the same ones each run\n"
	"  forkchaos run --check all -- python3 -c 'import subprocess; subprocess.run([\"true\"])'\n"
	"      exit 1 if it leaks a descriptor, leaves a process behind, breaks a SIGCHLD chain...\n"
	"  forkchaos run --timeout 5s -- ./may-hang\n"
	"      exit 124 and a note on where it hung if it runs past 5 seconds\n";

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
	const char *plan, *plan_file, *trace, *seed, *shim, *trace_calls, *trace_max, *check, *check_out, *expect;
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
/* one option a line */
/* clang-format off */
static const struct fc_opt run_options[] = {
	OPT("plan", 'p', FC_OPT_TEXT, plan),
	OPT("plan-file", 0, FC_OPT_TEXT, plan_file),
	OPT("trace", 't', FC_OPT_TEXT, trace),
	OPT("trace-calls", 0, FC_OPT_TEXT, trace_calls),
	OPT("trace-max", 0, FC_OPT_TEXT, trace_max),
	OPT("timeout", 'T', FC_OPT_DURATION, timeout_ns),
	OPT("seed", 's', FC_OPT_SEED, seed),
	OPT("shim", 0, FC_OPT_TEXT, shim),
	OPT("verbose", 'v', FC_OPT_FLAG, verbose),
	OPT("quiet", 'q', FC_OPT_FLAG, quiet),
	OPT("explain", 0, FC_OPT_FLAG, explain),
	OPT("check", 'c', FC_OPT_TEXT, check),
	OPT("check-out", 0, FC_OPT_TEXT, check_out),
	OPT("expect", 0, FC_OPT_TEXT, expect),
	FC_OPT_END,
};
/* clang-format on */
#undef OPT

static const struct fc_opt_spec run_spec = {
	.sub = "run",
	.usage = run_usage,
	.opts = run_options,
	.in_order = 1,
	.no_operand = "no command given; usage: forkchaos run [OPTIONS] -- CMD [ARGS...]",
};

/* The plan: --plan, --plan-file or $FORKCHAOS_PLAN, validated.  Exit code,
 * or -1 to go on. */
static int load_plan(struct run_options *o, struct fc_plan *plan)
{
	static char text[FC_PLAN_MAX + 1];
	char err[512];
	if (o->plan && o->plan_file) {
		fprintf(stderr, "forkchaos run: --plan and --plan-file both given; give the plan one way\n");
		return FC_EXIT_USAGE;
	}
	if (o->plan_file) {
		if (fc_plan_file_read(o->plan_file, text, sizeof text, err, sizeof err) < 0) {
			fprintf(stderr, "forkchaos run: %s\n", err);
			return FC_EXIT_USAGE;
		}
		o->plan = text;
	}
	if (!o->plan)
		o->plan = getenv("FORKCHAOS_PLAN");
	if (o->plan && *o->plan && fc_check_plan(o->plan, plan) < 0)
		return FC_EXIT_USAGE; /* the command is not run */
	return -1;
}

/* The shim: found, and ours (ld.so would skip anything else with a
 * warning and run the command unshimmed).  Exit code, or -1. */
static int load_shim(const struct run_options *o, char *shim, size_t len)
{
	char why[256];
	if (o->shim) {
		if (fc_shim_verify(o->shim, why, sizeof why) < 0) {
			fprintf(stderr, "forkchaos run: --shim %s: %s; expected a libforkchaos.so\n", o->shim, why);
			return FC_EXIT_USAGE;
		}
		setenv("FORKCHAOS_SHIM", o->shim, 1);
	}
	if (!fc_find_shim(shim, len)) {
		fprintf(stderr,
			"forkchaos run: cannot find libforkchaos.so (looked at $FORKCHAOS_SHIM, beside forkchaos and in ../lib); "
			"build it with `make` or pass --shim\n");
		return FC_EXIT_USAGE;
	}
	if (!o->shim && fc_shim_verify(shim, why, sizeof why) < 0) {
		const char *env = getenv("FORKCHAOS_SHIM");
		fprintf(stderr, "forkchaos run: %s%s: %s; expected a libforkchaos.so\n", env && *env ? "FORKCHAOS_SHIM=" : "",
			env && *env ? env : shim, why);
		return FC_EXIT_USAGE;
	}
	return -1;
}

static void warn_unwritten_trace(const struct fc_run_stats *stats, const char *trace)
{
	if (!stats->map || stats->map->images == 0)
		fprintf(stderr, "forkchaos run: warning: no process of the command loaded the shim: the trace %s is empty\n",
			trace);
	else
		fprintf(stderr,
			"forkchaos run: warning: the shim loaded but wrote nothing to the trace %s (it could not open it, or "
			"--trace-calls matched no call)\n",
			trace);
}

static struct fc_run_check check;

static int run_command(int argc, char **argv)
{
	struct run_options o = { .timeout_ns = 60ull * 1000000000u };
	char shim[PATH_MAX], preload_buf[64], seed_buf[32], err[1024];
	char env_stats[PATH_MAX + 32], env_calls[1024], env_max[48];
	const char *extra_env[8] = { NULL };
	int nenv = 0, shim_fd = -1;
	uint64_t trace_max = 256ull << 20, call_set[FC_CALL_WORDS];
	static struct fc_plan plan;
	static struct fc_trace_file trace_file = { .fd = -1, .dir = -1 };
	int cmd, rc = fc_opts_parse(&run_spec, argc, argv, &o, &cmd);
	if (rc >= 0)
		return rc;
	if ((rc = load_plan(&o, &plan)) >= 0)
		return rc;
	if (o.check_out && !o.check) {
		fprintf(stderr, "forkchaos run: --check-out needs --check LIST (the oracles whose verdict it holds)\n");
		return FC_EXIT_USAGE;
	}
	if (o.check && fc_run_check_parse(&check, o.check, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos run: %s\n", err);
		return FC_EXIT_USAGE;
	}
	if (o.expect && (!o.check || fc_run_check_expect(&check, o.expect) < 0)) {
		fprintf(stderr,
			"forkchaos run: bad --expect '%s': expected EXIT[:HASH] (an exit code, and the output hash "
			"--check-out gives) with --check\n",
			o.expect);
		return FC_EXIT_USAGE;
	}
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
	if ((rc = load_shim(&o, shim, sizeof shim)) >= 0)
		return rc;
	if (!o.seed && getenv("FORKCHAOS_SEED") && *getenv("FORKCHAOS_SEED")) {
		o.seed = getenv("FORKCHAOS_SEED");
		if (fc_parse_seed(o.seed) < 0) {
			fprintf(stderr, "forkchaos run: bad FORKCHAOS_SEED '%s' in the environment: expected a whole number\n",
				o.seed);
			return FC_EXIT_USAGE;
		}
	}
	int layer_on;
	if ((rc = fc_syslayer_decide(&plan, o.plan, &layer_on)) >= 0)
		return rc;
	/* a static program under the layer: --check all judges it from
	 * outside (the sweep of a static program's syscalls); the shim's
	 * oracles named one by one need the shim, and refuse it below */
	int check_shim = !!o.check, is_static = o.check && layer_on && fc_preflight_is_static(argv[cmd]);
	if (is_static)
		check_shim = fc_run_check_without_shim(&check) > 0;
	if (is_static && check_shim && plan.nrules == fc_plan_syscall_rules(&plan)) {
		/* the plan itself reaches the program: only the oracles do not */
		char named[256], outside[256];
		fc_run_check_shim_names(&check, named, sizeof named, outside, sizeof outside);
		fprintf(stderr,
			"forkchaos run: --check %s: computed inside the process by the shim, which the statically linked '%s' "
			"cannot load; name only oracles judged from outside (%s), or --check all, which keeps those\n",
			named, argv[cmd], outside);
		return FC_EXIT_USAGE;
	}
	/* where the shim could not act, say so rather than run it unshimmed */
	if (((o.plan && *o.plan) || o.trace || o.explain || o.check) &&
	    fc_preflight_layer(argv[cmd], shim, layer_on ? plan.nrules - fc_plan_syscall_rules(&plan) + check_shim : -1, err,
			       sizeof err) < 0) {
		fprintf(stderr, "forkchaos run: %s\n", err);
		return FC_EXIT_USAGE;
	}
	/* claimed now, so that a bad --check-out stops us before CMD runs */
	if (o.check_out && fc_outfile_claim(&check.out, o.check_out, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos run: bad --check-out %s: %s\n", o.check_out, err);
		return FC_EXIT_USAGE;
	}
	if (o.check && fc_run_check_prepare(&check, extra_env, &nenv) < 0) {
		fprintf(stderr, "forkchaos run: cannot make a folder for the oracles' report in $TMPDIR: %s\n", strerror(errno));
		return FC_EXIT_USAGE;
	}
	/* the last check: it makes the new trace file */
	if (o.trace && fc_trace_file_open(&trace_file, o.trace) < 0)
		return FC_EXIT_USAGE;
	const char *preload = fc_shim_preload_path(shim, preload_buf, sizeof preload_buf, &shim_fd);
	if (!preload) {
		fprintf(stderr, "forkchaos run: cannot open the shim %s: %m\n", shim);
		fc_trace_file_discard(&trace_file);
		return FC_EXIT_USAGE;
	}
	if (!o.seed && (plan.uses_prob_without_seed || layer_on)) {
		/* chosen here for the shim and the layer alike */
		fc_pick_seed(seed_buf, sizeof seed_buf);
		o.seed = seed_buf;
		if (plan.uses_prob_without_seed)
			fprintf(stderr, "forkchaos: seed %s (replay with --seed %s)\n", o.seed, o.seed);
	}
	static struct fc_run_stats stats;
	int have_stats = fc_run_stats_open(&stats, &plan, o.plan) == 0;
	char explain_trace[64] = "";
	int explain_fd = o.explain && !o.trace ? memfd_create("forkchaos-trace", MFD_CLOEXEC) : -1;
	if (explain_fd >= 0) {
		/* --explain without --trace: a trace of our own that no folder
		 * keeps, reached through our /proc entry */
		snprintf(explain_trace, sizeof explain_trace, "/proc/%d/fd/%d", (int)getpid(), explain_fd);
	}
	const char *shim_trace = o.trace ? trace_file.path : explain_fd >= 0 ? explain_trace : NULL;
	if (shim_trace && trace_max) {
		snprintf(env_max, sizeof env_max, "FORKCHAOS_TRACE_MAX=%llu", (unsigned long long)trace_max);
		extra_env[nenv++] = env_max;
	}
	if (have_stats) {
		snprintf(env_stats, sizeof env_stats, "FORKCHAOS_STATS=%s", stats.path);
		extra_env[nenv++] = env_stats;
	}
	struct fc_syslayer_conf layer_conf = { &plan,
					       o.plan,
					       shim_trace,
					       o.trace_calls ? call_set : NULL,
					       trace_max,
					       strtoull(o.seed ? o.seed : "0", NULL, 10),
					       have_stats ? stats.map : NULL,
					       shim };
	static struct fc_syslayer *layer; /* static: reachable to the end (the leak checker) */
	layer = layer_on ? fc_syslayer_new(&layer_conf, err, sizeof err) : NULL;
	if (layer_on && !layer) {
		fprintf(stderr, "forkchaos run: %s\n", err);
		fc_trace_file_discard(&trace_file);
		return FC_EXIT_USAGE;
	}
	if (layer)
		extra_env[nenv++] = FC_SYSLAYER_ENV;
	stats.syscall_layer = layer != NULL;
	/* CMD's stdout held to its end, then passed on, when its hash is asked */
	check.capture = o.check && (o.check_out || check.expect_out[0]);
	int out_fd = check.capture ? memfd_create("forkchaos-output", MFD_CLOEXEC) : -1;
	if (check.capture && out_fd < 0) {
		fprintf(stderr, "forkchaos run: cannot hold the command's output: %s\n", strerror(errno));
		fc_trace_file_discard(&trace_file);
		return FC_EXIT_USAGE;
	}
	struct fc_target target = {
		.argv = argv + cmd,
		.shim = preload,
		.plan = o.plan,
		.trace = shim_trace,
		.seed = o.seed,
		.extra_env = extra_env,
		.timeout_ns = o.timeout_ns,
		.stdin_fd = -1,
		.stdout_fd = out_fd,
		.stderr_fd = -1,
		.tick = have_stats && !o.quiet ? print_notes : NULL,
		.tick_arg = &stats,
		.syslayer = layer,
	};
	struct fc_outcome outcome;
	if (o.verbose)
		fprintf(stderr, "forkchaos: running %s with plan '%s'\n", argv[cmd], o.plan ? o.plan : "");
	int started = fc_run_supervised(&target, &outcome, o.trace ? fc_trace_file_discard : NULL, &trace_file);
	int start_err = errno, ran = started == 0 && !outcome.exec_errno;
	if (out_fd >= 0) {
		fc_run_check_output(&check, out_fd);
		close(out_fd);
	}
	if (ran && have_stats && !o.quiet)
		fc_run_stats_summary(&stats, stderr);
	if (ran && o.trace && !trace_file.null_sink && fc_trace_file_size(&trace_file) == 0)
		warn_unwritten_trace(&stats, o.trace);
	if (shim_fd >= 0)
		close(shim_fd);
	for (int i = 0; o.check && have_stats && i < plan.nrules && i < FC_MAX_RULES; i++) {
		uint64_t matched, acted;
		int procs;
		fc_run_stats_totals(&stats, i, &matched, &acted, &procs);
		check.matched[i] = matched;
		check.acted[i] = acted;
		check.nrules = i + 1;
	}
	fc_run_stats_close(&stats);
	/* nothing ran: no trace, and FILE as it was */
	int kept = ran && o.trace && fc_trace_file_commit(&trace_file, o.trace) == 0;
	fc_trace_file_discard(&trace_file);
	if (ran && o.explain && (kept || explain_fd >= 0)) {
		struct fc_explain_opts explain = { .who = "forkchaos run --explain" };
		fputc('\n', stderr);
		fc_trace_explain(kept ? o.trace : explain_trace, stderr, &explain);
	}
	if (explain_fd >= 0)
		close(explain_fd);
	if (ran && o.trace && !kept)
		return FC_EXIT_USAGE; /* the message said where the trace is */
	if (started < 0) {
		fprintf(stderr, "forkchaos run: cannot start %s: %s\n", argv[cmd], strerror(start_err));
		return FC_EXIT_USAGE;
	}
	if (outcome.exec_errno) {
		fprintf(stderr, "forkchaos run: cannot run '%s': %s\n", argv[cmd], strerror(outcome.exec_errno));
		return FC_EXIT_USAGE;
	}
	if (outcome.supervisor_signal)
		fprintf(stderr,
			"forkchaos run: note: '%s' killed its parent, forkchaos' supervisor (SIG%s); forkchaos watched it itself "
			"from then on%s\n",
			argv[cmd], sigabbrev_np(outcome.supervisor_signal) ? sigabbrev_np(outcome.supervisor_signal) : "?",
			layer ? "; the syscalls the syscall-level rules name failed with ENOSYS from then on" : "");
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
	if (o.check && outcome.interrupted) {
		/* its end is ours (the interrupt passed on), not a verdict */
		fprintf(stderr, "forkchaos run: interrupted: '%s' was not judged\n", argv[cmd]);
		return FC_EXIT_INTERRUPTED;
	}
	if (o.check) {
		int failed = fc_run_check_judge(&check, &outcome, code, stderr);
		if (failed < 0 || failed == 2)
			return FC_EXIT_USAGE;
		if (failed)
			return FC_EXIT_FAIL;
	}
	return code;
}

int fc_cmd_run(int argc, char **argv)
{
	int code = run_command(argc, argv);
	fc_run_check_done(&check);
	return code;
}
