/* What the trace summary gathers from a trace (trace_model.c), the keyed
 * counters it gathers into (trace_table.c), and the one writer that prints
 * it as text or as JSON (trace_emit.c).  Internal to runner/trace_*.c. */
#ifndef FC_TRACE_MODEL_H
#define FC_TRACE_MODEL_H
#include <stddef.h>
#include <stdio.h>
#include "plan.h"
#include "trace_read.h"

/* A counter keyed by up to three interned strings (compared by address)
 * and two numbers; what n, v and vs mean is up to each table. */
struct fc__key {
	const char *s[3];
	long long i[2];
};
struct fc__row {
	struct fc__key k;
	long long n, v[4];
	const char *vs[2];
	size_t order; /* insertion order: ties and file order */
};
struct fc__table {
	struct fc__row *rows;
	size_t len, cap;
	size_t *slots; /* open addressing over rows, index + 1; 0 empty */
	size_t nslots;
};
/* KEY's row, added (zeroed) when new; NULL when out of memory.  Rows move
 * when the table grows: hold none across another call. */
struct fc__row *fc__table_at(struct fc__table *t, const struct fc__key *key, int *added);
struct fc__row *fc__table_find(const struct fc__table *t, const struct fc__key *key);
/* The rows by n, largest first, ties in insertion order (malloc'd). */
struct fc__row **fc__table_sorted(const struct fc__table *t);
void fc__table_free(struct fc__table *t);

/* One copy of each distinct string, so that keys compare by address. */
struct fc__strings {
	char **slots;
	size_t len, nslots;
};
const char *fc__intern(struct fc__strings *st, const char *s); /* NULL for NULL or out of memory */
void fc__strings_free(struct fc__strings *st);
/* ARRAY (of SIZE-byte elements, CAP of them) grown if need be to hold
 * LEN + 1: the array to use, or NULL out of memory (ARRAY still valid). */
void *fc__grow(void *array, size_t *cap, size_t len, size_t size);

struct fc__proc {
	long long pid, ppid;    /* ppid 0: not known */
	const char *exe, *args; /* the last image's; NULL: no exec line */
	int images;
	long long calls;
	const char *how; /* the last exit line's; NULL: none since the last exec */
	long long status;
	int has_status, stopped;
	long long stopped_bytes;
	int shown; /* the tree walk's mark */
	/* the site of its last vfork: the line says "ret":null (the child ran
	 * on its stack) and the child's own line has no site */
	const char *vfork_caller;
};

struct fc__child {
	long long parent, pid;
	const char *call, *caller;                    /* NULL call: only seen reaped */
	const char *reap_call, *reap_caller, *status; /* the first reap */
	long long reaper, reaped;                     /* reaped: how many times */
};

struct fc__disp {
	long long pid, flags, err;
	int has_flags, failed;
	const char *call, *caller, *handler, *injected;
};

struct fc__model {
	long long filter_pid;
	const char *version, *plan, *seed; /* the header's; seed: its number text */
	const char *unreachable;           /* the header's: what the shim cannot see */
	long long syscall_lines;           /* lines of the syscall level ("via":"syscall") */
	long long root, filter_lines;
	long events; /* good lines after the header */
	long other;  /* good JSON that is not an event (no call or pid) */
	struct fc__strings strings;
	struct fc__proc *procs;
	size_t nprocs, procs_cap;
	struct fc__table proc_index; /* i[0] pid -> n index */
	struct fc__child *children;
	size_t nchildren, children_cap;
	struct fc__table child_index; /* i[0] pid -> n index */
	struct fc__disp *disps;
	size_t ndisps, disps_cap;
	long long disp_queries; /* SIGCHLD disposition calls without a handler */
	/* sites: (call, caller) n calls, v[0] failed, v[1] processes;
	 * site_procs: (call, caller, pid); errors: (call, caller, errno) n,
	 * v[0] injected; injections: (call, caller, text, rule) n, v[0] v[1]
	 * the first and last n; fds: (pid, fd) v[0] open, vs[0] call,
	 * vs[1] caller; warnings: (message) n */
	struct fc__table sites, site_procs, errors, injections, fds, warnings;
	long long calls;
	long long matched[FC_MAX_RULES], acted[FC_MAX_RULES], rule_procs[FC_MAX_RULES], rule_lines[FC_MAX_RULES];
	long long exit_lines;
	/* which of the newer fields the trace holds at all */
	long long seen_fds, seen_handler;
};

/* The header line (the first of the file): 0, or -1 if it is not one. */
int fc__model_header(struct fc__model *m, const struct fc_jline *l);
/* Every later line: 0, or -1 out of memory. */
int fc__model_add(struct fc__model *m, const struct fc_jline *l);
struct fc__proc *fc__model_proc(const struct fc__model *m, long long pid);
struct fc__child *fc__model_child(const struct fc__model *m, long long pid);
/* PID's record, added when new (a child's with PARENT, also made its
 * process's parent if none is known); NULL out of memory.  A pointer
 * lasts until the next record of its kind is added. */
struct fc__proc *fc__proc_at(struct fc__model *m, long long pid);
struct fc__child *fc__child_at(struct fc__model *m, long long pid, long long parent);
void fc__model_free(struct fc__model *m);

/* The writer: text for a person or one JSON object, from the same calls.
 * Each value has a key (JSON) and a printf format (text; NULL: JSON only). */
struct fc__emit {
	FILE *out;
	int json;
	int comma;       /* JSON: the current object or array has a member */
	int title;       /* text: a section's title line is open */
	int rows;        /* JSON: the section's rows array is open */
	char line[4096]; /* text: the line being written */
	size_t len;
};
void fc__em_open(struct fc__emit *e);
void fc__em_close(struct fc__emit *e);
/* A section: its title line (text), an object KEY (JSON) of stats, an
 * optional note, then rows; END says how many rows were left out. */
void fc__em_section(struct fc__emit *e, const char *key, const char *title);
void fc__em_note(struct fc__emit *e, const char *note);
void fc__em_row(struct fc__emit *e, int indent);
void fc__em_row_end(struct fc__emit *e);
void fc__em_section_end(struct fc__emit *e, size_t more);
void fc__em_int(struct fc__emit *e, const char *key, long long v, const char *fmt);
void fc__em_str(struct fc__emit *e, const char *key, const char *s, const char *fmt);
/* As fc__em_str, but text shows FALLBACK when S is NULL (JSON: null). */
void fc__em_str_or(struct fc__emit *e, const char *key, const char *s, const char *fmt, const char *fallback);
/* Text only: TEXT as it is (a line's end, an alternative to a null). */
void fc__em_text(struct fc__emit *e, const char *text);
/* A number kept as its text (a seed is up to 2^64 - 1). */
void fc__em_number(struct fc__emit *e, const char *key, const char *digits, const char *fmt);

/* A text format for a count, singular or plural. */
#define FC__PLURAL(n, one, many) ((n) == 1 ? (one) : (many))

/* The summary's sections (trace_explain.c, trace_sections.c), each from
 * the model, with at most MAX rows per list. */
struct fc__summary {
	struct fc__emit e;
	const struct fc__model *m;
	size_t max;
};
void fc__print_sites(struct fc__summary *s);
void fc__print_errors(struct fc__summary *s);
void fc__print_injections(struct fc__summary *s);
void fc__print_sigchld(struct fc__summary *s);
void fc__print_fds(struct fc__summary *s);
void fc__print_warnings(struct fc__summary *s);
#endif
