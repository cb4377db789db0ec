/* forkchaos run --check LIST: the oracles of the registry (oracles.def)
 * judged on any command.  The shim computes those it can see inside the
 * target (FORKCHAOS_ORACLES, lines to FORKCHAOS_REPORT); the runner adds
 * what it sees from outside (strays, hang, crash); the registry's judges
 * read both, as they do a scenario's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include "results.h"
#include "run_check.h"

/* The oracles that judge any command (the shim's and the runner's own):
 * what `all` names.  The driver-report ones are judged too whenever the
 * target writes their lines, but only a target that is one of our drivers
 * can be asked for them by name. */
static int judges_any_command(int oracle)
{
	return (fc_oracles[oracle].flags & FC_OR_SHIM) || !fc_oracles[oracle].lines[0] ||
		!strcmp(fc_oracles[oracle].lines, "child-signaled PID# SIG#");
}

static void add(struct fc_run_check *rc, int oracle)
{
	if (rc->choice.named & FC_OR_BIT(oracle))
		return;
	rc->choice.named |= FC_OR_BIT(oracle);
	rc->choice.order[rc->choice.norder++] = oracle;
}

int fc_run_check_parse(struct fc_run_check *rc, const char *list, char *err, size_t len)
{
	memset(rc, 0, sizeof *rc);
	rc->choice.exit_status = FC_STATUS_ANY;
	rc->report_fd = -1;
	char names[512];
	if (!*list) {
		fc_oracle_list(names, sizeof names);
		snprintf(err, len, "bad --check '': expected oracle names, comma-separated, or all (%s)", names);
		return -1;
	}
	for (const char *item = list; *item;) {
		size_t n = strcspn(item, ",");
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), item);
		int oracle = fc_oracle_lookup(name);
		if (!strcmp(name, "all")) {
			rc->all = 1;
			for (int i = 0; i < FC_ORACLE_COUNT; i++)
				if (judges_any_command(i) && i != FC_OR_EXIT_STATUS)
					add(rc, i);
		} else if (oracle < 0 || n >= sizeof name) {
			fc_oracle_list(names, sizeof names);
			snprintf(err, len, "bad --check '%s': unknown oracle '%s'; expected some of: %s (or all)", list, name,
				 names);
			return -1;
		} else {
			add(rc, oracle);
		}
		item += n + (item[n] == ',');
	}
	/* hang and crash make every other verdict moot: always judged */
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (fc_oracles[i].flags & FC_OR_FIRST)
			rc->choice.named |= FC_OR_BIT(i);
	/* exit: only when named (it expects 0), and with `all` the driver
	 * rows judge what lines there are, unnamed */
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (!(rc->choice.named & FC_OR_BIT(i)) && !(rc->all && !judges_any_command(i) && i != FC_OR_EXIT_STATUS))
			rc->choice.skipped |= FC_OR_BIT(i);
	if (rc->choice.named & FC_OR_BIT(FC_OR_EXIT_STATUS))
		rc->choice.exit_status = 0;
	return 0;
}

int fc_run_check_without_shim(struct fc_run_check *rc)
{
	int named = 0;
	for (int i = 0; i < FC_ORACLE_COUNT; i++) {
		if (!(rc->choice.named & FC_OR_BIT(i)) || !(fc_oracles[i].flags & FC_OR_SHIM))
			continue;
		if (!rc->all) {
			named++;
			continue;
		}
		rc->choice.named &= ~FC_OR_BIT(i);
		rc->choice.skipped |= FC_OR_BIT(i);
		for (int k = 0; k < rc->choice.norder; k++)
			if (rc->choice.order[k] == i) {
				memmove(&rc->choice.order[k], &rc->choice.order[k + 1],
					sizeof rc->choice.order[0] * (size_t)(rc->choice.norder - k - 1));
				rc->choice.norder--;
				break;
			}
	}
	return named;
}

