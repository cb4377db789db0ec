/* The call sites of a sweep's clean run, from its trace: call x caller x
 * process role (the first process, or a descendant), with how often each
 * occurs in all and in the busiest process (how far when=N can reach:
 * counting is per process).  The sites are sorted by their text, so that
 * the same trace always gives the same run list (--resume, --shard). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"
#include "sweep.h"
#include "trace_read.h"

/* The trace names a caller without a symbol OBJECT+0xOFF. */
static int is_offset_form(const char *caller)
{
	const char *plus = caller ? strstr(caller, "+0x") : NULL;
	return plus && plus[3] && strspn(plus + 3, "0123456789abcdef") == strlen(plus + 3);
}

const char *fc_sweep_line_caller(const struct fc_jline *l)
{
	const char *caller = fc_jline_str(l, "caller"), *where = fc_jline_str(l, "site");
	return (!caller || is_offset_form(caller)) && where ? where : caller;
}

const char *fc_sweep_line_via(struct fc__strings *st, const struct fc_jline *l, int id)
{
	/* where a syscall was seen: the shim's syscall(2) ("api") and the
	 * layer's trap ("syscall") count apart, and a run selects the one it
	 * sweeps (a rule on a syscall left to itself goes to the layer) */
	const char *via = fc_jline_str(l, "via");
	if (id != FC_ID_syscall && !(fc_calls[id].flags & FC_F_SYS))
		return NULL;
	return fc__intern(st, via && !strcmp(via, "syscall") ? "syscall" : "api");
}

/* Whether a site can be chosen by the plan: caller=SYMBOL, or
 * caller=OBJECT+0xOFF where the trace has no symbol. */
static const char *unselectable(const struct fc_site *site)
{
	if (!site->caller)
		return "not swept: the trace names neither its caller nor its site";
	if (strlen(site->caller) >= FC_SYM_MAX)
		return "not swept: its caller's name is longer than caller= takes";
	/* a '+' that is not OBJECT+0xOFF's would be read as a site */
	if (strpbrk(site->caller, ":;= \t,") || (strchr(site->caller, '+') && !is_offset_form(site->caller)))
		return "not swept: its caller's name holds a character caller= cannot take";
	return NULL;
}

struct gather {
	struct fc_sweep *s;
	const uint64_t *calls;
	long long root;
	struct fc__table sites; /* (call, caller; role, nr) n, v[0] most */
	struct fc__table procs; /* (call, caller; pid, nr) n */
	struct fc__table roots; /* (; pid) : the first process's pids (an exec keeps it) */
};

static int is_root(const struct gather *g, long long pid)
{
	struct fc__key k = { .i = { pid } };
	return pid == g->root || fc__table_find(&g->roots, &k);
}

/* One line of the trace: a call of the table, seen from its caller's
 * side (a fork's child side is the same call), counted. */
static int add_line(struct gather *g, const struct fc_jline *l)
{
	struct fc__strings *st = &g->s->strings;
	const char *call = fc_jline_str(l, "call"), *side = fc_jline_str(l, "side");
	const struct fc_jval *root = fc_jline_get(l, "root");
	long long pid = 0, nr = -1;
	if (!call || !fc_jline_num(l, "pid", &pid))
		return 0;
	if (root && root->type == FC_J_BOOL && root->num) {
		struct fc__key k = { .i = { pid } };
		return fc__table_at(&g->roots, &k, NULL) ? 0 : -1;
	}
	int id = fc_call_lookup(call, strlen(call));
	if (id < 0 || !(g->calls[id / 64] >> (id % 64) & 1) || (side && !strcmp(side, "child")))
		return 0;
	if (id == FC_ID_syscall)
		fc_jline_num(l, "nr", &nr);
	const char *via = fc_sweep_line_via(st, l, id);
	/* the site as the plan can name it: caller=SYMBOL where the trace has
	 * the symbol (every call site in that function is one site then), the
	 * trace's `site` (OBJECT+0xOFF) where it has not */
	const char *caller = fc__intern(st, fc_sweep_line_caller(l));
	struct fc__key site = { .s = { fc__intern(st, call), caller, via }, .i = { !is_root(g, pid), nr } };
	struct fc__key proc = { .s = { site.s[0], caller, via }, .i = { pid, nr } };
	struct fc__row *row = site.s[0] ? fc__table_at(&g->sites, &site, NULL) : NULL;
	if (!row)
		return -1;
	row->n++;
	row = fc__table_at(&g->procs, &proc, NULL);
	if (!row)
		return -1;
	row->n++;
	return 0;
}

