/* Inside the plan parser (plan.c, plan_keys.c): the text as spans with their
 * column, the parse state of one rule, the table of keys. */
#ifndef FC_PLAN_PARSE_H
#define FC_PLAN_PARSE_H
#include <stdio.h>
#include <string.h>
#include "plan.h"

struct span {
	const char *s;
	size_t len;
	size_t col; /* 1-based, in the whole plan */
};

/* The keys, in the order the messages list them.  An ACTION is part of the
 * rule's action text (the trace's "injected"); REPEATS: the key may come
 * again in one rule (each nr= adds a number).  Any other key given twice is
 * refused, rather than letting the last one win unseen. */
enum { FC_SELECTOR = 0, FC_ACTION = 1, FC_REPEATS = 2 };
#define FC_KEYS(X)                                    \
	X(error, FC_ACTION, FC_ACT_ERROR)             \
	X(retval, FC_ACTION, FC_ACT_RETVAL)           \
	X(delay, FC_ACTION, FC_ACT_DELAY)             \
	X(delay_exit, FC_ACTION, FC_ACT_DELAY_EXIT)   \
	X(wait_child, FC_ACTION, FC_ACT_WAIT_CHILD)   \
	X(signal, FC_ACTION, FC_ACT_SIGNAL)           \
	X(reap, FC_ACTION, FC_ACT_REAP)               \
	X(oldact, FC_ACTION, FC_ACT_OLDACT)           \
	X(child_death, FC_ACTION, FC_ACT_CHILD_DEATH) \
	X(at, FC_ACTION, 0)                           \
	X(when, FC_SELECTOR, 0)                       \
	X(prob, FC_SELECTOR, 0)                       \
	X(seed, FC_SELECTOR, 0)                       \
	X(caller, FC_SELECTOR, 0)                     \
	X(depth, FC_SELECTOR, 0)                      \
	X(lib, FC_SELECTOR, 0)                        \
	X(proc, FC_SELECTOR, 0)                       \
	X(sig, FC_SELECTOR, 0)                        \
	X(fd, FC_SELECTOR, 0)                         \
	X(nr, FC_SELECTOR | FC_REPEATS, 0)            \
	X(via, FC_SELECTOR, 0)

enum fc_key_id {
#define X(name, kind, act) FC_KEY_##name,
	FC_KEYS(X)
#undef X
		FC_NKEYS
};

/* Where the text of a plan read from a file (plan_file.c) came from: each
 * piece is one line's rules, copied from column COL of line LINE to offset
 * OFF of the plan text.  Every line with a rule makes a piece, so a plan
 * with more pieces has too many rules: the parser stops within the first
 * FC_MAX_RULES + 1. */
#define FC_SRC_PIECES (FC_MAX_RULES + 1)
struct fc_plan_src {
	const char *path;
	int npieces;
	struct {
		size_t off;
		unsigned line;
		size_t col;
	} pieces[FC_SRC_PIECES];
};

struct fc_parse_ctx {
	const char *text;
	struct fc_plan *plan;
	char *err;
	size_t errlen;
	int rule_no;
	struct span rule;
	int named_syscall;             /* the rule names the call `syscall` */
	struct span items[FC_NKEYS];   /* each key's item in this rule (s NULL: absent) */
	const struct fc_plan_src *src; /* NULL: the plan as given (--plan, FORKCHAOS_PLAN) */
};

struct fc_key {
	const char *name;
	unsigned kind; /* FC_ACTION or FC_SELECTOR, | FC_REPEATS */
	unsigned act;  /* the FC_ACT_ bit an action sets */
	/* parses VALUE into RULE; KEY is for a message about the key itself */
	int (*parse)(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span key, struct span value);
};
extern const struct fc_key fc__plan_keys[FC_NKEYS];

/* Writes the one-line error (plan_msg.c): "bad plan: rule N `...`, column
 * C: EXPECTED", or "FILE:LINE:COL: bad plan: rule N `...`: EXPECTED" for a
 * plan read from a file.  The rule is shown escaped (a control byte must not
 * break the line) and clipped around the column.  Returns -1. */
int fc__plan_fail(struct fc_parse_ctx *ctx, struct span at, const char *expected);
/* plan_via.c: via= settled once the rule is read (what it names, where it
 * acts); -1 when via=syscall is given to a rule the layer cannot honour. */
int fc__plan_settle_via(struct fc_parse_ctx *ctx, struct fc_rule *rule);
/* fc_plan_parse with SRC, the file the text came from (NULL: none). */
int fc__plan_parse_src(const char *text, struct fc_plan *plan, char *err, size_t errlen, const struct fc_plan_src *src);
/* LEN bytes of S into DST (DSTLEN, NUL-terminated) with every control byte
 * written as \n, \r, \t or \xHH; stops before a byte that would not fit
 * whole.  Returns the bytes of S written. */
size_t fc__escape(char *dst, size_t dstlen, const char *s, size_t len);

/* Numbers (names.c): decimal, or hex after 0x; a leading 0 is refused. */
enum { FC_NUM_OK = 0, FC_NUM_NOT = -1, FC_NUM_OCTAL = -2, FC_NUM_BIG = -3 };
int fc__num_parse(const char *s, size_t len, uint64_t *out);
const char *fc__num_why(int status); /* a few words on a status other than FC_NUM_OK */
#define FC_ERRNO_MAX 4095
/* An errno or a signal by name or number: the value, or -1 and why (a few
 * words, for the message) in WHY. */
int fc__errno_parse(const char *name, size_t len, char *why, size_t whylen);
int fc__signal_parse(const char *name, size_t len, char *why, size_t whylen);

/* Appends NAME (after PREFIX), the I-th of N, to the list in BUF: "a, b or c". */
static inline void fc__list_add(char *buf, size_t len, size_t i, size_t n, const char *prefix, const char *name)
{
	size_t used = strlen(buf);
	if (used < len)
		snprintf(buf + used, len - used, "%s%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", prefix, name);
}

static inline bool fc__span_is(struct span sp, const char *word)
{
	return strlen(word) == sp.len && memcmp(sp.s, word, sp.len) == 0;
}

/* A syscall number for the pseudo-call "syscall" (sys_NAME, nr=N). */
static inline int fc__plan_add_nr(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span at, long nr)
{
	char expected[64];
	if (rule->n_nrs == FC_MAX_NRS) {
		snprintf(expected, sizeof expected, "at most %d syscall numbers in one rule", FC_MAX_NRS);
		return fc__plan_fail(ctx, at, expected);
	}
	rule->nrs[rule->n_nrs++] = nr;
	rule->calls[FC_ID_syscall / 64] |= 1ull << (FC_ID_syscall % 64);
	return 0;
}

#endif