void fc_run_check_shim_names(const struct fc_run_check *rc, char *named, size_t nlen, char *outside, size_t olen)
{
	size_t n = 0, o = 0;
	*named = *outside = '\0';
	for (int i = 0; i < FC_ORACLE_COUNT; i++) {
		if ((rc->choice.named & FC_OR_BIT(i)) && (fc_oracles[i].flags & FC_OR_SHIM) && n < nlen)
			n += (size_t)snprintf(named + n, nlen - n, "%s%s", n ? ", " : "", fc_oracle_name(i));
		else if (judges_any_command(i) && !(fc_oracles[i].flags & FC_OR_SHIM) && o < olen)
			o += (size_t)snprintf(outside + o, olen - o, "%s%s", o ? ", " : "", fc_oracle_name(i));
	}
}

int fc_run_check_prepare(struct fc_run_check *rc, const char **extra_env, int *nenv)
{
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(rc->dir, sizeof rc->dir, "%s/forkchaos-check-XXXXXX", tmp);
	if (!mkdtemp(rc->dir)) {
		rc->dir[0] = 0;
		return -1;
	}
	/* the shim makes the report (O_CREAT|O_APPEND|O_NOFOLLOW) in our
	 * private folder, so no one else's file is ever written */
	snprintf(rc->report, sizeof rc->report, "%s/report", rc->dir);
	snprintf(rc->env_report, sizeof rc->env_report, "FORKCHAOS_REPORT=%s", rc->report);
	fc_oracle_shim_env(rc->choice.named, rc->env_oracles, sizeof rc->env_oracles);
	extra_env[(*nenv)++] = rc->env_report;
	extra_env[(*nenv)++] = rc->env_oracles;
	return 0;
}

static void read_report(const char *path, char *buf, size_t len)
{
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		size_t used = 0;
		for (ssize_t got; used + 1 < len && (got = read(fd, buf + used, len - 1 - used)) > 0;)
			used += (size_t)got;
		buf[used] = 0;
	}
	close(fd);
}

static void write_out(FILE *f, const struct fc_run_check *rc, const struct fc_verdict *v, const struct fc_outcome *out,
		      int exit_code)
{
	for (int i = 0; i < FC_ORACLE_COUNT; i++) {
		if (!(v->failed_set & FC_OR_BIT(i)))
			continue;
		fputs("{\"oracle\":", f);
		fc_json_string(f, fc_oracle_name(i));
		fputs(",\"detail\":", f);
		fc_json_string(f, fc_verdict_detail(v, i));
		fputs("}\n", f);
	}
	fprintf(f, "{\"exit\":%d,\"checked\":[", exit_code);
	int first = 1;
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (rc->choice.named & FC_OR_BIT(i)) {
			fprintf(f, "%s\"%s\"", first ? "" : ",", fc_oracle_name(i));
			first = 0;
		}
	fputs("],\"failed\":[", f);
	first = 1;
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (v->failed_set & FC_OR_BIT(i)) {
			fprintf(f, "%s\"%s\"", first ? "" : ",", fc_oracle_name(i));
			first = 0;
		}
	fprintf(f, "],\"timed_out\":%s,\"signal\":%d,", out->timed_out ? "true" : "false",
		WIFSIGNALED(out->status) && !out->timed_out ? WTERMSIG(out->status) : 0);
	if (rc->capture)
		fprintf(f, "\"out\":\"%s\",", rc->out_hash);
	fputs("\"matched\":[", f);
	/* per rule of the plan: a sweep knows whether its injection was
	 * reached at all */
	for (int i = 0; i < rc->nrules; i++)
		fprintf(f, "%s%llu", i ? "," : "", rc->matched[i]);
	fputs("],\"acted\":[", f);
	for (int i = 0; i < rc->nrules; i++)
		fprintf(f, "%s%llu", i ? "," : "", rc->acted[i]);
	fputs("]}\n", f);
}

int fc_run_check_expect(struct fc_run_check *rc, const char *text)
{
	char *end;
	long code = strtol(text, &end, 10);
	if (end == text || code < 0 || code > 255 || (*end && *end != ':') ||
	    (*end == ':' &&
	     (!end[1] || strlen(end + 1) >= sizeof rc->expect_out || strspn(end + 1, "0123456789abcdef") != strlen(end + 1))))
		return -1;
	rc->expecting = 1;
	rc->expect_exit = (int)code;
	snprintf(rc->expect_out, sizeof rc->expect_out, "%s", *end ? end + 1 : "");
	return 0;
}

