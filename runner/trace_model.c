/* Folding a trace's lines into the summary: processes and their lineage,
 * calls by site, errors, injections, children and their reaping, SIGCHLD
 * dispositions, descriptors left open and the rules' counts.  What a call
 * does (makes a child, reaps, closes, returns its errno) comes from the call
 * table's facts, so a call added to calls.def is understood here too.  The
 * newer fields are used when present, the older ones (fork's return value,
 * waitpid's) otherwise, so a trace from an older shim still says something. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "trace_model.h"

/* What every handler needs to know of the line at hand. */
struct line {
	const struct fc_jline *l;
	const char *call, *caller; /* interned */
	long long pid, ret, err;
	int has_ret, side_child, counted;
	unsigned flags; /* the call's facts, 0 for an event or an unknown call */
	int id;
};

int fc__model_header(struct fc__model *m, const struct fc_jline *l)
{
	char seed[32] = "";
	const struct fc_jval *v = fc_jline_get(l, "seed");
	m->version = fc__intern(&m->strings, fc_jline_str(l, "forkchaos"));
	if (!m->version)
		return -1;
	m->plan = fc__intern(&m->strings, fc_jline_str(l, "plan"));
	m->unreachable = fc__intern(&m->strings, fc_jline_str(l, "unreachable"));
	if (v && v->type == FC_J_NUM && v->rawlen < (int)sizeof seed)
		memcpy(seed, v->str, (size_t)v->rawlen);
	m->seed = *seed ? fc__intern(&m->strings, seed) : NULL;
	fc_jline_num(l, "pid", &m->root);
	return 0;
}

/* An argv array as one shell-like line, from argv[1]: the exe stands for
 * argv[0]; an argument with a blank or a quote is single-quoted. */
static const char *join_args(struct fc__model *m, const struct fc_jline *l)
{
	const struct fc_jval *argv = fc_jline_get(l, "argv");
	char buf[512];
	size_t used = 0;
	if (!argv || argv->type != FC_J_ARR)
		return NULL;
	buf[0] = 0;
	for (int i = 1; i < argv->count && used < sizeof buf - 8; i++) {
		const struct fc_jval *a = &l->items[argv->first + i];
		const char *s = a->type == FC_J_STR ? a->str : "?";
		int quote = !*s || strpbrk(s, " \t'\"\\$") != NULL;
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? " " : "", quote ? "'" : "");
		for (; *s && used < sizeof buf - 8; s++)
			used += (size_t)snprintf(buf + used, sizeof buf - used, *s == '\'' ? "'\\''" : "%c", *s);
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s", quote ? "'" : "");
	}
	if (used >= sizeof buf - 8)
		strcpy(buf + sizeof buf - 8, " ...");
	return fc__intern(&m->strings, buf);
}

/* Descriptors FROM and up of PID are gone: an exec (as if each were
 * close-on-exec: the trace cannot tell), a close_range, a closefrom. */
static void drop_fds(struct fc__model *m, long long pid, long long from)
{
	for (size_t r = 0; r < m->fds.len; r++)
		if (m->fds.rows[r].k.i[0] == pid && m->fds.rows[r].k.i[1] >= from)
			m->fds.rows[r].v[0] = 0;
}

static int on_exec(struct fc__model *m, const struct line *ln)
{
	long long ppid = 0;
	const struct fc_jval *root = fc_jline_get(ln->l, "root");
	const char *exe = fc__intern(&m->strings, fc_jline_str(ln->l, "exe"));
	const char *args = join_args(m, ln->l);
	struct fc__proc *p = fc__proc_at(m, ln->pid);
	if (!p)
		return -1;
	p->images++;
	p->exe = exe;
	p->args = args;
	p->how = NULL; /* a new image: the last one's end was the exec */
	p->has_status = 0;
	if (fc_jline_num(ln->l, "ppid", &ppid) && ppid > 0)
		p->ppid = ppid;
	if (root && root->type == FC_J_BOOL && root->num && !m->root)
		m->root = ln->pid;
	if (ln->counted)
		drop_fds(m, ln->pid, 0);
	return 0;
}

/* Adds the array KEY of the exit line to SUM, per rule; PROCS counts the
 * lines where it is not zero. */
static void add_counts(const struct fc_jline *l, const char *key, long long *sum, long long *procs)
{
	const struct fc_jval *a = fc_jline_get(l, key);
	for (int i = 0; a && a->type == FC_J_ARR && i < a->count && i < FC_MAX_RULES; i++) {
		sum[i] += l->items[a->first + i].num;
		if (procs && l->items[a->first + i].num > 0)
			procs[i]++;
	}
}

static int on_exit_line(struct fc__model *m, const struct line *ln)
{
	const char *how = fc__intern(&m->strings, fc_jline_str(ln->l, "how"));
	struct fc__proc *p = fc__proc_at(m, ln->pid);
	if (!p)
		return -1;
	const char *via = fc_jline_str(ln->l, "via");
	/* the supervisor's count line does not know how a process ended: the
	 * shim's line, when there is one, does */
	if (!(via && !strcmp(via, "syscall") && p->how)) {
		p->how = how ? how : "?";
		p->has_status = fc_jline_num(ln->l, "status", &p->status);
	}
	if (ln->counted) {
		m->exit_lines++;
		add_counts(ln->l, "matched", m->matched, m->rule_procs);
		add_counts(ln->l, "acted", m->acted, NULL);
	}
	return 0;
}

