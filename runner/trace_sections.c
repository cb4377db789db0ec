/* The summary's counted sections: calls by site, errors, injections,
 * SIGCHLD dispositions, descriptors left open, warnings.  Each is a table of
 * trace_model.c printed largest first and cut at the row limit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace_model.h"

typedef void row_fn(struct fc__summary *s, const struct fc__row *row);

/* T's rows by count, at most s->max of them; returns how many were left. */
static size_t print_sorted(struct fc__summary *s, const struct fc__table *t, row_fn *print)
{
	struct fc__row **sorted = fc__table_sorted(t);
	size_t shown = 0;
	for (size_t i = 0; sorted && i < t->len && shown < s->max; i++, shown++)
		print(s, sorted[i]);
	free(sorted);
	return t->len - shown;
}

static long long sum(const struct fc__table *t, int value)
{
	long long total = 0;
	for (size_t r = 0; r < t->len; r++)
		total += value < 0 ? t->rows[r].n : t->rows[r].v[value];
	return total;
}

static void site_head(struct fc__summary *s, const struct fc__row *row)
{
	fc__em_row(&s->e, 0);
	fc__em_int(&s->e, "count", row->n, "%7lld  ");
	fc__em_str(&s->e, "call", row->k.s[0], "%-16s ");
	fc__em_str_or(&s->e, "caller", row->k.s[1], "%-30s", "?");
}

static void site_row(struct fc__summary *s, const struct fc__row *row)
{
	site_head(s, row);
	fc__em_int(&s->e, "processes", row->v[1], row->v[1] > 1 ? "  in %lld processes" : NULL);
	fc__em_int(&s->e, "failed", row->v[0], row->v[0] ? "  %lld failed" : NULL);
	fc__em_row_end(&s->e);
}

void fc__print_sites(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	fc__em_section(&s->e, "sites", "calls by site");
	fc__em_int(&s->e, "calls", m->calls, " (%lld calls");
	fc__em_int(&s->e, "count", (long long)m->sites.len,
		   FC__PLURAL(m->sites.len, " from 1 site, call and caller)", " from %lld sites, call and caller)"));
	fc__em_section_end(&s->e, print_sorted(s, &m->sites, site_row));
}

static void error_row(struct fc__summary *s, const struct fc__row *row)
{
	const char *name = strerrorname_np((int)row->k.i[0]);
	site_head(s, row);
	fc__em_str(&s->e, "error", name, "  %s");
	fc__em_int(&s->e, "errno", row->k.i[0], name ? NULL : "  errno %lld");
	fc__em_int(&s->e, "injected", row->v[0], row->v[0] ? "  (%lld injected)" : NULL);
	fc__em_row_end(&s->e);
}

void fc__print_errors(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	fc__em_section(&s->e, "errors", "errors seen");
	fc__em_int(&s->e, "calls", sum(&m->errors, -1), " (%lld failed calls");
	fc__em_int(&s->e, "injected", sum(&m->errors, 0), ", %lld of them injected)");
	fc__em_section_end(&s->e, print_sorted(s, &m->errors, error_row));
}

static void injection_row(struct fc__summary *s, const struct fc__row *row)
{
	char n[64];
	snprintf(n, sizeof n, row->v[0] == row->v[1] ? "n=%lld" : "n=%lld..%lld", row->v[0], row->v[1]);
	fc__em_row(&s->e, 0);
	fc__em_int(&s->e, "count", row->n, "%7lld  ");
	fc__em_int(&s->e, "rule", row->k.i[0], "rule %-3lld ");
	fc__em_str(&s->e, "call", row->k.s[0], "%-16s ");
	fc__em_str_or(&s->e, "caller", row->k.s[1], "%-30s  ", "?");
	fc__em_str(&s->e, "injected", row->k.s[2], "%s");
	fc__em_int(&s->e, "n_first", row->v[0], NULL);
	fc__em_int(&s->e, "n_last", row->v[1], NULL);
	fc__em_str(&s->e, "n", n, "  (%s)");
	fc__em_row_end(&s->e);
}

void fc__print_injections(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	fc__em_section(&s->e, "injections", "injected");
	fc__em_int(&s->e, "times", sum(&m->injections, -1), " (%lld times");
	fc__em_int(&s->e, "count", (long long)m->injections.len, FC__PLURAL(m->injections.len, " at 1 site)", " at %lld sites)"));
	fc__em_section_end(&s->e, print_sorted(s, &m->injections, injection_row));
}

/* sa_flags as names; bits without a name in hex. */
static void flag_names(long long flags, char *buf, size_t len)
{
	static const struct {
		unsigned long bit;
		const char *name;
	} names[] = {
		{ SA_NOCLDSTOP, "SA_NOCLDSTOP" }, { SA_NOCLDWAIT, "SA_NOCLDWAIT" }, { SA_SIGINFO, "SA_SIGINFO" },
		{ SA_ONSTACK, "SA_ONSTACK" },     { SA_RESTART, "SA_RESTART" },     { SA_NODEFER, "SA_NODEFER" },
		{ SA_RESETHAND, "SA_RESETHAND" },
	};
	unsigned long rest = (unsigned long)flags;
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && used < len; i++)
		if (rest & names[i].bit) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "", names[i].name);
			rest &= ~names[i].bit;
		}
	if ((rest || !flags) && used < len)
		snprintf(buf + used, len - used, "%s%#lx", used ? "|" : "", rest);
}

