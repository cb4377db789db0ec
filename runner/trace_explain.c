/* forkchaos trace FILE: a trace of thousands of lines told in a screen or
 * two.  The lines are folded (trace_model.c) and printed section by section
 * (here and trace_sections.c), every list counted and cut at --max-sites. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "forkchaos.h"
#include "opts.h"
#include "trace_explain.h"
#include "trace_model.h"

static const char trace_usage[] = "usage: forkchaos trace [--pid PID] [--json] [--max-sites N] FILE\n"
				  "\n"
				  "Summarizes a trace written by `forkchaos run --trace FILE` (or $FORKCHAOS_TRACE):\n"
				  "the processes as a tree, with how each ended; the calls by site (call and\n"
				  "caller), counted; the errors seen; what was injected where; the children made\n"
				  "and how each was reaped; the SIGCHLD dispositions set, in order; descriptors\n"
				  "made and not seen closed; each rule's matched and acted counts.  Lists are\n"
				  "cut after N rows with \"(N more)\".  Lines that are not JSON (a trace cut short,\n"
				  "bad bytes) are counted and skipped.\n"
				  "\n"
				  "options:\n"
				  "  -p, --pid PID       only that process: its calls, children, descriptors\n"
				  "      --json          the same summary as one JSON object, for tools\n"
				  "  -n, --max-sites N   at most N rows per list (default 20)\n"
				  "  -h, --help          this text\n"
				  "\n"
				  "exit codes: 0 summarized; 2 FILE missing or unreadable, not a forkchaos trace\n"
				  "(no header line), no line of --pid, or a usage error.\n";

struct trace_options {
	int pid, json, max;
};

static const struct fc_opt trace_opts[] = {
	FC_OPT_NUM(struct trace_options, "pid", 'p', pid, 1, INT_MAX, "a process id"),
	FC_OPT_ROW(struct trace_options, "json", 0, FC_OPT_FLAG, json),
	FC_OPT_NUM(struct trace_options, "max-sites", 'n', max, 1, 1000000, "a number of rows"),
	FC_OPT_END,
};

static const struct fc_opt_spec trace_spec = {
	.sub = "trace",
	.usage = trace_usage,
	.opts = trace_opts,
	.no_operand = "expected a trace FILE; see `forkchaos trace --help`",
};

int fc_cmd_trace(int argc, char **argv)
{
	struct trace_options o = { 0 };
	int operand, rc = fc_opts_parse(&trace_spec, argc, argv, &o, &operand);
	if (rc >= 0)
		return rc;
	if (operand + 1 != argc) {
		fprintf(stderr, "forkchaos trace: expected one FILE, got %d; see `forkchaos trace --help`\n", argc - operand);
		return FC_EXIT_USAGE;
	}
	struct fc_explain_opts opts = { .pid = o.pid, .json = o.json, .max_rows = o.max };
	return fc_trace_explain(argv[operand], stdout, &opts);
}

/* A wait's status for a person: "killed:9" -> "killed:9 (SIGKILL)". */
static const char *status_words(const char *status, char *buf, size_t len)
{
	static const char *const by_signal[] = { "killed:", "dumped:", "stopped:" };
	for (size_t i = 0; status && i < sizeof by_signal / sizeof by_signal[0]; i++) {
		size_t n = strlen(by_signal[i]);
		const char *abbrev = strncmp(status, by_signal[i], n) ? NULL : sigabbrev_np(atoi(status + n));
		if (abbrev) {
			snprintf(buf, len, "%s (SIG%s)", status, abbrev);
			return buf;
		}
	}
	return status ? status : "status not recorded";
}

/* How process P ended, in words, with its reaping when a parent reaped it. */
static void describe_end(const struct fc__model *m, const struct fc__proc *p, char *buf, size_t len)
{
	static const struct {
		const char *how, *text;
	} endings[] = {
		{ "exit", "exit(%s)" },
		{ "_exit", "_exit(%s)" },
		{ "signal", "killed by signal %s" },
		{ "exec", "exec'd an image that did not load the shim%.0s" },
	};
	char status[48] = "?";
	const char *sig = p->has_status && p->how && !strcmp(p->how, "signal") ? sigabbrev_np((int)p->status) : NULL;
	if (p->has_status)
		snprintf(status, sizeof status, sig ? "%lld (SIG%s)" : "%lld", p->status, sig);
	if (p->stopped)
		snprintf(buf, len, "trace stopped at %lld bytes", p->stopped_bytes);
	else
		snprintf(buf, len, "no exit line: killed or still running");
	for (size_t i = 0; p->how && !p->stopped && i < sizeof endings / sizeof endings[0]; i++)
		if (!strcmp(p->how, endings[i].how))
			snprintf(buf, len, endings[i].text, status);
	const struct fc__child *c = fc__model_child(m, p->pid);
	size_t used = strlen(buf);
	if (c && c->reaped && used < len)
		snprintf(buf + used, len - used, "; reaped by %lld: %s", c->reaper,
			 status_words(c->status, status, sizeof status));
}