static int on_stopped(struct fc__model *m, const struct line *ln)
{
	struct fc__proc *p = fc__proc_at(m, ln->pid);
	if (!p)
		return -1;
	p->stopped = 1;
	fc_jline_num(ln->l, "bytes", &p->stopped_bytes);
	return 0;
}

static int on_warning(struct fc__model *m, const struct line *ln)
{
	struct fc__key k = { .s = { fc__intern(&m->strings, fc_jline_str(ln->l, "message")) } };
	struct fc__row *row = ln->counted ? fc__table_at(&m->warnings, &k, NULL) : NULL;
	if (row)
		row->n++;
	return ln->counted && !row ? -1 : 0;
}

/* A wait's report that is not a death: the child is still there. */
static int is_final_status(const char *status)
{
	static const char *const not_final[] = { "stopped", "continued" };
	for (size_t i = 0; status && i < sizeof not_final / sizeof not_final[0]; i++)
		if (!strncmp(status, not_final[i], strlen(not_final[i])))
			return 0;
	return 1;
}

/* The lineage: children made (the `child` field, or a fork's return) and
 * reaped (the `reaped` field, or a wait's return). */
static int fold_lineage(struct fc__model *m, const struct line *ln)
{
	long long child = 0, parent = ln->pid, reaped = 0;
	if (ln->flags & FC_F_RET_CHILD && !ln->has_ret && !ln->side_child) {
		struct fc__proc *p = fc__proc_at(m, ln->pid);
		if (!p)
			return -1;
		p->vfork_caller = ln->caller;
	}
	if (!fc_jline_num(ln->l, "child", &child) && ln->flags & FC_F_RET_CHILD && ln->has_ret && !ln->side_child)
		child = ln->ret;
	if (ln->side_child && !fc_jline_num(ln->l, "ppid", &parent))
		child = 0; /* a fork child's own return: its parent's line names it */
	if (child > 0) {
		struct fc__child *c = fc__child_at(m, child, parent);
		if (!c)
			return -1;
		if (!c->call) {
			const struct fc__proc *pp = ln->side_child && !ln->caller ? fc__model_proc(m, parent) : NULL;
			c->parent = parent;
			c->call = ln->call;
			c->caller = pp ? pp->vfork_caller : ln->caller;
		}
	}
	if (!(ln->flags & FC_F_REAPS))
		return 0;
	const char *status = fc__intern(&m->strings, fc_jline_str(ln->l, "status"));
	if (!fc_jline_num(ln->l, "reaped", &reaped) && !fc_jline_get(ln->l, "reaped") && ln->has_ret)
		reaped = ln->ret;
	if (reaped <= 0 || !is_final_status(status))
		return 0;
	struct fc__child *c = fc__child_at(m, reaped, ln->pid);
	if (!c)
		return -1;
	if (!c->reaped++) {
		c->reaper = ln->pid;
		c->reap_call = ln->call;
		c->reap_caller = ln->caller;
		c->status = status;
	}
	return 0;
}

static int fold_disposition(struct fc__model *m, const struct line *ln)
{
	long long sig = 0;
	const char *handler = fc__intern(&m->strings, fc_jline_str(ln->l, "handler"));
	m->seen_handler += handler != NULL;
	if (!fc_jline_num(ln->l, "sig", &sig) || sig != SIGCHLD || !(ln->id == FC_ID_sigaction || ln->flags & FC_F_RET_HANDLER))
		return 0;
	if (!handler) {
		m->disp_queries++;
		return 0;
	}
	struct fc__disp *disps = fc__grow(m->disps, &m->disps_cap, m->ndisps, sizeof *disps);
	if (!disps)
		return -1;
	m->disps = disps;
	struct fc__disp *d = &disps[m->ndisps++];
	memset(d, 0, sizeof *d);
	d->pid = ln->pid;
	d->call = ln->call;
	d->caller = ln->caller;
	d->handler = handler;
	d->injected = fc__intern(&m->strings, fc_jline_str(ln->l, "injected"));
	d->has_flags = fc_jline_num(ln->l, "flags", &d->flags);
	d->failed = ln->has_ret && ln->ret == -1;
	d->err = ln->err;
	return 0;
}

/* Descriptors made (the `fds` field) and gone (close, close_range, exec). */
static int fold_fds(struct fc__model *m, const struct line *ln)
{
	const struct fc_jval *fds = fc_jline_get(ln->l, "fds");
	long long fd;
	int failed = ln->has_ret && ln->ret < 0;
	for (int i = 0; fds && fds->type == FC_J_ARR && i < fds->count; i++) {
		struct fc__key k = { .i = { ln->pid, ln->l->items[fds->first + i].num } };
		struct fc__row *row = fc__table_at(&m->fds, &k, NULL);
		if (!row)
			return -1;
		row->n++;
		row->v[0] = 1;
		row->vs[0] = ln->call;
		row->vs[1] = ln->caller;
		m->seen_fds++;
	}
	if (!fc_jline_num(ln->l, "fd", &fd))
		return 0;
	if (ln->flags & FC_F_RANGE && !failed)
		drop_fds(m, ln->pid, fd);
	/* a close that failed with EINTR or EIO still closed it (Linux) */
	if (ln->flags & FC_F_CLOSES && !(failed && ln->err == EBADF)) {
		struct fc__key k = { .i = { ln->pid, fd } };
		struct fc__row *row = fc__table_find(&m->fds, &k);
		if (row)
			row->v[0] = 0;
	}
	return 0;
}

