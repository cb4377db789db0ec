/* forkchaos sweep: the systematic sweep of a command's fault space (the
 * "fail at every point" method, for processes).  A clean run traces CMD
 * and counts its call sites (sweep_sites.c); each site, errno and
 * occurrence N makes one run of the list (sweep_plan.c); each run is a
 * `forkchaos run --check` child of ours, scheduled by sched.c
 * (sweep_job.c); every run is judged against the clean one and the
 * results folder is written (sweep_out.c).  forkchaos merge (merge.c)
 * joins shard folders through the same code. */
#ifndef FC_SWEEP_H
#define FC_SWEEP_H
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include "progress.h"
#include "results.h"
#include "trace_model.h"

/* The command line (sweep.c's option table); on --resume, the sweep's
 * own from its folder's sweep.json. */
struct fc_sweep_options {
	const char *calls, *errnos, *mode, *check, *shard, *out, *resume, *plan, *seed;
	int max_n, jobs;
	uint64_t timeout_ns, progress_ns;
};

/* A call site of the clean run: call x caller x process role. */
struct fc_site {
	const char *call;          /* interned (fc_sweep.strings) */
	const char *caller;        /* caller=: the trace's symbol, else its OBJECT+0xOFF; NULL: unknown */
	long long nr;              /* the syscall pseudo-call's number, else -1 */
	const char *via;           /* a syscall's: "api" (syscall(2)) or "syscall" (the layer); NULL: not said */
	int child;                 /* 0: the first process, 1: a descendant */
	int proc_needed;           /* the same call and caller in both roles: proc= says which */
	long long count;           /* occurrences in the clean run */
	long long most;            /* the most in one process: how far when=N can reach */
	const char *note;          /* why it is not swept; NULL: it is */
	char key[FC_SYM_MAX + 64]; /* "fork:caller=main", the plan's selectors for it */
};

/* One series: a site and an errno, N from 1 on; its runs are adjacent. */
struct fc_series {
	int site, err;
	int first, count; /* its rows */
};

struct fc_sweep_row {
	int series, n;
};

#define FC_SWEEP_FAILS 4
#define FC_SWEEP_DETAIL 320

enum fc_sweep_state {
	FC_SW_NOT_RUN,     /* not (yet) run */
	FC_SW_RAN,         /* ran and was judged */
	FC_SW_SKIPPED,     /* its series had stopped before it: never reached */
	FC_SW_INTERRUPTED, /* cut short by our interrupt: run again on --resume */
	FC_SW_ERROR,       /* could not be run (harness error) */
	FC_SW_NSTATES
};
extern const char *const fc_sweep_state_names[FC_SW_NSTATES];

/* What one run ended with: the worker's result (one write) and a line of
 * runs.jsonl. */
struct fc_sweep_result {
	int state;
	int exit, signal, timed_out; /* CMD's own, from --check-out's last line */
	int injected;                /* what the run's rule did: 0, never reached */
	int nfails, kept_trace;
	long long duration_ms;
	struct {
		char oracle[24];
		char detail[FC_SWEEP_DETAIL];
	} fails[FC_SWEEP_FAILS];
	char error[256]; /* FC_SW_ERROR: why */
	char out[24];    /* its output's hash (--check-out's "out"), "" if none */
};

struct fc_sweep {
	struct fc_sweep_options opt;
	int argc; /* the sweep's own command line, for run.json */
	char **argv;
	char **cmd; /* CMD ARGS..., NULL-terminated */
	int ncmd;
	char exe[PATH_MAX]; /* this forkchaos, for the runs and the reproduce lines */
	int persistent;
	int shard_k, shard_n; /* 0/0: the whole list */
	int latest;           /* results/latest is ours to point (no --out) */
	/* the clean run */
	struct fc_sweep_result base;
	struct fc__strings strings;
	struct fc_site *sites;
	int nsites;
	/* the run list: run number = row index + 1, over every shard */
	struct fc_series *series;
	int nseries;
	struct fc_sweep_row *rows;
	int nrows;
	struct fc_sweep_result *results; /* nrows */
	/* this process's part */
	int *jobs; /* the rows to run now */
	int njobs, interrupted;
	int *stopped; /* shared: per series, the first N never reached (INT_MAX: none) */
	struct fc_progress *progress;
	struct fc_results folder;
	int created, planned; /* the folder is this process's; the run list is made */
	int runs_fd;          /* runs.jsonl, appended as runs end */
	char work[PATH_MAX];  /* the runs' own files */
	int exit_code;
	char *owned[8]; /* the option texts read from a sweep.json */
	/* the clean run's rule that makes the syscall layer trap and trace the
	 * syscalls --calls names (sys_NAME): "" when none, or no layer here */
	char arm[FC_PLAN_MAX / 4];
};