static int by_text(const void *a, const void *b)
{
	const struct fc_site *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : x->child - y->child;
}

static void site_key(struct fc_site *site)
{
	char nr[32] = "";
	if (site->nr >= 0)
		snprintf(nr, sizeof nr, ":nr=%lld", site->nr);
	snprintf(site->key, sizeof site->key, "%s%s:caller=%.*s%s%s%s", site->call, nr, FC_SYM_MAX,
		 site->caller ? site->caller : "?", site->proc_needed ? (site->child ? ":proc=child" : ":proc=parent") : "",
		 site->via ? ":via=" : "", site->via ? site->via : "");
}

/* The sites from the tables: the busiest process of each, whether the
 * same call and caller come in both roles, their text, sorted. */
static int collect(struct gather *g)
{
	struct fc_sweep *s = g->s;
	s->sites = calloc(g->sites.len + 1, sizeof *s->sites);
	if (!s->sites)
		return -1;
	for (size_t i = 0; i < g->procs.len; i++) {
		const struct fc__row *p = &g->procs.rows[i];
		struct fc__key k = { .s = { p->k.s[0], p->k.s[1], p->k.s[2] }, .i = { !is_root(g, p->k.i[0]), p->k.i[1] } };
		struct fc__row *site = fc__table_find(&g->sites, &k);
		if (site && p->n > site->v[0])
			site->v[0] = p->n;
	}
	for (size_t i = 0; i < g->sites.len; i++) {
		const struct fc__row *r = &g->sites.rows[i];
		struct fc_site *site = &s->sites[s->nsites++];
		struct fc__key other = r->k;
		other.i[0] = !other.i[0];
		*site = (struct fc_site){ .call = r->k.s[0],
					  .caller = r->k.s[1],
					  .via = r->k.s[2],
					  .child = (int)r->k.i[0],
					  .nr = r->k.i[1],
					  .proc_needed = fc__table_find(&g->sites, &other) != NULL,
					  .count = r->n,
					  .most = r->v[0] };
		site->note = unselectable(site);
		site_key(site);
	}
	qsort(s->sites, (size_t)s->nsites, sizeof *s->sites, by_text);
	return 0;
}

int fc_sweep_sites(struct fc_sweep *s, const char *path, const uint64_t *calls, char *err, size_t errlen)
{
	static struct fc_jline line;
	struct fc_trace_reader reader;
	struct gather g = { .s = s, .calls = calls };
	int rc = -1, got, first = 1;
	if (fc_trace_open(&reader, path) < 0) {
		snprintf(err, errlen, "cannot read the clean run's trace %s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = fc_trace_next(&reader, &line)) > 0) {
		if (first && fc_jline_get(&line, "forkchaos")) {
			fc_jline_num(&line, "pid", &g.root);
			first = 0;
			continue;
		}
		first = 0;
		if (add_line(&g, &line) < 0)
			break;
	}
	if (got < 0)
		snprintf(err, errlen, "cannot read the clean run's trace %s: %s", path, strerror(errno));
	else if (got > 0 || collect(&g) < 0)
		snprintf(err, errlen, "out of memory reading the clean run's trace %s", path);
	else
		rc = 0;
	fc_trace_close(&reader);
	fc__table_free(&g.sites);
	fc__table_free(&g.procs);
	fc__table_free(&g.roots);
	return rc;
}
