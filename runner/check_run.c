/* One scenario, on one library, repeated: each run under `fc_run_target`
 * (its own subreaper, timeout and tree kill), then the oracles. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "words.h"
#include "sched.h"
#include "seccomp_layer.h"

const char *const fc_state_names[] = { "PASS", "FAIL", "XFAIL", "XPASS", "ERROR", "NOT-RUN" };

/* A file the target wrote (its report, its output): only a plain file is
 * read, and never waited on (a target may leave a FIFO there). */
static void read_file(const char *path, char *buf, size_t len)
{
	struct stat st;
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, len - 1) : 0;
	buf[got > 0 ? got : 0] = 0;
	close(fd);
}

/* A run's own file in the work folder, made new: a target (it can write
 * there) may have planted a link at the name of the next run's file. */
static int new_file(const char *path)
{
	unlink(path);
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* The last line of TEXT, for a one-line message. */
static const char *last_line(char *text)
{
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = 0;
	char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

/* A bare name found in $PATH, absolute; 0 when there is none. */
static int in_path(const char *word, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	for (const char *dir = path ? path : ""; *dir; dir += *dir == ':') {
		size_t dlen = strcspn(dir, ":");
		snprintf(buf, len, "%.*s/%s", (int)dlen, dir, word);
		if (dlen && buf[0] == '/' && access(buf, X_OK) == 0)
			return 1;
		dir += dlen;
	}
	return 0;
}

int fc_check_command(const struct fc_check *c, const struct fc_scenario *s, char *buf, size_t len)
{
	const char *word = s->argv[0];
	if (word[0] == '/') {
		snprintf(buf, len, "%s", word);
		return 0;
	}
	if (strchr(word, '/')) {
		snprintf(buf, len, "%s/%s", s->dir, word);
		return 0;
	}
	snprintf(buf, len, "%.3000s/%.512s", c->drivers, word);
	if (access(buf, X_OK) == 0)
		return 1;
	char found[PATH_MAX];
	if (in_path(word, found, sizeof found)) {
		snprintf(buf, len, "%s", found);
		return 0;
	}
	return 1; /* neither: the driver it names is missing, and run says so */
}

/* argv of the target: {lib} replaced by the library under test; a word
 * that names a file in the scenario's folder becomes its absolute path,
 * as the command word does (so the target and the reproduce line find it
 * from anywhere); every other word as written. */
static void build_argv(const struct fc_check *c, const struct fc_scenario *s, const char *lib, char store[][PATH_MAX],
		       char **argv)
{
	fc_check_command(c, s, store[0], PATH_MAX);
	argv[0] = store[0];
	for (int i = 1; i < s->argc; i++) {
		const char *word = s->argv[i];
		const char *mark = strstr(word, "{lib}");
		if (mark)
			snprintf(store[i], PATH_MAX, "%.*s%s%s", (int)(mark - word), word, lib, mark + 5);
		else if (word[0] != '/' && snprintf(store[i], PATH_MAX, "%s/%s", s->dir, word) < PATH_MAX &&
			 access(store[i], F_OK) == 0)
			; /* the file's absolute path, now in store[i] */
		else
			snprintf(store[i], PATH_MAX, "%s", word);
		argv[i] = store[i];
	}
	argv[s->argc] = NULL;
}

/* "libffd", "libffd-torn-oldact": the library's file name without .so */
static void lib_base(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	snprintf(buf, len, "%s", slash ? slash + 1 : path);
	char *so = strstr(buf, ".so");
	if (so)
		*so = 0;
}

void fc_check_trace_name(const struct fc_check *c, const struct fc_scenario *s, int lib, int run, char *buf, size_t len)
{
	char base[128];
	lib_base(c->libs[lib], base, sizeof base);
	snprintf(buf, len, "traces/%s.%s.%d.jsonl", s->name, base, run);
}

/* Keep a failing run's trace: into the results folder (renamed, or
 * copied when the work folder is on another file system). */
static void keep_trace(const struct fc_check *c, const struct fc_scenario *s, int lib, int run, const char *trace)
{
	char name[256], dest[PATH_MAX + 256], buf[65536];
	fc_check_trace_name(c, s, lib, run, name, sizeof name);
	fc_results_path(&c->folder, name, dest, sizeof dest);
	if (rename(trace, dest) == 0 || errno != EXDEV)
		return;
	int in = open(trace, O_RDONLY | O_NONBLOCK | O_CLOEXEC),
	    out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	ssize_t got;
	while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)got) != got)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