static void proc_row(struct fc__summary *s, const struct fc__proc *p, int depth)
{
	char ended[256];
	describe_end(s->m, p, ended, sizeof ended);
	fc__em_row(&s->e, depth);
	fc__em_int(&s->e, "pid", p->pid, "%lld");
	fc__em_int(&s->e, "ppid", p->ppid, depth || !p->ppid ? NULL : " (parent %lld)");
	fc__em_int(&s->e, "depth", depth, NULL);
	fc__em_str_or(&s->e, "exe", p->exe, "  %s", "(forked, no exec line)");
	fc__em_str(&s->e, "args", p->args, p->args && *p->args ? " %s" : NULL);
	fc__em_int(&s->e, "images", p->images, p->images > 1 ? "  [%lld images]" : NULL);
	fc__em_int(&s->e, "calls", p->calls, FC__PLURAL(p->calls, "  1 call", "  %lld calls"));
	char status[24];
	snprintf(status, sizeof status, "%lld", p->status);
	fc__em_str(&s->e, "how", p->how, NULL);
	fc__em_number(&s->e, "status", p->how && p->has_status ? status : NULL, NULL);
	fc__em_str(&s->e, "ended", ended, ": %s");
	fc__em_row_end(&s->e);
}

/* P and its descendants, depth first, while rows remain: every process is
 * one row, so the ones left out are the count not shown. */
static void proc_tree(struct fc__summary *s, struct fc__proc *p, int depth, size_t *shown)
{
	struct fc__model *m = (struct fc__model *)s->m; /* only the walk's marks change */
	p->shown = 1;
	proc_row(s, p, depth);
	++*shown;
	for (size_t i = 0; i < m->nprocs && *shown < s->max; i++)
		if (!m->procs[i].shown && m->procs[i].ppid == p->pid)
			proc_tree(s, &m->procs[i], depth + 1, shown);
}

static void print_procs(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	size_t shown = 0, total = m->filter_pid ? 1 : m->nprocs;
	fc__em_section(&s->e, "processes", "processes");
	fc__em_int(&s->e, "count", (long long)total, " (%lld, children under their parent)");
	if (m->filter_pid) {
		proc_row(s, fc__model_proc(m, m->filter_pid), 0);
		shown = 1;
	}
	/* roots first (a parent not in the trace), then any a pid cycle hid */
	for (int pass = 0; pass < 2 && !m->filter_pid; pass++)
		for (size_t i = 0; i < m->nprocs && shown < s->max; i++)
			if (!m->procs[i].shown && (pass || !fc__model_proc(m, m->procs[i].ppid)))
				proc_tree(s, &m->procs[i], 0, &shown);
	fc__em_section_end(&s->e, total - shown);
}

static void child_row(struct fc__summary *s, const struct fc__child *c)
{
	char outcome[256], status[64];
	if (c->reaped)
		snprintf(outcome, sizeof outcome, "reaped by %lld in %s at %s: %s%s", c->reaper, c->reap_call,
			 c->reap_caller ? c->reap_caller : "?", status_words(c->status, status, sizeof status),
			 c->reaped > 1 ? " (reaped again later)" : "");
	else
		snprintf(outcome, sizeof outcome, "never reaped");
	fc__em_row(&s->e, 0);
	fc__em_int(&s->e, "pid", c->pid, "%-7lld ");
	fc__em_int(&s->e, "parent", c->parent, "by %-7lld ");
	fc__em_str_or(&s->e, "call", c->call, "%-10s ", "(unseen)");
	fc__em_str_or(&s->e, "caller", c->caller, "at %-24s ", "?");
	fc__em_int(&s->e, "reaped", c->reaped, NULL);
	fc__em_int(&s->e, "reaper", c->reaper, NULL);
	fc__em_str(&s->e, "reap_call", c->reap_call, NULL);
	fc__em_str(&s->e, "reap_caller", c->reap_caller, NULL);
	fc__em_str(&s->e, "status", c->status, NULL);
	fc__em_str(&s->e, "outcome", outcome, " %s");
	fc__em_row_end(&s->e);
}

