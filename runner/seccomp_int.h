/* Inside the seccomp supervisor (seccomp_layer.h): its state, and what each of its
 * files does for the others.  seccomp.c builds the filter and hands the
 * listener over; seccomp_loop.c waits and answers; seccomp_proc.c knows
 * which process image made a call; seccomp_decide.c applies the rules;
 * seccomp_maps.c names code addresses; seccomp_trace.c writes the lines. */
#ifndef FC_SECCOMP_INT_H
#define FC_SECCOMP_INT_H
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/types.h>
#include "plan.h"
#include "seccomp_layer.h"

#define FC_SYS_NRS 512      /* syscall numbers the filter can name (x86_64 has < 512) */
#define FC_SYS_PROCS 4096   /* process images followed at once */
#define FC_SYS_TIDS 32768   /* thread ids remembered (direct-mapped) */
#define FC_SYS_DELAYED 1024 /* calls held for delay= at once */
#define FC_SYS_FORKS 512    /* the last forks seen, for a new child's lineage */
#define FC_SYS_MAPS 96      /* executable mappings of a process, named */
#define FC_SYS_FRAMES 8     /* return addresses found above a trapped call */

enum { FC_SYS_BEFORE_EXEC, FC_SYS_RUNNING, FC_SYS_EXEC_FAILED };

/* A process's executable mappings, for caller=, lib=, the shim's own calls
 * and the trace's "caller". */
struct fc_sys_maps {
	int n;
	struct {
		uintptr_t lo, hi;
		uint64_t off; /* file offset of lo */
		int obj;      /* seccomp_maps.c's object, -1: anonymous or [vdso] */
	} m[FC_SYS_MAPS];
	int shim, loader; /* the objects that are the shim and the dynamic loader, or -1 */
};

/* One process image (a process, until it execs). */
struct fc_sys_proc {
	int used;
	unsigned gen; /* changes each time the slot is taken: a thread's entry names (slot, gen) */
	pid_t tgid, ppid;
	int pidfd;                 /* -1: none (the liveness check uses kill(0)) */
	int root;                  /* the command's first process (proc=parent) */
	uint64_t lineage;          /* its fork path since the last exec (engine.c's) */
	unsigned long forks;       /* the processes it made */
	int exec_pending;          /* it made an execve that may have succeeded */
	pid_t exec_tid;            /* ... from this thread */
	uint64_t token;            /* the image's identity (AT_RANDOM) when it did */
	uint64_t *matched, *acted; /* its stats slot, or the arrays below */
	uint64_t own_matched[FC_MAX_RULES], own_acted[FC_MAX_RULES];
	struct fc_sys_maps *maps; /* NULL: not read yet */
};

/* A call on its way through the supervisor: the notification, the
 * decision, the answer. */
struct fc_sys_call {
	uint64_t id;
	pid_t pid, tid;
	int nr, call_id; /* call_id: a syscalls.def line's, or FC_ID_syscall */
	uint64_t ip, args[6];
	int sig, fd; /* the arguments sig= and fd= compare, -1: none */
	int proc;    /* index into procs, -1: not followed */
	unsigned gen;
	int rule; /* the rule that acts, -1: none */
	unsigned long n;
	fc_ruleset matched; /* the rules that counted it */
	int traced;
	/* the answer */
	int cont, error;
	long val;
	int signo;
	pid_t sig_pid, sig_tid; /* tgkill(sig_pid, sig_tid) or kill(sig_pid) when sig_tid is 0 */
	uint64_t t_ns;          /* CLOCK_MONOTONIC ns: when it was trapped */
	uint64_t due;           /* ... and when to answer it (delay=) */
	char caller[128];
	char site[128]; /* OBJECT+0xOFF of ip, "" when in no file */
};