/* RACE: an interrupt that arrives after the loop below has looked and
 * before fc_run_target blocks it ran our handler and set the flag only:
 * fc_run_target would wait the whole timeout.  Its first tick comes with
 * the signals blocked, so the signal raised again there is pending, and
 * its wait takes it and passes it on at once. */
struct missed {
	int raised;
};

static void pass_on_missed(void *arg)
{
	struct missed *m = arg;
	if (fc_sched_interrupted() && !m->raised) {
		m->raised = 1;
		raise(fc_sched_interrupted());
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void fc_check_run_one(const struct fc_check *c, int scenario, int lib, struct fc_result *res)
{
	const struct fc_scenario *s = &c->scenarios[scenario];
	static char store[FC_SCN_MAX_ARGS][PATH_MAX];
	static char report[65536];
	char *argv[FC_SCN_MAX_ARGS + 1];
	char report_path[PATH_MAX + 128], err_path[PATH_MAX + 128], trace_path[PATH_MAX + 128], env_lib[PATH_MAX + 16],
		env_report[PATH_MAX + 160];
	char err_text[4096];
	/* FORKCHAOS_LIB for our drivers only, as the reproduce line has it */
	char env_oracles[256];
	const char *extra_env[5] = { env_report, env_oracles };
	int nenv = 2;
	if (s->oracles.driver)
		extra_env[nenv++] = env_lib;
	/* the shim then leaves the syscall-level rules to the supervisor */
	if (s->syslayer)
		extra_env[nenv++] = FC_SYSLAYER_ENV;
	extra_env[nenv] = NULL;
	static struct fc_plan plan;
	char layer_err[512] = "its plan no longer parses";
	int repeat = c->opt.repeat ? c->opt.repeat : s->repeat;
	double start = now_s();

	memset(res, 0, sizeof *res);
	res->scenario = scenario;
	res->lib = lib;
	build_argv(c, s, c->libs[lib], store, argv);
	snprintf(env_lib, sizeof env_lib, "FORKCHAOS_LIB=%s", c->libs[lib]);
	/* the shim watches the oracles check: names that it can compute */
	fc_oracle_shim_env(s->oracles.named, env_oracles, sizeof env_oracles);
	int parsed = s->syslayer && fc_plan_parse(s->plan, &plan, layer_err, sizeof layer_err) == 0;
	for (int run = 0; run < repeat && !fc_sched_interrupted() && !res->interrupted; run++) {
		snprintf(report_path, sizeof report_path, "%s/%s.%d.%d.report", c->workdir, s->name, lib, run);
		snprintf(err_path, sizeof err_path, "%s/%s.%d.%d.err", c->workdir, s->name, lib, run);
		snprintf(trace_path, sizeof trace_path, "%s/%s.%d.%d.trace", c->workdir, s->name, lib, run);
		snprintf(env_report, sizeof env_report, "FORKCHAOS_REPORT=%s", report_path);
		/* a fresh trace each run: the first process to load the shim
		 * writes its header */
		unlink(report_path); /* the target makes it, never through an old link */
		int err_fd = new_file(err_path), trace_fd = new_file(trace_path);
		if (trace_fd >= 0)
			close(trace_fd);
		int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		struct missed missed = { 0 };
		const char *seed = s->seed[0] ? s->seed : c->opt.seed;
		/* one supervisor per run, as `forkchaos run` makes: its counts
		 * and process images start again each time */
		struct fc_syslayer_conf layer_conf = { &plan, s->plan, trace_path, NULL, 0, strtoull(seed ? seed : "0", NULL, 10),
						       NULL,  c->shim };
		struct fc_syslayer *layer = parsed ? fc_syslayer_new(&layer_conf, layer_err, sizeof layer_err) : NULL;
		struct fc_target target = {
			.argv = argv,
			.shim = c->shim,
			.plan = s->plan,
			.trace = trace_path,
			.seed = s->seed[0] ? s->seed : c->opt.seed,
			.extra_env = extra_env,
			.timeout_ns = s->timeout_ns,
			.stdin_fd = null_fd,
			.stdout_fd = err_fd,
			.stderr_fd = err_fd,
			.tick = pass_on_missed,
			.tick_arg = &missed,
			.syslayer = layer,
		};
		struct fc_outcome outcome;
		int files_ok = err_fd >= 0 && trace_fd >= 0 && null_fd >= 0;
		int layer_ok = !s->syslayer || layer;
		int started = files_ok && layer_ok ? fc_run_target(&target, &outcome) : -1, run_errno = errno;
		fc_syslayer_free(layer);
		if (err_fd >= 0)
			close(err_fd);
		if (null_fd >= 0)
			close(null_fd);
		if (started == 0 && outcome.interrupted) {
			/* killed by our own interrupt: no verdict on the library */
			res->interrupted = 1;
			unlink(report_path);
			unlink(err_path);
			unlink(trace_path);
			break;
		}
		res->runs++;
		if (started < 0 || outcome.exec_errno) {
			unlink(report_path);
			unlink(err_path);
			unlink(trace_path);
			fc_progress_add(c->progress, 1);
			res->harness_error = 1;
			res->failed_runs++;
			res->verdict.failed = 1;
			res->verdict.oracle = FC_OR_DRIVER;
			if (!layer_ok)
				snprintf(res->verdict.detail, sizeof res->verdict.detail, "cannot run %.400s: %.500s", argv[0],
					 layer_err);
			else
				snprintf(res->verdict.detail, sizeof res->verdict.detail, "cannot run %.400s: %s%s%.400s%s",
					 argv[0], strerror(started < 0 ? run_errno : outcome.exec_errno),
					 files_ok ? "" : " (making its files in the work folder ", files_ok ? "" : c->workdir,
					 files_ok ? "" : ")");
			break;
		}
		read_file(report_path, report, sizeof report);
		read_file(err_path, err_text, sizeof err_text);
		struct fc_verdict verdict;
		fc_oracles_evaluate(&s->oracles, report, &outcome, last_line(err_text), &verdict);
		if (verdict.failed) {
			if (!res->failed_runs) {
				res->verdict = verdict;
				res->first_failed = run + 1;
			}
			res->failed_runs++;
			keep_trace(c, s, lib, run + 1, trace_path);
		}
		fc_progress_add(c->progress, verdict.failed);
		unlink(report_path);
		unlink(err_path);
		unlink(trace_path);
		if (verdict.harness) {
			res->harness_error = 1;
			break;
		}
	}
	if (fc_sched_interrupted())
		res->interrupted = 1; /* stopped between runs: the rest not judged */
	res->seconds = now_s() - start;
}

void fc_check_repro(const struct fc_check *c, const struct fc_scenario *s, const char *lib, int oracle, char *buf, size_t len)
{
	char store[FC_SCN_MAX_ARGS][PATH_MAX];
	char *argv[FC_SCN_MAX_ARGS + 1];
	char quoted[FC_PLAN_MAX + 64], timeout[32], names[512] = "";
	size_t used = 0;
	build_argv(c, s, lib, store, argv);
	fc_duration_text(s->timeout_ns, timeout, sizeof timeout);
	/* the oracle that failed (else the scenario's check: list): run
	 * --check judges it as check did and exits 1 on it */
	if (oracle >= 0 && oracle < FC_ORACLE_COUNT)
		snprintf(names, sizeof names, "%s", fc_oracle_name(oracle));
	for (int i = 0; oracle < 0 && i < s->oracles.norder; i++) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof names - n, "%s%s", n ? "," : "", fc_oracle_name(s->oracles.order[i]));
	}
	used += (size_t)snprintf(buf + used, len - used, "%s/forkchaos run --check %s", c->exe_dir, names[0] ? names : "all");
	if (s->plan[0]) {
		fc_shell_word(quoted, sizeof quoted, s->plan);
		used += (size_t)snprintf(buf + used, len - used, " --plan %s", quoted);
	}
	/* the library only for a driver, which loads it from the environment;
	 * any other command names it in its arguments if it needs it */
	used += (size_t)snprintf(buf + used, len - used, " --seed %s --timeout %s --", s->seed[0] ? s->seed : c->opt.seed,
				 timeout);
	if (s->oracles.driver) {
		fc_shell_word(quoted, sizeof quoted, lib);
		used += (size_t)snprintf(buf + used, len - used, " env FORKCHAOS_LIB=%s", quoted);
	}
	for (int i = 0; argv[i] && used < len; i++) {
		fc_shell_word(quoted, sizeof quoted, argv[i]);
		used += (size_t)snprintf(buf + used, len - used, " %s", quoted);
	}
}
