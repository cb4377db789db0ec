/* The run list of a sweep: for each site that can be chosen, each errno
 * and each occurrence N up to --max-n (and no further than the busiest
 * process of the clean run went), one run that fails exactly that call;
 * the command line of each run, its reproduce line, and its judgement
 * against the clean run.  Everything here is a function of the options
 * and the clean run alone, so that --resume and the shards of one sweep
 * make the same list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "forkchaos.h"
#include "plan.h"
#include "sweep.h"
#include "run_check.h"
#include "seccomp_layer.h"
#include "words.h"

#define ERRNO_LAST 4095

const char *const fc_sweep_state_names[FC_SW_NSTATES] = { "not-run", "ran", "skipped", "interrupted", "error" };

const char *fc_sweep_errno_name(int e, char buf[16])
{
	const char *name = strerrorname_np(e);
	if (name)
		return name;
	snprintf(buf, 16, "%d", e);
	return buf;
}

/* Errnos that say the caller passed something wrong (a descriptor that is
 * not open, a bad pointer or flag, a child that is not its own): on a call
 * made right they cannot happen, and injecting one makes a world the
 * program never lives in (close "fails" with EBADF and the descriptor stays
 * open; wait "finds no child" and the child stays a zombie).  `valid` leaves
 * them out; `all` and a LIST keep them. */
static const int caller_errors[] = { EBADF, EFAULT, EINVAL, ENOTSOCK, ECHILD, ESRCH, ENOTTY, ESPIPE, ENOTDIR, EISDIR };

int fc_sweep_caller_error(int e)
{
	for (size_t i = 0; i < sizeof caller_errors / sizeof caller_errors[0]; i++)
		if (caller_errors[i] == e)
			return 1;
	return 0;
}

/* The errnos of --errnos for call ID, into OUT (ERRNO_LAST of them at
 * most); how many, or -1 and a message (an unknown name). */
static int errnos_for(const struct fc_sweep *s, int id, int *out, char *err, size_t errlen)
{
	const char *spec = s->opt.errnos ? s->opt.errnos : "valid";
	int n = 0;
	if (!strcmp(spec, "all")) {
		for (int e = 1; e <= ERRNO_LAST; e++)
			if (strerrorname_np(e))
				out[n++] = e;
		return n;
	}
	int valid = !strcmp(spec, "valid");
	const char *list = valid ? fc_calls[id].errnos : spec, *seps = valid ? " " : ",";
	for (const char *p = list; *p && n < ERRNO_LAST; p += *p != 0) {
		size_t len = strcspn(p, seps);
		int e = len ? fc_errno_lookup(p, len) : -1;
		if (e < 0 && !valid) {
			snprintf(err, errlen,
				 "bad --errnos '%s': '%.*s' is not an errno; expected valid, all, or names like EAGAIN,EMFILE",
				 spec, (int)len, p);
			return -1;
		}
		int seen = 0;
		for (int k = 0; k < n; k++)
			seen |= out[k] == e;
		/* persistent EINTR: a program that retries, as it should, retries
		 * forever (a hang of the sweep's making) */
		if (e > 0 && !seen && !(valid && fc_sweep_caller_error(e)) && !(valid && s->persistent && e == EINTR))
			out[n++] = e;
		p += len;
	}
	return n;
}

int fc_sweep_check_options(struct fc_sweep *s, char *err, size_t errlen)
{
	static int errs[ERRNO_LAST];
	if (!s->opt.mode || !strcmp(s->opt.mode, "once"))
		s->persistent = 0;
	else if (!strcmp(s->opt.mode, "persistent"))
		s->persistent = 1;
	else {
		snprintf(err, errlen, "bad --mode '%s': expected once or persistent", s->opt.mode);
		return -1;
	}
	/* the oracles as run --check reads them: refused now, not after the
	 * clean run */
	static struct fc_run_check probe;
	if (s->opt.check && fc_run_check_parse(&probe, s->opt.check, err, errlen) < 0)
		return -1;
	/* a LIST is the same for every call: fork's stands for all */
	return errnos_for(s, FC_ID_fork, errs, err, errlen) < 0 ? -1 : 0;
}