/* sweep_sites.c: the sites of the clean run's trace PATH, among CALLS
 * (a bitset, FC_CALL_WORDS words); -1 and a message. */
int fc_sweep_sites(struct fc_sweep *s, const char *path, const uint64_t *calls, char *err, size_t errlen);

/* sweep_plan.c */
/* --mode and --errnos, before anything is run; -1 and a message. */
int fc_sweep_check_options(struct fc_sweep *s, char *err, size_t errlen);
/* The run list from the sites and the options; -1 and a message. */
int fc_sweep_plan(struct fc_sweep *s, char *err, size_t errlen);
/* The rule of the clean run that lists the syscall-level sites of the
 * syscalls --calls LIST names (none without LIST: the default, every
 * call, would trap every read and write) into s->arm, when the layer is
 * there; a note on stderr when it is not.  WHO: "sweep", "explore". */
void fc_sweep_arm_syscalls(struct fc_sweep *s, const char *list, const char *who);
/* The clean run's plan: --plan BASE, then s->arm. */
void fc_sweep_clean_plan(const struct fc_sweep *s, char *buf, size_t len);
/* "K/N" into s->shard_k, s->shard_n; -1 when it is not one. */
int fc_sweep_parse_shard(struct fc_sweep *s, const char *text);
/* Whether ROW is in this sweep's shard. */
int fc_sweep_in_shard(const struct fc_sweep *s, int row);
/* ROW's rule ("fork:caller=main:when=2:error=EAGAIN") and plan (the rule,
 * then --plan BASE). */
void fc_sweep_action(const struct fc_sweep *s, int row, char *buf, size_t len);
void fc_sweep_rule_plan(const struct fc_sweep *s, int row, char *buf, size_t len);
/* The `forkchaos run` command line of ROW (-1: the clean run) with
 * --check CHECK, and CHECK_OUT/TRACE when not NULL: STORE->argv (malloc'd,
 * its words in STORE or the sweep's); the reproduce line is the same
 * without the two files.  -1 when out of memory. */
struct fc_sweep_argv {
	char **argv;
	char plan[FC_PLAN_MAX + 1], timeout[32];
};
int fc_sweep_run_argv(const struct fc_sweep *s, int row, const char *check, const char *check_out, const char *trace,
		      struct fc_sweep_argv *store);
/* The `forkchaos run` command line of any run of the sweep's command:
 * PLAN (NULL: none) with --check CHECK, --expect EXPECT (NULL: none), and
 * CHECK_OUT/TRACE when not NULL (what fc_sweep_run_argv makes for a row;
 * explore's runs are made the same way).  PLAN and EXPECT must outlive
 * STORE->argv. */
int fc_sweep_command(const struct fc_sweep *s, const char *plan, const char *check, const char *expect, const char *check_out,
		     const char *trace, struct fc_sweep_argv *store);
/* ARGV shell-quoted, one line (malloc'd; NULL when out of memory). */
char *fc_sweep_quote_line(char *const argv[]);
/* ROW's reproduce line: its run with --check ORACLE (malloc'd, or NULL). */
char *fc_sweep_reproduce(const struct fc_sweep *s, int row, const char *oracle);

/* The outcome of a run against the clean one: "ok", "handled", the first
 * oracle that failed and the clean run did not, "error", or NULL when
 * there is none (not run, interrupted).  *FAIL: that failure's index. */
const char *fc_sweep_judge(const struct fc_sweep *s, const struct fc_sweep_result *r, int *fail);
/* An errno's name ("EAGAIN"), else its number in BUF. */
const char *fc_sweep_errno_name(int e, char buf[16]);
/* A trace line's site as the plan names it: caller=SYMBOL where the trace
 * has the symbol, its OBJECT+0xOFF site where it has not. */
const char *fc_sweep_line_caller(const struct fc_jline *l);
/* A trace line's via, as a site of call ID keeps it: for a syscall
 * "syscall" (the layer saw it) or "api" (syscall(2)), interned in ST;
 * NULL for an entry point. */
const char *fc_sweep_line_via(struct fc__strings *st, const struct fc_jline *l, int id);
/* An errno that only a wrong argument causes (EBADF, EFAULT, EINVAL,
 * ECHILD, ESRCH...): `valid` leaves it out. */
