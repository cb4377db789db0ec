/* forkchaos explore: the race windows and error paths of a command found
 * without a plan.  The same machine as sweep (sweep.h: a clean run, its
 * sites, runs that are `forkchaos run --check` children of ours scheduled
 * by sched.c, judged against the clean run, a results folder, progress,
 * interrupt and --resume, --shard), with other perturbations and an order:
 *
 *   points       the clean run's intercepted calls: site x occurrence, each
 *                with what the trace says of it (in a handler, its signal,
 *                other threads, WNOHANG) (explore_points.c)
 *   candidates   one perturbation at one point (a signal, a helper child's
 *                death, a foreign reap, a prior disposition, a delay, an
 *                error, a missing syscall), its rule text, and whether a
 *                correct program must tolerate it (then `differs` judges
 *                it too) (explore_points.c)
 *   the order    signal-setup calls and their neighbours first, each site's
 *                first perturbations before any site's later ones, the
 *                neighbourhood of a finding or of a new kind of outcome next
 *                (explore_pick.c)
 *   the runs     batches of the order through sched.c (explore_run.c)
 *   findings     deduplicated by (oracle, site, signature), ranked by
 *                severity, each minimized (minimize.c) and written with its
 *                reproduce line (explore_out.c) */
#ifndef FC_EXPLORE_H
#define FC_EXPLORE_H
#include "sweep.h"

/* The kinds of perturbation, in the order a site's candidates take turns:
 *   X(id, name, tolerated)  tolerated: a correct program must tolerate it,
 *   so a changed exit status or output is a finding (differs) */
#define FC_EXPLORE_KINDS(X)         \
	X(NOSYS, "nosys", 1)        \
	X(ERROR, "error", 0)        \
	X(SIGNAL, "signal", 1)      \
	X(REAP, "reap", 0)          \
	X(OLDACT, "oldact", 1)      \
	X(DEATH, "child-death", 1)  \
	X(OTHER, "signal-other", 1) \
	X(DELAY, "delay", 1)
enum fc_explore_kind {
#define X(id, name, tolerated) FC_EK_##id,
	FC_EXPLORE_KINDS(X)
#undef X
		FC_EK_COUNT
};
extern const char *const fc_explore_kind_names[FC_EK_COUNT];

/* What the trace says of a point (its first instance in the clean run). */
enum {
	FC_PT_HANDLER = 1,     /* made by a signal handler */
	FC_PT_SIGNAL = 2,      /* a signal-setup call (sigaction, sigprocmask...) or one in a handler */
	FC_PT_NEAR = 4,        /* a neighbour of one: a few calls away in its process */
	FC_PT_THREADS = 8,     /* its process had other threads then */
	FC_PT_NOHANG = 16,     /* a wait with WNOHANG: it never blocks */
	FC_PT_FIRST = 32,      /* the first sigaction on SIGCHLD of the first process: whatever it */
			       /* finds there another component (or the parent) could have left */
	FC_PT_FORKS = 64,      /* it makes a child (fork, posix_spawn, clone...) */
	FC_PT_CHILDPROC = 128, /* made in a descendant */
	FC_PT_HANDLERS = 256,  /* the process had a signal handler then: a call the kernel */
			       /* never restarts, and close, can see EINTR */
	FC_PT_NORESTART = 512, /* ... and one without SA_RESTART: any blocking call can */
	FC_PT_INSTALL = 1024,  /* it installs a disposition (not a query) */
};

/* A point: the Nth call of a site in a process. */
struct fc_point {
	int site, n;
	int order; /* its place in the clean trace (neighbours are near it) */
	long pid;  /* the process of its first instance */
	int sig;   /* the call's signal argument, -1 */
	unsigned flags;
};

/* A candidate: one perturbation at one point (NOSYS: at every call). */
struct fc_candidate {
	int point;
	int kind;
	int variant;   /* the kind's: an errno, a side and signal, a delay, an oldact= word */
	int tolerated; /* judged by differs too */
	int sub;       /* its place among its point's candidates of its kind */
	int turn;      /* its place in its site's turns (explore_pick.c) */
	char rule[FC_SYM_MAX + 192];
};

/* depth 2: a pair of candidates, one run. */
struct fc_pair {
	int a, b;
};

struct fc_explore_options {
	const char *lib, *plan, *calls, *signals, *check, *shard, *out, *resume, *seed, *budget_text;
	int depth, jobs, max_n, max_runs, minimize;
	uint64_t timeout_ns, progress_ns, budget_ns;
};

/* A finding: the first run of its (oracle, site, signature). */
struct fc_finding {
	int job;            /* the run that found it (index in e->order) */
	int runs;           /* the runs that found it again */
	int rank;           /* severity rank (1: crash) */
	long long found_ms; /* since the explore began (its first run's end) */
	char oracle[24], site[FC_SYM_MAX + 64], signature[FC_SWEEP_DETAIL];
	char detail[FC_SWEEP_DETAIL];
	char plan[FC_PLAN_MAX + 1];      /* as found */
	char minimized[FC_PLAN_MAX + 1]; /* as minimize left it ("" not minimized) */
	int confirmed, tried;            /* minimize's confirmation: runs failing of tried */
	int minimized_ok;                /* it fails 5 runs out of 5 */
	int tolerated;                   /* found by a perturbation a correct program tolerates */
};