static void print_children(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	long long made = 0, reaped = 0, unseen = 0;
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < m->nchildren; i++) {
		const struct fc__child *c = &m->children[i];
		if (m->filter_pid && c->parent != m->filter_pid)
			continue;
		total++;
		made += c->call != NULL;
		unseen += c->call == NULL;
		reaped += c->reaped > 0;
	}
	fc__em_section(&s->e, "children", "children");
	fc__em_int(&s->e, "made", made, " (%lld made");
	fc__em_int(&s->e, "unseen", unseen, unseen ? ", %lld seen only when reaped" : NULL);
	fc__em_int(&s->e, "reaped", reaped, ", %lld reaped");
	fc__em_int(&s->e, "never_reaped", (long long)total - reaped, ", %lld never reaped)");
	/* a process of the trace whose parent is in it too, made by no call
	 * the trace has: system(), popen(), a raw clone, where no shim sees */
	long long unmade = 0;
	for (size_t i = 0; i < m->nprocs; i++)
		unmade += (!m->filter_pid || m->procs[i].ppid == m->filter_pid) && fc__model_proc(m, m->procs[i].ppid) &&
			!fc__model_child(m, m->procs[i].pid);
	if (unmade) {
		char note[200];
		snprintf(note, sizeof note,
			 "%lld process%s of the trace made by no call in it (system(), popen() or a raw clone make theirs "
			 "unseen): known by %s exec line only",
			 unmade, unmade == 1 ? "" : "es", unmade == 1 ? "its" : "their");
		fc__em_note(&s->e, note);
	}
	for (size_t i = 0; i < m->nchildren && shown < s->max; i++)
		if (!m->filter_pid || m->children[i].parent == m->filter_pid) {
			child_row(s, &m->children[i]);
			shown++;
		}
	fc__em_section_end(&s->e, total - shown);
}

/* The plan's rules, split at ';' as the parser splits them. */
static int split_rules(const char *plan, char rules[][FC_PLAN_MAX / 8])
{
	int n = 0;
	for (const char *p = plan; p && *p && n < FC_MAX_RULES; n++) {
		size_t len = strcspn(p, ";");
		snprintf(rules[n], FC_PLAN_MAX / 8, "%.*s", (int)len, p);
		p += len + (p[len] == ';');
	}
	return n;
}

static void print_rules(struct fc__summary *s)
{
	const struct fc__model *m = s->m;
	static char rules[FC_MAX_RULES][FC_PLAN_MAX / 8];
	int n = split_rules(m->plan, rules);
	fc__em_section(&s->e, "rules", "rules of the plan");
	fc__em_int(&s->e, "count", n, " (%lld");
	fc__em_int(&s->e, "exit_lines", m->exit_lines,
		   FC__PLURAL(m->exit_lines, "; counts from 1 exit line)", "; counts from %lld exit lines)"));
	if (n && !m->exit_lines)
		fc__em_note(
			&s->e,
			"no exit lines: matched/acted unknown (a shim that does not write them, or every process was killed)");
	for (int i = 0; i < n; i++) {
		fc__em_row(&s->e, 0);
		fc__em_int(&s->e, "rule", i + 1, "%-3lld ");
		fc__em_str(&s->e, "text", rules[i], "%-36s");
		fc__em_int(&s->e, "matched", m->matched[i], m->exit_lines ? "  matched %lld" : NULL);
		fc__em_int(&s->e, "processes", m->rule_procs[i],
			   m->exit_lines ? FC__PLURAL(m->rule_procs[i], " in 1 process", " in %lld processes") : NULL);
		fc__em_int(&s->e, "acted", m->acted[i], m->exit_lines ? ", acted %lld" : NULL);
		fc__em_int(&s->e, "lines", m->rule_lines[i],
			   FC__PLURAL(m->rule_lines[i], "; 1 trace line names it", "; %lld trace lines name it"));
		fc__em_row_end(&s->e);
	}
	fc__em_section_end(&s->e, 0);
}

/* The public entry points whose own work (clone, pipe2, the child's dup2,
 * sigaction and exec) glibc does inside, where no LD_PRELOAD shim sees it:
 * the trace has the call, its result and its child, not what it did. */
static const char *const opaque_calls[] = { "fork", "_Fork", "posix_spawn", "posix_spawnp", "system", "popen", "pthread_create" };

/* "8 posix_spawn, 1 fork" from the calls by site, or "" when none. */
static void opaque_counts(const struct fc__model *m, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof opaque_calls / sizeof opaque_calls[0]; i++) {
		long long n = 0;
		for (size_t r = 0; r < m->sites.len; r++)
			n += m->sites.rows[r].k.s[0] && !strcmp(m->sites.rows[r].k.s[0], opaque_calls[i]) ? m->sites.rows[r].n
													  : 0;
		if (n && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%lld %s", used ? ", " : "", n, opaque_calls[i]);
	}
}

