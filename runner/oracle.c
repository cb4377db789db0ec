/* Invariant oracles.  Each reads the observation lines it owns from the
 * driver's report; all share the line walker.  Returns 1 when the invariant
 * failed, with a one-line detail; -1 when there was nothing to judge. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "oracle.h"

const char *const fc_oracle_names[FC_ORACLE_COUNT + 1] = {
	[FC_OR_NO_HANG] = "no-hang",
	[FC_OR_NO_CRASH] = "no-crash",
	[FC_OR_NO_STRAY] = "no-stray",
	[FC_OR_NO_FD_LEAK] = "no-fd-leak",
	[FC_OR_STATUS_ONCE] = "status-once",
	[FC_OR_CHAINED] = "old-handler-chained",
	[FC_OR_ERRNO] = "errno-preserved",
	[FC_OR_NO_EINTR] = "no-eintr",
	[FC_OR_API_ERRNO] = "api-errno",
	[FC_OR_FLAGS] = "flags-honoured",
	[FC_OR_FOREIGN_CLOSE] = "no-foreign-close",
	[FC_OR_DRIVER] = "driver",
};

int fc_oracle_lookup(const char *name)
{
	for (int i = 0; i < FC_ORACLE_COUNT; i++)
		if (!strcmp(name, fc_oracle_names[i]))
			return i;
	return -1;
}

struct judge {
	const char *report;
	const struct fc_outcome *out;
	char *detail;
	size_t len;
};

/* Calls FN on each report line that starts with KIND and a space.
 * FN returns 1 to stop (a failure found). */
static int each_line(const struct judge *j, const char *kind, int (*fn)(const struct judge *, const char *, void *), void *arg,
		     int *seen)
{
	size_t kind_len = strlen(kind);
	for (const char *line = j->report; line && *line;) {
		const char *next = strchr(line, '\n');
		char buf[512];
		size_t len = next ? (size_t)(next - line) : strlen(line);
		if (len < sizeof buf && len >= kind_len && !strncmp(line, kind, kind_len) &&
		    (len == kind_len || line[kind_len] == ' ')) {
			size_t rest = len > kind_len ? len - kind_len - 1 : 0;
			memcpy(buf, line + len - rest, rest);
			buf[rest] = 0;
			(*seen)++;
			if (fn(j, buf, arg))
				return 1;
		}
		line = next ? next + 1 : NULL;
	}
	return 0;
}

/* A line of a known kind that does not parse is a broken driver: it fails
 * the oracle that owns it, rather than passing unseen. */
static int malformed(const struct judge *j, const char *kind, const char *line, const char *form)
{
	snprintf(j->detail, j->len, "malformed observation '%s %s' (expected '%s %s')", kind, line, kind, form);
	return 1;
}

static int judge_hang(const struct judge *j)
{
	if (!j->out->timed_out)
		return 0;
	snprintf(j->detail, j->len, "ran past its timeout; the tree was killed (stuck: %s)", j->out->stuck);
	return 1;
}

static int judge_crash(const struct judge *j)
{
	if (j->out->timed_out || !WIFSIGNALED(j->out->status))
		return 0;
	int sig = WTERMSIG(j->out->status);
	snprintf(j->detail, j->len, "the driver died by signal %d (SIG%s)%s", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
		 WCOREDUMP(j->out->status) ? ", core dumped" : "");
	return 1;
}

static int judge_stray(const struct judge *j)
{
	if (!j->out->strays)
		return 0;
	snprintf(j->detail, j->len,
		 "%d descendant process(es) left behind when the driver exited (killed and reaped by the runner)",
		 j->out->strays);
	return 1;
}

static int fd_line(const struct judge *j, const char *line, void *arg)
{
	int before, after;
	if (sscanf(line, "%d %d", &before, &after) != 2)
		return malformed(j, "fds", line, "BEFORE AFTER");
	if (before == after)
		return 0;
	snprintf(j->detail, j->len, "fd census %d before, %d after (%+d)", before, after, after - before);
	return 1;
}

#define MAX_CHILDREN 1024
struct children {
	int ids[MAX_CHILDREN];
	int deliveries[MAX_CHILDREN];
	int count;
};

static int spawned_line(const struct judge *j, const char *line, void *arg)
{
	struct children *kids = arg;
	int id;
	if (sscanf(line, "%d", &id) != 1)
		return malformed(j, "spawned", line, "ID");
	if (kids->count < MAX_CHILDREN) {
		kids->ids[kids->count] = id;
		kids->deliveries[kids->count++] = 0;
	}
	return 0;
}