struct fc_explore {
	struct fc_sweep s; /* the command, options sweep shares, folder, clean run, sites */
	/* the clean run as it went (s.base keeps only the failures it gives
	 * every time: what each run is judged against) */
	struct fc_sweep_result clean;
	struct fc_explore_options o;
	int signals[8], nsignals; /* SIGCHLD, then --signals */
	char expect[64];          /* the clean run's EXIT:HASH, for differs */
	struct fc_point *points;
	int npoints;
	struct fc_candidate *cands;
	int ncands;
	struct fc_pair *pairs;
	int npairs;
	/* the runs: order[k] is the k-th run's job (a candidate, or ncands + a
	 * pair), results[k] its result, in the order they were chosen */
	int *order;
	struct fc_sweep_result *results;
	long long *ended_ms; /* each run's end, since the explore began */
	int nruns, cap_runs;
	char *chosen; /* per job: chosen already */
	/* the picker's state (explore_pick.c) */
	int *site_runs, *boost, *next_of_site, *site_class;
	int picks, next_pair;
	/* the reorderings (every delay candidate), taken before anything else
	 * once a failure showed it does not follow the perturbation */
	int *reorder, nreorder, next_reorder;
	int **site_cands;
	int *site_ncands;
	struct fc__table outcomes_seen; /* (site, outcome): a new kind of outcome */
	struct fc_finding *findings;
	int nfindings, cap_findings;
	long long started_ms, elapsed_before_ms, first_finding_ms, clean_ms;
	int interrupted, exit_code;
	char *owned[16];
};

/* explore_points.c: the points of the clean run's trace PATH, then the
 * candidates; -1 and a message. */
int fc_explore_points(struct fc_explore *e, const char *path, char *err, size_t errlen);
int fc_explore_candidates(struct fc_explore *e, char *err, size_t errlen);
/* JOB's plan: its rule(s), then --plan BASE. */
void fc_explore_plan(const struct fc_explore *e, int job, char *buf, size_t len);
/* JOB's candidates (1, or 2 for a pair); a judged by differs. */
int fc_explore_job_cands(const struct fc_explore *e, int job, int out[2]);
int fc_explore_job_tolerated(const struct fc_explore *e, int job);
/* A candidate's short label: "signal inside SIGCHLD", "error EMFILE". */
void fc_explore_label(const struct fc_explore *e, int cand, char *buf, size_t len);

/* explore_pick.c */
int fc_explore_pick_init(struct fc_explore *e);
/* Up to MAX jobs not yet run, in the order, into JOBS; how many. */
int fc_explore_pick(struct fc_explore *e, int *jobs, int max);
/* JOB taken as a run already made (--resume replays its finished runs):
 * its site had its turn; -1 when out of memory. */
int fc_explore_take(struct fc_explore *e, int job);
/* A run ended: the picker learns its outcome (boosts its neighbourhood). */
void fc_explore_learn(struct fc_explore *e, int run, const char *outcome, int new_finding);

/* explore_run.c */
int fc_explore_clean_run(struct fc_explore *e);
/* Room for WANT runs in order, results, ended_ms; -1 when out of memory. */
int fc_explore_grow_runs(struct fc_explore *e, int want);
/* Runs batches until the budget, the list or an interrupt ends it;
 * -1 when the scheduler failed. */
int fc_explore_run(struct fc_explore *e);
/* RUN's outcome against the clean run ("ok", "handled", "not-reached",
 * "error", or the oracle that failed); *FAIL its failure's index. */
const char *fc_explore_outcome(const struct fc_explore *e, int run, int *fail);
/* A failing outcome: an oracle's name (not ok, handled, not-reached, error). */
int fc_explore_failing(const char *outcome);
/* A finding for RUN (new or seen); 1 when it is new. */
int fc_explore_note_finding(struct fc_explore *e, int run, const char *oracle, int fail);
/* The clean run's own failures, findings with its plan. */
void fc_explore_clean_findings(struct fc_explore *e);
/* qsort order of findings: the most severe first, then the first found. */
int fc_explore_by_severity(const void *a, const void *b);
/* The severity rank and word of an oracle. */
int fc_explore_severity(const char *oracle, const char **word);
/* The reproduce line of PLAN judged by ORACLE (malloc'd). */
char *fc_explore_reproduce(const struct fc_explore *e, const char *plan, const char *oracle, int tolerated);
/* The --minimize N most severe findings minimized (minimize.c's). */
void fc_explore_minimize_all(struct fc_explore *e);

/* explore_out.c */
int fc_explore_write_state(const struct fc_explore *e);
int fc_explore_read_state(struct fc_explore *e, const char *folder, char *err, size_t errlen);
void fc_explore_runs_line(FILE *f, const struct fc_explore *e, int run);
int fc_explore_read_runs(struct fc_explore *e);
/* points.csv, outcomes.csv/jsonl, findings.csv/jsonl and (COMPLETE)
 * run.json; the summary on stdout; sets e->exit_code. */
int fc_explore_write_results(struct fc_explore *e, int complete);

/* minimize.c: the smallest plan that still fails ORACLE in RUNS runs out
 * of RUNS (drop rules, drop selectors, narrow when=, shorten delays). */
struct fc_minimize {
	const struct fc_sweep *s; /* the command, timeout, seed, exe, work folder */
	const char *oracle;
	const char *expect; /* run --expect, NULL: none */
	int runs, jobs;
	int quiet;
	int absolute; /* the oracle failing at all counts, not only anew against s->base */
	/* out */
	int tried_runs, confirmed;
	char plan[FC_PLAN_MAX + 1];
	char detail[FC_SWEEP_DETAIL];
};
/* PLAN minimized into M->plan; 1 when it fails M->runs out of M->runs
 * (the result is then minimal), 0 when PLAN itself does not (M->plan is
 * PLAN), -1 when interrupted or the runs could not be made. */
int fc_minimize_plan(struct fc_minimize *m, const char *plan);
#endif