static int count(struct fc__table *t, const struct fc__key *k, struct fc__row **row)
{
	int added;
	*row = fc__table_at(t, k, &added);
	if (!*row)
		return -1;
	(*row)->n++;
	return added;
}

/* Calls by site, errors and injections. */
static int fold_sites(struct fc__model *m, const struct line *ln)
{
	struct fc__row *site, *row;
	struct fc__key k = { .s = { ln->call, ln->caller } };
	int is_error = ln->has_ret && (ln->ret == -1 || (ln->flags & FC_F_RET_ERRNO && ln->ret > 0));
	const char *injected = fc__intern(&m->strings, fc_jline_str(ln->l, "injected"));
	long long rule = 0, n = 0;
	fc_jline_num(ln->l, "rule", &rule);
	fc_jline_num(ln->l, "n", &n);
	if (rule >= 1 && rule <= FC_MAX_RULES)
		m->rule_lines[rule - 1]++;
	if (injected) {
		struct fc__key ik = { .s = { ln->call, ln->caller, injected }, .i = { rule } };
		int added = count(&m->injections, &ik, &row);
		if (added < 0)
			return -1;
		row->v[0] = added || n < row->v[0] ? n : row->v[0];
		row->v[1] = added || n > row->v[1] ? n : row->v[1];
	}
	if (ln->side_child)
		return 0; /* the child's side of a fork: its parent's line counted the call */
	m->calls++;
	if (count(&m->sites, &k, &site) < 0)
		return -1;
	site->v[0] += is_error;
	struct fc__key pk = { .s = { ln->call, ln->caller }, .i = { ln->pid } };
	int new_proc = count(&m->site_procs, &pk, &row); /* another table: SITE stays put */
	if (new_proc < 0)
		return -1;
	site->v[1] += new_proc;
	if (!is_error)
		return 0;
	struct fc__key ek = { .s = { ln->call, ln->caller }, .i = { ln->ret == -1 ? ln->err : ln->ret } };
	if (count(&m->errors, &ek, &row) < 0)
		return -1;
	row->v[0] += injected != NULL;
	return 0;
}

static int on_call(struct fc__model *m, const struct line *ln)
{
	struct fc__proc *p = fc__proc_at(m, ln->pid);
	if (!p)
		return -1;
	p->calls++;
	if (fold_lineage(m, ln) < 0)
		return -1;
	if (!ln->counted)
		return 0;
	if (fold_disposition(m, ln) < 0 || fold_fds(m, ln) < 0)
		return -1;
	return fold_sites(m, ln);
}

/* The lines that are events of the trace, not calls (trace.c writes them). */
static const struct event {
	const char *name;
	int (*fold)(struct fc__model *m, const struct line *ln);
} events[] = {
	{ "exec", on_exec },
	{ "exit", on_exit_line },
	{ "trace-stopped", on_stopped },
	{ "warning", on_warning },
};

int fc__model_add(struct fc__model *m, const struct fc_jline *l)
{
	struct line ln = { .l = l };
	const char *call = fc_jline_str(l, "call"), *side = fc_jline_str(l, "side");
	if (!call || !fc_jline_num(l, "pid", &ln.pid)) {
		m->other++;
		return 0;
	}
	m->events++;
	const char *via = fc_jline_str(l, "via");
	m->syscall_lines += via && !strcmp(via, "syscall");
	ln.call = fc__intern(&m->strings, call);
	ln.caller = fc__intern(&m->strings, fc_jline_str(l, "caller"));
	if (!ln.call)
		return -1;
	ln.has_ret = fc_jline_num(l, "ret", &ln.ret);
	fc_jline_num(l, "errno", &ln.err);
	ln.side_child = side && !strcmp(side, "child");
	ln.counted = !m->filter_pid || ln.pid == m->filter_pid;
	m->filter_lines += ln.counted;
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		if (!strcmp(call, events[i].name))
			return events[i].fold(m, &ln);
	ln.id = fc_call_lookup(call, strlen(call));
	ln.flags = ln.id >= 0 ? fc_calls[ln.id].flags : 0;
	return on_call(m, &ln);
}

void fc__model_free(struct fc__model *m)
{
	struct fc__table *tables[] = { &m->proc_index, &m->child_index, &m->sites, &m->site_procs,
				       &m->errors,     &m->injections,  &m->fds,   &m->warnings };
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		fc__table_free(tables[i]);
	fc__strings_free(&m->strings);
	free(m->procs);
	free(m->children);
	free(m->disps);
}