int fc_sweep_plan(struct fc_sweep *s, char *err, size_t errlen)
{
	static int errs[ERRNO_LAST];
	size_t cap_series = 0, cap_rows = 0;
	s->nseries = s->nrows = 0;
	if (fc_sweep_check_options(s, err, errlen) < 0)
		return -1;
	for (int i = 0; i < s->nsites; i++) {
		const struct fc_site *site = &s->sites[i];
		int id = fc_call_lookup(site->call, strlen(site->call));
		int nerrs = id < 0 ? 0 : errnos_for(s, id, errs, err, errlen);
		if (nerrs < 0)
			return -1;
		long long reach = site->most < s->opt.max_n ? site->most : s->opt.max_n;
		for (int k = 0; k < nerrs && !site->note && reach > 0; k++) {
			struct fc_series *series = fc__grow(s->series, &cap_series, (size_t)s->nseries, sizeof *series);
			if (!series)
				goto oom;
			s->series = series;
			series[s->nseries] = (struct fc_series){
				.site = i, .err = errs[k], .first = s->nrows, .count = (int)reach
			};
			for (int n = 1; n <= reach; n++) {
				struct fc_sweep_row *rows = fc__grow(s->rows, &cap_rows, (size_t)s->nrows, sizeof *rows);
				if (!rows)
					goto oom;
				s->rows = rows;
				rows[s->nrows++] = (struct fc_sweep_row){ .series = s->nseries, .n = n };
			}
			s->nseries++;
		}
	}
	s->results = calloc((size_t)s->nrows + 1, sizeof *s->results);
	if (s->results)
		return 0;
oom:
	snprintf(err, errlen, "out of memory for the run list");
	return -1;
}

int fc_sweep_parse_shard(struct fc_sweep *s, const char *text)
{
	char *end;
	long k = strtol(text, &end, 10), n = *end == '/' ? strtol(end + 1, &end, 10) : 0;
	if (*end || k < 1 || n < 1 || k > n || n > 1000000 || text[0] < '0' || text[0] > '9')
		return -1;
	s->shard_k = (int)k;
	s->shard_n = (int)n;
	return 0;
}

/* A series is never split: its runs stop together (the first N never
 * reached ends it), and the slices are the series dealt round-robin, so
 * that each shard gets a like share of every kind of site. */
int fc_sweep_in_shard(const struct fc_sweep *s, int row)
{
	return !s->shard_n || s->rows[row].series % s->shard_n == s->shard_k - 1;
}

void fc_sweep_action(const struct fc_sweep *s, int row, char *buf, size_t len)
{
	char num[16];
	const struct fc_sweep_row *r = &s->rows[row];
	const struct fc_site *site = &s->sites[s->series[r->series].site];
	int id = fc_call_lookup(site->call, strlen(site->call));
	/* a call that releases its descriptor whatever it returns (close on
	 * Linux: man 2 close) fails after it ran: failing it before would keep
	 * open a descriptor the program rightly believes gone */
	int after = id >= 0 && (fc_calls[id].flags & FC_F_CLOSES);
	snprintf(buf, len, "when=%d%s:%serror=%s", r->n, s->persistent ? "+" : "", after ? "at=exit:" : "",
		 fc_sweep_errno_name(s->series[r->series].err, num));
}

/* The rule first: where a rule of --plan BASE matches the same call, the
 * first rule in plan order acts. */
void fc_sweep_rule_plan(const struct fc_sweep *s, int row, char *buf, size_t len)
{
	char action[64];
	fc_sweep_action(s, row, action, sizeof action);
	snprintf(buf, len, "%s:%s%s%s", s->sites[s->series[s->rows[row].series].site].key, action,
		 s->opt.plan && *s->opt.plan ? ";" : "", s->opt.plan && *s->opt.plan ? s->opt.plan : "");
}

