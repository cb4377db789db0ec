/* forkchaos run: one command under the shim. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "forkchaos.h"
#include "plan.h"
#include "proc.h"

static const char run_usage[] =
	"usage: forkchaos run [--plan PLAN] [--trace FILE] [--timeout DUR] [--seed S] [--shim LIB] -- CMD [ARGS...]\n"
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
	"                      (truncated first; children and exec'd programs append)\n"
	"  -T, --timeout DUR   kill the whole tree after DUR (default 60s; 10, 500ms, 2s)\n"
	"  -s, --seed S        the seed (0 to 2^64-1) for prob= rules without their own seed=; without it a\n"
	"                      seed is chosen, written to the trace and printed on stderr\n"
	"      --shim LIB      the shim to preload (default: libforkchaos.so beside forkchaos)\n"
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

int fc_cmd_run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "plan", required_argument, 0, 'p' },    { "trace", required_argument, 0, 't' },
		{ "timeout", required_argument, 0, 'T' }, { "seed", required_argument, 0, 's' },
		{ "shim", required_argument, 0, 'S' },    { "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },          { 0, 0, 0, 0 },
	};
	const char *plan_text = getenv("FORKCHAOS_PLAN"), *trace = NULL, *seed = NULL, *shim_arg = NULL;
	uint64_t timeout_ns = 60ull * 1000000000u;
	int verbose = 0, opt;
	char shim[PATH_MAX], trace_abs[PATH_MAX], seed_buf[32];
	static struct fc_plan plan;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+p:t:T:s:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'p': plan_text = optarg; break;
		case 't': trace = optarg; break;
		case 'T':
			if (fc_parse_duration_arg(optarg, &timeout_ns) < 0) {
				fprintf(stderr, "forkchaos run: bad --timeout '%s': expected a duration like 30, 500ms or 2s\n",
					optarg);
				return FC_EXIT_USAGE;
			}
			break;
		case 's':
			seed = optarg;
			if (fc_parse_seed(seed) < 0) {
				fprintf(stderr, "forkchaos run: bad --seed '%s': expected a whole number below 2^64\n", seed);
				return FC_EXIT_USAGE;
			}
			break;
		case 'S': shim_arg = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(run_usage, stdout); return 0;
		default: fputs("forkchaos run: see `forkchaos run --help`\n", stderr); return FC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("forkchaos run: no command given; usage: forkchaos run [OPTIONS] -- CMD [ARGS...]\n", stderr);
		return FC_EXIT_USAGE;
	}
	if (plan_text && *plan_text && fc_check_plan(plan_text, &plan) < 0)
		return FC_EXIT_USAGE; /* the command is not run */
	if (shim_arg) {
		/* an explicit shim must be one: ld.so would skip anything else
		 * with a warning and run the command unshimmed */
		if (!is_shared_object(shim_arg)) {
			fprintf(stderr,
				"forkchaos run: --shim %s: not a readable ELF shared object; expected a libforkchaos.so\n",
				shim_arg);
			return FC_EXIT_USAGE;
		}
		setenv("FORKCHAOS_SHIM", shim_arg, 1);
	}
	if (!fc_find_shim(shim, sizeof shim)) {
		fprintf(stderr,
			"forkchaos run: cannot find libforkchaos.so (looked at $FORKCHAOS_SHIM, beside forkchaos and in ../lib); "
			"build it with `make` or pass --shim\n");
		return FC_EXIT_USAGE;
	}
	if (!seed && getenv("FORKCHAOS_SEED") && *getenv("FORKCHAOS_SEED")) {
		seed = getenv("FORKCHAOS_SEED");
		if (fc_parse_seed(seed) < 0) {
			fprintf(stderr, "forkchaos run: bad FORKCHAOS_SEED '%s' in the environment: expected a whole number\n",
				seed);
			return FC_EXIT_USAGE;
		}
	}
	if (!seed && plan.uses_prob_without_seed) {
		fc_pick_seed(seed_buf, sizeof seed_buf);
		seed = seed_buf;
		fprintf(stderr, "forkchaos: seed %s (replay with --seed %s)\n", seed, seed);
	}
	if (trace) {
		/* Start a fresh trace; the first process to load the shim writes
		 * its header line. An absolute path survives the target's chdir. */
		int fd = open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !realpath(trace, trace_abs)) {
			fprintf(stderr, "forkchaos run: cannot write trace '%s': %m\n", trace);
			return FC_EXIT_USAGE;
		}
		close(fd);
		trace = trace_abs;
	}
	struct fc_target target = {
		.argv = argv + optind,
		.shim = shim,
		.plan = plan_text,
		.trace = trace,
		.seed = seed,
		.timeout_ns = timeout_ns,
		.stdin_fd = -1,
		.stdout_fd = -1,
		.stderr_fd = -1,
	};
	struct fc_outcome outcome;
	if (verbose)
		fprintf(stderr, "forkchaos: running %s with plan '%s'\n", argv[optind], plan_text ? plan_text : "");
	if (fc_run_target(&target, &outcome) < 0) {
		fprintf(stderr, "forkchaos run: cannot start %s: %m\n", argv[optind]);
		return FC_EXIT_USAGE;
	}
	if (outcome.exec_errno) {
		fprintf(stderr, "forkchaos run: cannot run '%s': %s\n", argv[optind], strerror(outcome.exec_errno));
		if (trace)
			unlink(trace); /* nothing ran: leave no empty trace behind */
		return FC_EXIT_USAGE;
	}
	if (outcome.killed_after_interrupt) {
		fprintf(stderr,
			"forkchaos run: interrupted: '%s' outlived the signal passed on to it by 5 s; killed its process tree "
			"(stuck: %s)\n",
			argv[optind], outcome.stuck);
		return FC_EXIT_INTERRUPTED;
	}
	if (outcome.timed_out)
		fprintf(stderr, "forkchaos run: timeout: '%s' ran past %.3gs; killed its process tree (stuck: %s)\n",
			argv[optind], timeout_ns / 1e9, outcome.stuck);
	if (outcome.strays)
		fprintf(stderr, "forkchaos run: '%s' left %d process(es) behind; killed and reaped\n", argv[optind],
			outcome.strays);
	int code = fc_outcome_exit_code(&outcome);
	if (verbose)
		fprintf(stderr, "forkchaos: '%s' ended with exit code %d\n", argv[optind], code);
	return code;
}