struct fc_syslayer {
	struct fc_syslayer_conf conf;
	fc_ruleset rules_for[FC_SYS_NRS]; /* the syscall-level rules naming each number */
	unsigned char trapped[FC_SYS_NRS];
	int lineage;                 /* a prob= rule: forks are trapped to know a child's lineage */
	uint64_t shim_dev, shim_ino; /* the shim's file: its calls are not the target's */
	struct sock_fprog prog;
	int sock[2];
	int listener, sigfd, trace_fd, last_pid_fd, report_fd;
	int killable; /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is on */
	int phase, exec_errno;
	pid_t root;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct fc_sys_proc *procs;
	int nprocs_used, procs_full_said;
	struct {
		pid_t tid;
		int proc;
		unsigned gen;
	} * tids;
	struct fc_sys_call *delayed;
	int ndelayed, delayed_full_said;
	struct {
		pid_t parent;
		unsigned long no;
		uint64_t lineage; /* the parent's */
		long last_pid;    /* the last pid handed out before the fork ran */
	} forks[FC_SYS_FORKS];
	int next_fork;
	uint64_t next_sweep;
	uint64_t trace_bytes_own;
	int trace_stopped;
};

/* seccomp_proc.c */
/* FILE of /proc/PID into BUF: read(2)'s result */
ssize_t fc__sys_read_proc(pid_t pid, const char *file, void *buf, size_t len);
struct fc_sys_proc *fc__sys_proc_of(struct fc_syslayer *l, struct fc_sys_call *c);
void fc__sys_proc_note_exec(struct fc_syslayer *l, struct fc_sys_proc *p, pid_t tid);
void fc__sys_proc_note_fork(struct fc_syslayer *l, struct fc_sys_proc *p, const struct fc_sys_call *c);
void fc__sys_proc_sweep(struct fc_syslayer *l, int all);
int fc__sys_proc_valid(const struct fc_syslayer *l, int proc, unsigned gen);

/* seccomp_decide.c: fills C's decision and answer (cont, error/val,
 * signal, due) from the rules. */
void fc__sys_decide(struct fc_syslayer *l, struct fc_sys_call *c);
void fc__sys_undo(struct fc_syslayer *l, const struct fc_sys_call *c);
/* seccomp_args.c: C's sig and fd, from its call_id and args */
void fc__sys_args(struct fc_sys_call *c);

/* seccomp_maps.c */
struct fc_sys_maps *fc__sys_maps_read(pid_t pid, uint64_t shim_dev, uint64_t shim_ino);
struct fc_sys_maps *fc__sys_maps_copy(const struct fc_sys_maps *m);
/* 1 when IP is in no mapping M knows (M is then worth reading again) */
int fc__sys_maps_unknown(const struct fc_sys_maps *m, uint64_t ip);
/* IP is the shim's or the dynamic loader's: their calls are not the program's */
int fc__sys_not_the_program(const struct fc_sys_maps *m, uint64_t ip);
const char *fc__sys_describe(const struct fc_sys_maps *m, uint64_t ip, char *buf, size_t len);
/* IP as the trace's "site" and caller=OBJECT+0xOFF name it (the byte past
 * the syscall instruction, as the shim's site is the byte past a call) */
const char *fc__sys_site(const struct fc_sys_maps *m, uint64_t ip, char *buf, size_t len);
int fc__sys_at_site(const struct fc_sys_maps *m, uint64_t ip, const char *object, size_t object_len, uint64_t off);
int fc__sys_in_lib(const struct fc_sys_maps *m, uint64_t ip, const char *lib);
int fc__sys_in_function(const struct fc_sys_maps *m, uint64_t ip, const char *name);
/* Up to MAX frames of TID: the call's own address, then return addresses
 * found on its stack (a scan: no unwinder runs from outside); returns how
 * many. */
int fc__sys_frames(const struct fc_sys_maps *m, pid_t tid, uint64_t ip, uint64_t *frames, int max);

/* seccomp_trace.c */
void fc__sys_trace_open(struct fc_syslayer *l);
void fc__sys_trace_call(struct fc_syslayer *l, const struct fc_sys_call *c);
void fc__sys_trace_exit(struct fc_syslayer *l, const struct fc_sys_proc *p, const char *how);
void fc__sys_trace_warning(struct fc_syslayer *l, pid_t pid, const char *message);

/* seccomp_loop.c */
void fc__sys_handle_one(struct fc_syslayer *l);
int fc__sys_exec_phase(struct fc_syslayer *l);
uint64_t fc__sys_now(void);
#endif
