/* The plan: parsed once from FORKCHAOS_PLAN into fixed arrays (no malloc),
 * shared by the shim (which acts on it) and the launcher (which validates it
 * before it runs anything). */
#ifndef FC_PLAN_H
#define FC_PLAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FC_MAX_RULES 32
#define FC_MAX_NRS 8
#define FC_PLAN_MAX 4096
#define FC_SYM_MAX 96

enum fc_class { FC_CLASS_PROC = 1, FC_CLASS_FD = 2, FC_CLASS_SIGNAL = 4, FC_CLASS_WAIT = 8, FC_CLASS_MEM = 16 };
enum fc_how { FC_HOW_GEN, FC_HOW_CUSTOM, FC_HOW_INSIDE, FC_HOW_SYS };
enum fc_fail { FC_FAIL_NEG1, FC_FAIL_NUL, FC_FAIL_ERRNUM, FC_FAIL_SIGERR };

/* Call ids, one per line of calls.def, then the pseudo-call "syscall" that
 * stands for any syscall(2) number without an entry of its own. */
enum fc_call_id {
#define X(name, ...) FC_ID_##name,
#include "calls.def"
#undef X
	FC_ID_syscall,
	FC_NCALLS
};

struct fc_call_info {
	const char *name;
	unsigned cls;  /* enum fc_class */
	unsigned how;  /* enum fc_how */
	unsigned fail; /* enum fc_fail */
	long nr;       /* syscall number for FC_HOW_SYS */
	int takes_sig; /* has an argument that sig= compares */
	int takes_fd;  /* has an argument that fd= compares */
	const char *errnos;
};
extern const struct fc_call_info fc_calls[FC_NCALLS];

enum { FC_ACT_ERROR = 1, FC_ACT_RETVAL = 2, FC_ACT_DELAY = 4, FC_ACT_DELAY_EXIT = 8, FC_ACT_SIGNAL = 16, FC_ACT_WAIT_CHILD = 32 };
enum fc_at { FC_AT_ENTER, FC_AT_INSIDE, FC_AT_EXIT };
enum fc_sigdest { FC_DEST_SELF, FC_DEST_THREAD, FC_DEST_PROCESS, FC_DEST_PARENT, FC_DEST_CHILD };
enum fc_proc { FC_PROC_ANY, FC_PROC_PARENT, FC_PROC_CHILD };

struct fc_rule {
	uint64_t calls[(FC_NCALLS + 63) / 64]; /* bitset of call ids */
	long nrs[FC_MAX_NRS];                  /* syscall:nr= filter, for FC_ID_syscall */
	int n_nrs;
	/* actions */
	unsigned actions;
	int error;
	long retval;
	uint64_t delay_ns, delay_exit_ns;
	uint64_t wait_child_ns; /* wait_child=: at most this long */
	int signo, sigdest, at;
	/* selectors */
	bool has_when;
	unsigned long when_first, when_last, when_step; /* last 0: open-ended */
	bool has_prob, has_seed;
	uint64_t prob_threshold; /* fires when hash < threshold; UINT64_MAX: always */
	uint64_t seed;
	char caller[FC_SYM_MAX];
	int depth; /* caller= looks at this many frames above the wrapper */
	char lib[FC_SYM_MAX];
	int proc;
	int sel_sig, sel_fd; /* -1: not set */
	/* for messages and the trace */
	char action_text[128];
	int text_off, text_len;
};

struct fc_plan {
	int nrules;
	struct fc_rule rules[FC_MAX_RULES];
	bool uses_prob_without_seed;
};

/* Parse TEXT into PLAN.  On error returns -1 and writes one line into ERR:
 * "rule N (`...`), column C: expected ...".  Never allocates. */
int fc_plan_parse(const char *text, struct fc_plan *plan, char *err, size_t errlen);

/* Warnings that do not stop the run (an errno the call does not document).
 * Returns the number of warnings written to the fd. */
int fc_plan_warn(const struct fc_plan *plan, const char *text, int fd);

int fc_call_lookup(const char *name, size_t len);
int fc_errno_lookup(const char *name, size_t len);  /* -1 when unknown */
int fc_signal_lookup(const char *name, size_t len); /* -1 when unknown */
bool fc_rule_has_call(const struct fc_rule *rule, int id);
int fc_duration_parse(const char *s, size_t len, uint64_t *ns);
long fc_sysname_lookup(const char *name, size_t len); /* -1 when unknown */

#endif