/* The image PID runs: its exec line's, or (a fork child with none) its
 * nearest ancestor's, which it forked from; NULL when none is known. */
static const char *image_of(const struct fc__model *m, long long pid)
{
	const struct fc__proc *p = fc__model_proc(m, pid);
	for (int depth = 0; p && !p->exe && p->ppid && depth < 64; depth++)
		p = fc__model_proc(m, p->ppid);
	return p ? p->exe : NULL;
}

void fc__print_sigchld(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	char note[256], flags[160], digits[24];
	size_t shown = 0;
	fc__em_section(&s->e, "sigchld", "SIGCHLD dispositions, in order");
	fc__em_int(&s->e, "set", (long long)m->ndisps, " (%lld set");
	fc__em_int(&s->e, "without_handler", m->disp_queries,
		   FC__PLURAL(m->disp_queries, ", 1 call that sets none)", ", %lld calls that set none)"));
	if (!m->seen_handler && m->disp_queries) {
		snprintf(note, sizeof note,
			 "%lld sigaction/signal calls on SIGCHLD, none with a `handler` field: made by a shim that does not "
			 "record dispositions",
			 m->disp_queries);
		fc__em_note(&s->e, note);
	}
	for (; shown < m->ndisps && shown < s->max; shown++) {
		const struct fc__disp *d = &m->disps[shown];
		if (d->has_flags)
			flag_names(d->flags, flags, sizeof flags);
		fc__em_row(&s->e, 0);
		const char *exe = image_of(m, d->pid), *base = exe ? strrchr(exe, '/') : NULL;
		char image[48];
		fc__em_int(&s->e, "pid", d->pid, "%-7lld ");
		/* by whom: the image that made the call */
		fc__em_str(&s->e, "exe", exe, NULL);
		snprintf(image, sizeof image, "%-10s ", base ? base + 1 : exe ? exe : "?");
		fc__em_text(&s->e, image);
		fc__em_str(&s->e, "call", d->call, "%-10s ");
		fc__em_str_or(&s->e, "caller", d->caller, "at %-24s ", "?");
		fc__em_str(&s->e, "handler", d->handler, "-> %s");
		snprintf(digits, sizeof digits, "%lld", d->flags);
		fc__em_number(&s->e, "flags", d->has_flags ? digits : NULL, NULL);
		fc__em_str(&s->e, "flag_names", d->has_flags ? flags : NULL, "  %s");
		fc__em_str(&s->e, "failed", d->failed ? strerrorname_np((int)d->err) : NULL, "  (failed: %s)");
		fc__em_str(&s->e, "injected", d->injected, "  (injected: %s)");
		fc__em_row_end(&s->e);
	}
	fc__em_section_end(&s->e, m->ndisps - shown);
}

static void fd_row(struct fc__summary *s, const struct fc__row *row)
{
	char fds[64];
	size_t used = 0;
	for (int i = 0; i < row->n && i < 4; i++)
		used += (size_t)snprintf(fds + used, sizeof fds - used, "%s%lld", i ? "," : "", row->v[i]);
	if (row->n > 4)
		snprintf(fds + used, sizeof fds - used, ",...");
	fc__em_row(&s->e, 0);
	fc__em_int(&s->e, "count", row->n, "%7lld  ");
	fc__em_int(&s->e, "pid", row->k.i[0], "pid %-7lld ");
	fc__em_str(&s->e, "call", row->k.s[0], "%-16s ");
	fc__em_str_or(&s->e, "caller", row->k.s[1], "%-30s", "?");
	fc__em_str(&s->e, "fds", fds, "  fds %s");
	fc__em_row_end(&s->e);
}

/* The descriptors still open at the end, grouped by process and site. */
void fc__print_fds(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	struct fc__table groups = { 0 };
	long long open = 0;
	for (size_t r = 0; r < m->fds.len; r++) {
		const struct fc__row *fd = &m->fds.rows[r];
		struct fc__key k = { .s = { fd->vs[0], fd->vs[1] }, .i = { fd->k.i[0] } };
		if (!fd->v[0])
			continue;
		open++;
		struct fc__row *g = fc__table_at(&groups, &k, NULL);
		if (!g)
			continue; /* out of memory: OPEN still counts it */
		if (g->n < 4)
			g->v[g->n] = fd->k.i[1];
		g->n++;
	}
	fc__em_section(&s->e, "fds", "descriptors made and not seen closed");
	fc__em_int(&s->e, "open", open, " (%lld");
	fc__em_int(&s->e, "count", (long long)groups.len, FC__PLURAL(groups.len, " from 1 site)", " from %lld sites)"));
	if (!m->seen_fds)
		fc__em_note(&s->e, "no line has an `fds` field: made by a shim that does not record the descriptors calls make");
	fc__em_section_end(&s->e, print_sorted(s, &groups, fd_row));
	fc__table_free(&groups);
}

static void warning_row(struct fc__summary *s, const struct fc__row *row)
{
	fc__em_row(&s->e, 0);
	fc__em_int(&s->e, "count", row->n, "%7lld  ");
	fc__em_str(&s->e, "message", row->k.s[0], "%s");
	fc__em_row_end(&s->e);
}

void fc__print_warnings(struct fc__summary *s)
{
	fc__em_section(&s->e, "warnings", "warnings from the shim");
	fc__em_section_end(&s->e, print_sorted(s, &s->m->warnings, warning_row));
}