void fc_run_check_output(struct fc_run_check *rc, int fd)
{
	char buf[65536];
	uint64_t hash = 0xcbf29ce484222325ull; /* FNV-1a */
	int in_number = 0;
	ssize_t got;
	lseek(fd, 0, SEEK_SET);
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t done = 0, n; done < got; done += n)
			if ((n = write(1, buf + done, (size_t)(got - done))) <= 0)
				break;
		for (ssize_t i = 0; i < got; i++) {
			/* a run of digits is one '#': a pid, a count of handler
			 * runs, a duration differ from run to run by design */
			int digit = buf[i] >= '0' && buf[i] <= '9';
			if (digit && in_number)
				continue;
			in_number = digit;
			hash = (hash ^ (unsigned char)(digit ? '#' : buf[i])) * 0x100000001b3ull;
		}
	}
	snprintf(rc->out_hash, sizeof rc->out_hash, "%016llx", (unsigned long long)hash);
}

/* differs' lines: the clean run's exit status and output, and this run's */
static void add_expected(const struct fc_run_check *rc, int exit_code, char *report, size_t len)
{
	size_t used = strlen(report);
	if (!rc->expecting)
		return;
	used += (size_t)snprintf(report + used, len - used, "differs exit %d %d\n", rc->expect_exit, exit_code);
	if (rc->expect_out[0] && rc->capture && used < len)
		snprintf(report + used, len - used, "differs output %s %s\n", rc->expect_out, rc->out_hash);
}

int fc_run_check_judge(struct fc_run_check *rc, const struct fc_outcome *out, int exit_code, FILE *err_stream)
{
	static char report[1 << 20];
	static struct fc_verdict verdict;
	read_report(rc->report, report, sizeof report - 128);
	add_expected(rc, exit_code, report, sizeof report);
	/* the shim's oracles are judged at the first process's end, which it
	 * marks with `watched`: without that line the shim was not there to
	 * see it (the environment was cleared, a static program exec'd), and
	 * those oracles are not judged, rather than failed or passed */
	struct fc_oracle_choice choice = rc->choice;
	char unseen[256] = "";
	int shim_named = 0, blind = 0;
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		shim_named |= (choice.named & FC_OR_BIT(i)) && (fc_oracles[i].flags & FC_OR_SHIM);
	if (shim_named && !strstr(report, "watched ") && !out->timed_out && !WIFSIGNALED(out->status)) {
		blind = 1;
		for (int i = 0; i < FC_ORACLE_COUNT; i++)
			if ((choice.named & FC_OR_BIT(i)) && (fc_oracles[i].flags & FC_OR_SHIM)) {
				size_t n = strlen(unseen);
				snprintf(unseen + n, sizeof unseen - n, "%s%s", n ? ", " : "", fc_oracle_name(i));
				choice.named &= ~FC_OR_BIT(i);
				choice.skipped |= FC_OR_BIT(i);
			}
	}
	fc_oracles_evaluate(&choice, report, out, "", &verdict);
	rc->choice = choice; /* --check-out's "checked": what was judged */
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (verdict.failed_set & FC_OR_BIT(i)) {
			fprintf(err_stream, "forkchaos run: check: %s: ", fc_oracle_name(i));
			fc_shown_text(err_stream, fc_verdict_detail(&verdict, i));
			fputc('\n', err_stream);
		}
	if (rc->out.tmp[0]) {
		FILE *f = fc_outfile_stream(&rc->out);
		if (f)
			write_out(f, rc, &verdict, out, exit_code);
		if (!f || fc_outfile_commit(&rc->out, f) < 0) {
			fprintf(err_stream, "forkchaos run: cannot write --check-out %s: %s\n", rc->out.path, strerror(errno));
			return -1;
		}
	}
	if (blind)
		fprintf(err_stream,
			"forkchaos run: check: not judged (%s): the shim was not in the first process when it ended (its "
			"environment lost LD_PRELOAD, or it exec'd a static program)\n",
			unseen);
	return verdict.failed_set ? 1 : blind ? 2 : 0;
}

void fc_run_check_done(struct fc_run_check *rc)
{
	fc_outfile_drop(&rc->out);
	if (rc->dir[0])
		fc_remove_tree(rc->dir);
	rc->dir[0] = 0;
}