static int status_line(const struct judge *j, const char *line, void *arg)
{
	struct children *kids = arg;
	int id;
	char expected[64], got[64];
	if (sscanf(line, "%d %63s %63s", &id, expected, got) != 3)
		return malformed(j, "status", line, "ID EXPECTED GOT");
	for (int i = 0; i < kids->count; i++) {
		if (kids->ids[i] != id)
			continue;
		if (++kids->deliveries[i] > 1) {
			snprintf(j->detail, j->len, "child %d: exit status delivered %d times", id, kids->deliveries[i]);
			return 1;
		}
		if (strcmp(expected, got)) {
			snprintf(j->detail, j->len, "child %d: expected %s, got %s", id, expected, got);
			return 1;
		}
		return 0;
	}
	snprintf(j->detail, j->len, "a status for child %d, which the driver never spawned", id);
	return 1;
}

static int judge_status(const struct judge *j, int *seen)
{
	static struct children kids;
	kids.count = 0;
	int ignored = 0;
	each_line(j, "spawned", spawned_line, &kids, seen);
	if (each_line(j, "status", status_line, &kids, &ignored))
		return 1;
	for (int i = 0; i < kids.count; i++) {
		if (kids.deliveries[i] == 0) {
			snprintf(j->detail, j->len, "child %d: exit status never delivered", kids.ids[i]);
			return 1;
		}
	}
	return 0;
}

static int chain_line(const struct judge *j, const char *line, void *arg)
{
	int calls, expected;
	if (sscanf(line, "%d %d", &calls, &expected) != 2)
		return malformed(j, "chain", line, "CALLS EXPECTED");
	if (calls == expected)
		return 0;
	snprintf(j->detail, j->len, "the previous SIGCHLD handler was called %d times for %d SIGCHLDs", calls, expected);
	return 1;
}

static int errno_line(const struct judge *j, const char *line, void *arg)
{
	char where[64], expected[64], got[64];
	if (sscanf(line, "%63s %63s %63s", where, expected, got) != 3)
		return malformed(j, "errno", line, "WHERE EXPECTED GOT");
	if (!strcmp(expected, got))
		return 0;
	snprintf(j->detail, j->len, "errno changed across the SIGCHLD handler at %s: %s became %s", where, expected, got);
	return 1;
}

static int eintr_line(const struct judge *j, const char *line, void *arg)
{
	char call[64];
	int count;
	if (sscanf(line, "%63s %d", call, &count) != 2)
		return malformed(j, "eintr", line, "CALL COUNT");
	if (count == 0)
		return 0;
	snprintf(j->detail, j->len, "%s, a blocking call unrelated to libffd, failed with EINTR %d time(s)", call, count);
	return 1;
}

static int result_line(const struct judge *j, const char *line, void *arg)
{
	char call[64], ret[32], err[64], expected[64];
	if (sscanf(line, "%63s %31s %63s %63s", call, ret, err, expected) != 4)
		return malformed(j, "result", line, "CALL RET ERRNO EXPECTED_ERRNO");
	if (!strcmp(err, expected))
		return 0;
	snprintf(j->detail, j->len, "%s returned %s with errno %s; the failure that caused it was %s", call, ret, err, expected);
	return 1;
}

static int flag_line(const struct judge *j, const char *line, void *arg)
{
	char name[64], expected[32], got[32];
	if (sscanf(line, "%63s %31s %31s", name, expected, got) != 3)
		return malformed(j, "flag", line, "NAME EXPECTED GOT");
	if (!strcmp(expected, got))
		return 0;
	snprintf(j->detail, j->len, "flag %s: expected %s, got %s (lost without an error)", name, expected, got);
	return 1;
}

static int fd_intact_line(const struct judge *j, const char *line, void *arg)
{
	int fd, intact;
	if (sscanf(line, "%d %d", &fd, &intact) != 2)
		return malformed(j, "fd_intact", line, "FD 1|0");
	if (intact)
		return 0;
	snprintf(j->detail, j->len, "fd %d, which the library never owned, was closed under the driver", fd);
	return 1;
}