/* A rule with a selector and no action: the layer traps its syscalls,
 * counts and traces each (with its caller and site from the instruction
 * pointer) and lets it run; nothing fires, so the clean run stays clean.
 * No via=syscall: the probe said the layer is here, and a rule that
 * insists would refuse the whole sweep where it is not. */
void fc_sweep_arm_syscalls(struct fc_sweep *s, const char *list, const char *who)
{
	char why[256];
	uint64_t calls[FC_CALL_WORDS];
	size_t used = 0;
	s->arm[0] = 0;
	if (!list || fc_call_set_parse(list, calls, why, sizeof why) < 0)
		return; /* a bad LIST was refused before */
	for (int id = 0; id < FC_NCALLS; id++) {
		if (id == FC_ID_syscall || !(fc_calls[id].flags & FC_F_SYS) || !(calls[id / 64] >> (id % 64) & 1))
			continue;
		int n = snprintf(s->arm + used, sizeof s->arm - used, "%s%s", used ? "," : "", fc_calls[id].name);
		if (n < 0 || (size_t)n >= sizeof s->arm - used - 16) {
			s->arm[used] = 0;
			break;
		}
		used += (size_t)n;
	}
	if (!used)
		return;
	if (fc_syslayer_probe(why, sizeof why) < 0) {
		fprintf(stderr,
			"forkchaos %s: note: no syscall-level injection here (%s): the sys_NAME sites listed are those made "
			"through syscall(2) only\n",
			who, why);
		s->arm[0] = 0;
		return;
	}
	snprintf(s->arm + used, sizeof s->arm - used, ":proc=any");
}

void fc_sweep_clean_plan(const struct fc_sweep *s, char *buf, size_t len)
{
	const char *base = s->opt.plan ? s->opt.plan : "";
	snprintf(buf, len, "%s%s%s", base, *base && s->arm[0] ? ";" : "", s->arm);
}

int fc_sweep_run_argv(const struct fc_sweep *s, int row, const char *check, const char *check_out, const char *trace,
		      struct fc_sweep_argv *store)
{
	store->plan[0] = 0;
	if (row >= 0)
		fc_sweep_rule_plan(s, row, store->plan, sizeof store->plan);
	else
		fc_sweep_clean_plan(s, store->plan, sizeof store->plan);
	return fc_sweep_command(s, store->plan, check, NULL, check_out, trace, store);
}

int fc_sweep_command(const struct fc_sweep *s, const char *plan, const char *check, const char *expect, const char *check_out,
		     const char *trace, struct fc_sweep_argv *store)
{
	char **argv = malloc(sizeof *argv * (size_t)(s->ncmd + 26));
	int n = 0;
	if (!(store->argv = argv))
		return -1;
	fc_duration_text(s->opt.timeout_ns, store->timeout, sizeof store->timeout);
	argv[n++] = (char *)s->exe;
	argv[n++] = "run";
	argv[n++] = "--quiet";
	argv[n++] = "--check";
	argv[n++] = (char *)check;
	if (check_out) {
		argv[n++] = "--check-out";
		argv[n++] = (char *)check_out;
	}
	if (expect) {
		argv[n++] = "--expect";
		argv[n++] = (char *)expect;
	}
	if (plan && plan[0]) {
		argv[n++] = "--plan";
		argv[n++] = (char *)plan;
	}
	argv[n++] = "--seed";
	argv[n++] = (char *)s->opt.seed;
	argv[n++] = "--timeout";
	argv[n++] = store->timeout;
	if (trace) {
		argv[n++] = "--trace";
		argv[n++] = (char *)trace;
		/* hundreds of runs: a run that loops (a hang) must not fill the
		 * disk with its trace */
		argv[n++] = "--trace-max";
		argv[n++] = "16M";
	}
	argv[n++] = "--";
	for (int i = 0; i < s->ncmd; i++)
		argv[n++] = s->cmd[i];
	argv[n] = NULL;
	return 0;
}

