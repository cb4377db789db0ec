/* The stats region: a file the launcher makes and names in FORKCHAOS_STATS,
 * which every process of the target maps shared.  Each process image and
 * each forked child takes a slot of its own and counts its rules' matched
 * and acted calls there, with the same single instruction as a private
 * counter, so the launcher can say what each rule did in how many
 * processes even of those that were killed, exec'd or _exit'ed without a
 * word.  Process-wide facts (a warning already given, a call the program
 * made through an entry point the plan did not name, the trace's size) are
 * set with atomic operations in the header.  Shared by the shim (which
 * writes) and the launcher (which reads); the layout is versioned. */
#ifndef FC_STATS_H
#define FC_STATS_H
#include <stdint.h>
#include "plan.h"

#define FC_STATS_MAGIC 0x7473636bu /* "kcst" */
#define FC_STATS_VERSION 2
#define FC_STATS_SLOTS 4096
#define FC_STATS_SYS_SLOTS 256

/* Per-rule notes, set by whichever process sees it (the low 16 bits; the
 * launcher marks in the high 16 the ones it has printed). */
enum fc_stats_note {
	FC_NOTE_EINTR_NOHANG = 1,      /* EINTR injected into a WNOHANG wait, which never blocks */
	FC_NOTE_CALLER_UNRESOLVED = 2, /* caller= named no function in the objects loaded at start */
	FC_NOTE_LIB_UNRESOLVED = 4,    /* lib= named no object loaded at start */
	FC_NOTE_SITE_UNRESOLVED = 8,   /* caller=OBJECT+0xOFFSET named no address of an object loaded at start */
};

struct fc_stats_slot {
	int32_t pid, ppid;
	uint64_t matched[FC_MAX_RULES];
	uint64_t acted[FC_MAX_RULES];
};

struct fc_stats {
	uint32_t magic, version;
	uint32_t nslots;  /* slots the file has room for */
	uint32_t claimed; /* slots taken (past nslots: processes that counted privately) */
	uint32_t images;  /* process images that loaded the shim */
	uint32_t notes[FC_MAX_RULES];
	uint64_t calls_seen[(FC_NCALLS + 63) / 64]; /* slow-path calls made (posix_spawn, vfork...) */
	uint64_t trace_bytes;                       /* written to the trace by every process */
	uint32_t trace_stopped;                     /* processes that stopped tracing at --trace-max */
	uint32_t root_census;                       /* fds: the first process's start census is taken */
	uint64_t root_fds[4096 / 64];               /* ... and here it is, a bit per descriptor */
	/* The error the syscall-level supervisor last injected into a thread's
	 * syscall, in the slot of its tid (tid % FC_STATS_SYS_SLOTS): the shim's
	 * oracles must not take an injected EINTR or EBADF for the program's. */
	struct {
		int32_t tid, err;
	} sys_injected[FC_STATS_SYS_SLOTS];
	struct fc_stats_slot slots[];
};

#define FC_STATS_SIZE(nslots) (sizeof(struct fc_stats) + (size_t)(nslots) * sizeof(struct fc_stats_slot))
#endif