/* Returns 1 failed, 0 held, -1 nothing observed. */
static int judge(int oracle, const struct judge *j)
{
	int seen = 0, failed;
	switch (oracle) {
	case FC_OR_NO_HANG: return judge_hang(j);
	case FC_OR_NO_CRASH: return judge_crash(j);
	case FC_OR_NO_STRAY: return judge_stray(j);
	case FC_OR_NO_FD_LEAK: failed = each_line(j, "fds", fd_line, NULL, &seen); break;
	case FC_OR_STATUS_ONCE: failed = judge_status(j, &seen); break;
	case FC_OR_CHAINED: failed = each_line(j, "chain", chain_line, NULL, &seen); break;
	case FC_OR_ERRNO: failed = each_line(j, "errno", errno_line, NULL, &seen); break;
	case FC_OR_NO_EINTR: failed = each_line(j, "eintr", eintr_line, NULL, &seen); break;
	case FC_OR_API_ERRNO: failed = each_line(j, "result", result_line, NULL, &seen); break;
	case FC_OR_FLAGS: failed = each_line(j, "flag", flag_line, NULL, &seen); break;
	case FC_OR_FOREIGN_CLOSE: failed = each_line(j, "fd_intact", fd_intact_line, NULL, &seen); break;
	default: return -1;
	}
	return failed ? 1 : seen ? 0 : -1;
}

/* Hang and crash come first: they make every other observation moot.  A
 * driver that exited 2 could not run its pattern: a harness error, not a
 * verdict on the library.  Then every requested oracle is judged; the
 * headline is the first failure in the scenario's own check: order (its
 * author lists the invariant the scenario is about first). */
void fc_oracles_evaluate(unsigned checks, unsigned strict, const int *order, int norder, const char *report,
			 const struct fc_outcome *out, const char *driver_err, struct fc_verdict *verdict)
{
	static char details[FC_ORACLE_COUNT][sizeof verdict->detail];
	struct judge j = { report ? report : "", out, NULL, sizeof verdict->detail };
	memset(verdict, 0, sizeof *verdict);
	verdict->oracle = -1;
	for (int oracle = FC_OR_NO_HANG; oracle <= FC_OR_NO_CRASH; oracle++) {
		j.detail = verdict->detail;
		if (judge(oracle, &j) == 1) {
			verdict->failed = 1;
			verdict->oracle = oracle;
			verdict->failed_set = 1u << oracle;
			return;
		}
	}
	if (WIFEXITED(out->status) && WEXITSTATUS(out->status) == 2) {
		verdict->failed = verdict->harness = 1;
		verdict->oracle = FC_OR_DRIVER;
		verdict->failed_set = 1u << FC_OR_DRIVER;
		snprintf(verdict->detail, sizeof verdict->detail, "the driver could not run its pattern: %s",
			 driver_err && *driver_err ? driver_err : "(no message)");
		return;
	}
	for (int oracle = FC_OR_NO_CRASH + 1; oracle < FC_ORACLE_COUNT; oracle++) {
		if (!(checks >> oracle & 1))
			continue;
		j.detail = details[oracle];
		details[oracle][0] = 0;
		int result = judge(oracle, &j);
		if (result < 0 && (strict >> oracle & 1)) {
			snprintf(details[oracle], sizeof details[oracle],
				 "the driver reported nothing this invariant can judge (no observation line)");
			result = 1;
		}
		if (result == 1)
			verdict->failed_set |= 1u << oracle;
	}
	for (int i = 0; i < norder + FC_ORACLE_COUNT && verdict->oracle < 0; i++) {
		int oracle = i < norder ? order[i] : i - norder;
		if (verdict->failed_set >> oracle & 1)
			verdict->oracle = oracle;
	}
	if (verdict->oracle >= 0) {
		verdict->failed = 1;
		snprintf(verdict->detail, sizeof verdict->detail, "%s", details[verdict->oracle]);
		return;
	}
	/* Any other non-zero exit: the driver saw something it could not say
	 * in its report; show what it printed. */
	if (WIFEXITED(out->status) && WEXITSTATUS(out->status) != 0) {
		verdict->failed = 1;
		verdict->oracle = FC_OR_DRIVER;
		verdict->failed_set |= 1u << FC_OR_DRIVER;
		snprintf(verdict->detail, sizeof verdict->detail, "the driver exited %d: %s", WEXITSTATUS(out->status),
			 driver_err && *driver_err ? driver_err : "(no message)");
	}
}

void fc_verdict_others(const struct fc_verdict *verdict, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int oracle = 0; oracle <= FC_OR_DRIVER; oracle++)
		if ((verdict->failed_set >> oracle & 1) && oracle != verdict->oracle && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", fc_oracle_names[oracle]);
}