char *fc_sweep_quote_line(char *const argv[])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (int i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', f);
		fc_shell_word_put(f, argv[i]);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

char *fc_sweep_reproduce(const struct fc_sweep *s, int row, const char *oracle)
{
	static struct fc_sweep_argv store;
	if (fc_sweep_run_argv(s, row, oracle, NULL, NULL, &store) < 0)
		return NULL;
	char *line = fc_sweep_quote_line(store.argv);
	free(store.argv);
	return line;
}

void fc_sweep_signature(const char *detail, int pids_only, char *buf, size_t len)
{
	size_t used = 0;
	for (const char *c = detail; *c && used + 1 < len; c++) {
		int pid = c - detail >= 4 && !strncmp(c - 4, "pid ", 4);
		if (*c >= '0' && *c <= '9' && (!pids_only || pid)) {
			while (c[1] >= '0' && c[1] <= '9')
				c++;
			buf[used++] = '#';
		} else {
			buf[used++] = *c;
		}
	}
	buf[used] = 0;
}

/* How many of R's failures are ORACLE with SIGNATURE. */
static int count_like(const struct fc_sweep_result *r, const char *oracle, const char *signature)
{
	char sig[FC_SWEEP_DETAIL];
	int n = 0;
	for (int k = 0; k < r->nfails; k++) {
		fc_sweep_signature(r->fails[k].detail, 1, sig, sizeof sig);
		n += !strcmp(r->fails[k].oracle, oracle) && !strcmp(sig, signature);
	}
	return n;
}

/* A failure counts when the run has more like it than the clean run had
 * (fds: "more than the baseline left"); alike: the same text but for the
 * pids, which differ from run to run (a daemon's stray). */
const char *fc_sweep_judge(const struct fc_sweep *s, const struct fc_sweep_result *r, int *fail)
{
	char sig[FC_SWEEP_DETAIL];
	*fail = -1;
	if (r->state == FC_SW_ERROR)
		return "error";
	if (r->state != FC_SW_RAN)
		return NULL;
	for (int k = 0; k < r->nfails; k++) {
		fc_sweep_signature(r->fails[k].detail, 1, sig, sizeof sig);
		if (count_like(r, r->fails[k].oracle, sig) > count_like(&s->base, r->fails[k].oracle, sig)) {
			*fail = k;
			return r->fails[k].oracle;
		}
	}
	const struct fc_sweep_result *b = &s->base;
	int same = r->exit == b->exit && r->signal == b->signal && r->timed_out == b->timed_out && r->nfails == b->nfails;
	return same ? "ok" : "handled";
}

int fc_sweep_failed(const struct fc_sweep_result *r, const char *oracle)
{
	for (int k = 0; k < r->nfails; k++)
		if (!strcmp(r->fails[k].oracle, oracle))
			return 1;
	return 0;
}

int fc_sweep_new_failure(const struct fc_sweep *s, const struct fc_sweep_result *r, const char *oracle)
{
	char sig[FC_SWEEP_DETAIL];
	for (int k = 0; k < r->nfails; k++) {
		if (strcmp(r->fails[k].oracle, oracle))
			continue;
		fc_sweep_signature(r->fails[k].detail, 1, sig, sizeof sig);
		if (count_like(r, oracle, sig) > count_like(&s->base, oracle, sig))
			return 1;
	}
	return 0;
}

int fc_sweep_failing(const char *outcome)
{
	return outcome && strcmp(outcome, "ok") && strcmp(outcome, "handled") && strcmp(outcome, "error");
}

int fc_sweep_listed(const struct fc_sweep *s, int row)
{
	const struct fc_sweep_row *r = &s->rows[row];
	int first = s->series[r->series].first;
	if (s->results[row].state == FC_SW_SKIPPED)
		return 0;
	for (int k = first; k < row; k++)
		if (s->results[k].state == FC_SW_RAN && !s->results[k].injected)
			return 0;
	return 1;
}