int fc_sweep_caller_error(int e);
/* R failed ORACLE (at all). */
int fc_sweep_failed(const struct fc_sweep_result *r, const char *oracle);
/* R failed ORACLE anew: more failures like one of its than the clean run had. */
int fc_sweep_new_failure(const struct fc_sweep *s, const struct fc_sweep_result *r, const char *oracle);
/* A failing outcome: not ok, handled or error. */
int fc_sweep_failing(const char *outcome);
/* DETAIL without its numbers (fd 3, pid 4242; PIDS_ONLY: only a pid's),
 * what dedupes findings (and, pids only, compares with the clean run). */
void fc_sweep_signature(const char *detail, int pids_only, char *buf, size_t len);
/* Whether ROW's outcome is listed: its series had not stopped before it. */
int fc_sweep_listed(const struct fc_sweep *s, int row);

/* sweep_job.c */
/* A run's own files: its check-out, trace and output (stdout and stderr). */
struct fc_sweep_files {
	char check_out[PATH_MAX + 32], trace[PATH_MAX + 32], output[PATH_MAX + 32];
};
/* Runs ARGV (a `forkchaos run` of ours) to its end into R (its state,
 * exit, failures, what its first rule did, duration; FC_SW_INTERRUPTED
 * when a stop came); its files stay for the caller. */
void fc_sweep_launch(char *const argv[], const struct fc_sweep_files *files, struct fc_sweep_result *r);
/* The clean run, into s->base and FOLDER/baseline/; the exit code when it
 * failed (its message printed), else -1. */
int fc_sweep_clean_run(struct fc_sweep *s);
/* The rows of s->jobs through sched.c; -1 when the scheduler failed. */
int fc_sweep_run_jobs(struct fc_sweep *s);
/* A --check-out file into R (exit, signal, fails, injected: its first
 * rule's acted count, -1 when it has none); -1 when it is not one. */
int fc_sweep_read_check_out(const char *path, struct fc_sweep_result *r);

/* sweep_out.c */
int fc_sweep_write_state(const struct fc_sweep *s);
/* The options and command of FOLDER's sweep.json into S; -1 and a message. */
int fc_sweep_read_state(struct fc_sweep *s, const char *folder, char *err, size_t errlen);
/* The state file PATH (sweep.json, explore.json): one JSON object of KIND
 * whose command goes into s->cmd, the object left in L; -1 and a message. */
int fc_sweep_state_load(struct fc_sweep *s, const char *path, const char *kind, struct fc_jline *l, char *err, size_t errlen);
/* KEY's text of L, in the first free slot of OWNED (N of them), freed by
 * the owner; NULL when absent or full. */
const char *fc_sweep_keep(char **owned, size_t n, const struct fc_jline *l, const char *key);
void fc_sweep_runs_line(FILE *f, int row, const struct fc_sweep_result *r);
/* A result's members of a runs.jsonl line (state, exit... oracles,
 * details) into R; -1 when they are not there. */
int fc_sweep_result_read(const struct fc_jline *l, struct fc_sweep_result *r);
/* Every run of DIR's runs.jsonl into s->results (those of the list). */
int fc_sweep_read_runs(struct fc_sweep *s, const char *dir);
int fc_sweep_write_sites(const struct fc_sweep *s);
/* sweep_report.c: outcomes.csv, outcomes.jsonl, and (COMPLETE) run.json; the summary
 * on stdout; sets s->exit_code.  -1 and a message when a file failed. */
int fc_sweep_write_outcomes(struct fc_sweep *s, int complete);
/* FROM to TO (a new file): a hard link, or a copy; -1 and errno. */
int fc_sweep_copy_file(const char *from, const char *to);

/* sweep.c: CMD ARGS... into s->cmd, a relative command path made absolute
 * (reproduce lines work from anywhere); -1 when out of memory. */
int fc_sweep_take_command(struct fc_sweep *s, char **argv, int argc);
/* sweep.c, for merge.c: a folder made for --out DIR (DIR itself, written
 * as DIR's sibling .partial-NAME); -1 and a message. */
int fc_sweep_folder_at(struct fc_results *r, const char *dir, char *err, size_t errlen);
/* Renames the folder into place (and results/latest when LATEST). */
int fc_sweep_folder_finish(struct fc_results *r, int latest);
void fc_sweep_free(struct fc_sweep *s);
#endif
