/* The supervisor's trace lines, in the shim's format (design.md) with
 * "via":"syscall": one per call a syscall-level rule names, one per
 * process image with its rules' counts (an "exit" line; the shim's own
 * exit line of the same image counts its rules, these count ours).  Each
 * line is one write(2) on an O_APPEND descriptor of the same file the
 * shim writes, so lines of both never interleave; --trace-max counts both
 * in the stats region. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "forkchaos.h"
#include "jsonl.h"
#include "seccomp_int.h"
#include "stats.h"

#define LINE_MAX_BYTES 1024

static void write_line(struct fc_syslayer *l, const char *buf, size_t len)
{
	if (l->trace_fd < 0 || l->trace_stopped)
		return;
	uint64_t max = l->conf.trace_max;
	uint64_t *total = l->conf.stats ? &l->conf.stats->trace_bytes : &l->trace_bytes_own;
	if (max && __atomic_add_fetch(total, len, __ATOMIC_RELAXED) > max) {
		l->trace_stopped = 1; /* the shim's processes say so in lines of their own */
		return;
	}
	if (write(l->trace_fd, buf, len) < 0)
		l->trace_stopped = 1;
}

static void put_head(struct fc_out *out, const char *call, pid_t pid, pid_t tid, uint64_t t_ns)
{
	fc_put_char(out, '{');
	fc_put_key(out, "t_ns");
	fc_put_u64(out, t_ns ? t_ns : fc__sys_now());
	fc_put_key(out, "pid");
	fc_put_i64(out, pid);
	fc_put_key(out, "tid");
	fc_put_i64(out, tid);
	fc_put_key(out, "call");
	fc_put_str(out, call);
}

static void put_int(struct fc_out *out, const char *key, int64_t value)
{
	fc_put_key(out, key);
	fc_put_i64(out, value);
}

/* The header the shim would write, when the file is new: the supervisor
 * may write before any shim does (a static binary has none). */
static void header(struct fc_syslayer *l)
{
	static char buf[2 * FC_PLAN_MAX + 1024];
	struct fc_out out;
	fc_out_init(&out, buf, sizeof buf);
	fc_put_trace_head(&out, FC_VERSION, l->conf.plan_text ? l->conf.plan_text : "", l->conf.seed);
	put_int(&out, "pid", l->root);
	fc_put_key(&out, "via");
	fc_put_str(&out, "syscall");
	fc_put_key(&out, "unreachable");
	fc_put_str(&out,
		   "rules with via=syscall see every syscall they name; the others see the public entry points and "
		   "syscall(2) only");
	write_line(l, buf, fc_out_finish(&out, buf));
}

void fc__sys_trace_open(struct fc_syslayer *l)
{
	struct stat st;
	if (!l->conf.trace)
		return;
	l->trace_fd = open(l->conf.trace, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (l->trace_fd >= 0 && fstat(l->trace_fd, &st) == 0 && st.st_size == 0)
		header(l);
}

static const char *call_name(const struct fc_sys_call *c, char *buf, size_t len)
{
	if (c->call_id != FC_ID_syscall)
		return fc_calls[c->call_id].name;
	const char *name = fc_sysname_of(c->nr, buf, len);
	return name ? name : "syscall";
}

void fc__sys_trace_call(struct fc_syslayer *l, const struct fc_sys_call *c)
{
	char buf[LINE_MAX_BYTES], hex[24], name[64];
	struct fc_out out;
	const struct fc_rule *rule = c->rule >= 0 ? &l->conf.plan->rules[c->rule] : NULL;
	fc_out_init(&out, buf, sizeof buf);
	put_head(&out, call_name(c, name, sizeof name), c->pid, c->tid, c->t_ns);
	/* a call let run returns straight to its caller: its result is not seen */
	fc_put_key(&out, "ret");
	if (c->cont)
		fc_put_raw(&out, "null");
	else
		fc_put_i64(&out, c->error ? -1 : c->val);
	put_int(&out, "errno", c->cont ? 0 : c->error);
	fc_put_key(&out, "injected");
	if (rule && rule->actions)
		fc_put_str(&out, rule->action_text);
	else
		fc_put_raw(&out, "null");
	fc_put_key(&out, "caller");
	if (c->caller[0])
		fc_put_str(&out, c->caller);
	else
		fc_put_raw(&out, "null");
	fc_put_key(&out, "site");
	if (c->site[0])
		fc_put_str(&out, c->site);
	else
		fc_put_raw(&out, "null");
	if (rule) {
		put_int(&out, "rule", c->rule + 1);
		fc_put_key(&out, "n");
		fc_put_u64(&out, c->n);
	}
	put_int(&out, "nr", c->nr);
	if (c->sig >= 0)
		put_int(&out, "sig", c->sig);
	if (c->fd >= 0)
		put_int(&out, "fd", c->fd);
	fc_put_key(&out, "via");
	fc_put_str(&out, "syscall");
	snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)c->ip);
	fc_put_key(&out, "ip");
	fc_put_str(&out, hex);
	write_line(l, buf, fc_out_finish(&out, buf));
}

static void put_counts(struct fc_out *out, const char *key, int nrules, const uint64_t *counts)
{
	fc_put_key(out, key);
	fc_put_char(out, '[');
	for (int r = 0; r < nrules; r++) {
		if (r)
			fc_put_char(out, ',');
		fc_put_u64(out, counts[r]);
	}
	fc_put_char(out, ']');
}

void fc__sys_trace_exit(struct fc_syslayer *l, const struct fc_sys_proc *p, const char *how)
{
	char buf[LINE_MAX_BYTES];
	struct fc_out out;
	if (l->trace_fd < 0)
		return;
	fc_out_init(&out, buf, sizeof buf);
	put_head(&out, "exit", p->tgid, p->tgid, 0);
	fc_put_raw(&out, ",\"ret\":0,\"errno\":0,\"injected\":null,\"caller\":null");
	fc_put_key(&out, "how");
	fc_put_str(&out, how);
	put_counts(&out, "matched", l->conf.plan->nrules, p->matched);
	put_counts(&out, "acted", l->conf.plan->nrules, p->acted);
	fc_put_key(&out, "via");
	fc_put_str(&out, "syscall");
	write_line(l, buf, fc_out_finish(&out, buf));
}

void fc__sys_trace_warning(struct fc_syslayer *l, pid_t pid, const char *message)
{
	char buf[LINE_MAX_BYTES];
	struct fc_out out;
	if (l->trace_fd < 0)
		return;
	fc_out_init(&out, buf, sizeof buf);
	put_head(&out, "warning", pid, pid, 0);
	fc_put_raw(&out, ",\"ret\":0,\"errno\":0,\"injected\":null,\"caller\":null");
	fc_put_key(&out, "message");
	fc_put_str(&out, message);
	fc_put_key(&out, "via");
	fc_put_str(&out, "syscall");
	write_line(l, buf, fc_out_finish(&out, buf));
}