static void print_head(struct fc__summary *s, const struct fc_trace_reader *r, const char *path)
{
	char opaque[320];
	const struct fc__model *m = s->m;
	fc__em_str(&s->e, "trace", path, "trace %s");
	fc__em_str(&s->e, "forkchaos", m->version, ": forkchaos %s");
	fc__em_int(&s->e, "lines", r->lineno, ", %lld lines");
	long long bad = r->bad + m->other;
	fc__em_int(&s->e, "bad_lines", bad, bad ? FC__PLURAL(bad, ", 1 bad line skipped", ", %lld bad lines skipped") : NULL);
	fc__em_int(&s->e, "first_bad", r->first_bad, r->first_bad ? " (the first: line %lld)" : NULL);
	fc__em_str_or(&s->e, "plan", m->plan, m->plan && *m->plan ? "\nplan %s" : "\nplan (none)%s", "");
	fc__em_number(&s->e, "seed", m->seed, ", seed %s");
	fc__em_int(&s->e, "root", m->root, ", first process %lld");
	fc__em_int(&s->e, "pid", m->filter_pid, m->filter_pid ? "\nonly pid %lld" : NULL);
	fc__em_int(&s->e, "lines_of_pid", m->filter_lines, m->filter_pid ? ": %lld of its lines" : NULL);
	/* what was not seen: the header says which calls, the sites how many
	 * of them this trace holds */
	fc__em_str(&s->e, "unreachable", m->unreachable, NULL);
	fc__em_int(&s->e, "syscall_lines", m->syscall_lines, NULL);
	if (m->syscall_lines) {
		snprintf(opaque, sizeof opaque,
			 "\nseen at two levels: the entry points, and the syscalls the plan names wherever they were made, "
			 "inside glibc too (%lld lines \"via\":\"syscall\"); the other calls glibc makes inside its entry "
			 "points are not seen",
			 m->syscall_lines);
		fc__em_text(&s->e, opaque);
	} else if (m->unreachable)
		fc__em_text(&s->e,
			    "\nnot seen: the calls glibc makes inside fork, posix_spawn, system, popen and pthread_create "
			    "(clone, pipe2, dup2, sigaction, exec); only the entry points are traced");
	opaque_counts(m, opaque, sizeof opaque);
	fc__em_str(
		&s->e, "opaque_calls", *opaque ? opaque : NULL,
		m->syscall_lines
			? "\n  here: %s; each call, its result and its child are in the trace"
			: "\n  here: %s; each call, its result and its child are in the trace, what glibc did inside it is not");
	fc__em_text(&s->e, "\n");
}

static void summarize(const struct fc__model *m, const struct fc_trace_reader *r, const char *path, FILE *out,
		      const struct fc_explain_opts *opts)
{
	struct fc__summary s = { .e = { .out = out, .json = opts->json }, .m = m };
	s.max = opts->max_rows > 0 ? (size_t)opts->max_rows : 20;
	fc__em_open(&s.e);
	print_head(&s, r, path);
	print_procs(&s);
	fc__print_sites(&s);
	fc__print_errors(&s);
	fc__print_injections(&s);
	print_children(&s);
	fc__print_sigchld(&s);
	fc__print_fds(&s);
	print_rules(&s);
	if (m->warnings.len)
		fc__print_warnings(&s);
	fc__em_close(&s.e);
}

int fc_trace_explain(const char *path, FILE *out, const struct fc_explain_opts *opts)
{
	const char *who = opts->who ? opts->who : "forkchaos trace";
	struct fc__model m = { .filter_pid = opts->pid };
	struct fc_trace_reader r;
	struct fc_jline *l = malloc(sizeof *l);
	int rc = FC_EXIT_USAGE, got;
	if (!l || fc_trace_open(&r, path) < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, path, strerror(errno));
		goto out_line;
	}
	got = fc_trace_next(&r, l);
	if (got < 0)
		goto read_error;
	if (got == 0 || r.lineno != 1 || fc__model_header(&m, l) < 0) {
		fprintf(stderr, "%s: %s is not a forkchaos trace (%s)\n", who, path,
			got ? "its first line is not a forkchaos header" : "empty: no header line");
		goto out_reader;
	}
	while ((got = fc_trace_next(&r, l)) > 0)
		if (fc__model_add(&m, l) < 0) {
			fprintf(stderr, "%s: %s: out of memory\n", who, path);
			goto out_reader;
		}
	if (got < 0)
		goto read_error;
	if (opts->pid && !fc__model_proc(&m, opts->pid)) {
		fprintf(stderr, "%s: pid %lld has no line in %s\n", who, opts->pid, path);
		goto out_reader;
	}
	summarize(&m, &r, path, out, opts);
	rc = FC_EXIT_OK;
	goto out_reader;
read_error:
	fprintf(stderr, "%s: cannot read %s: %s\n", who, path, strerror(errno));
out_reader:
	fc_trace_close(&r);
out_line:
	free(l);
	fc__model_free(&m);
	return rc;
}
