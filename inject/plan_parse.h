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
#define FC_KEYS(X)                                  \
	X(error, FC_ACTION, FC_ACT_ERROR)           \
	X(retval, FC_ACTION, FC_ACT_RETVAL)         \
	X(delay, FC_ACTION, FC_ACT_DELAY)           \
	X(delay_exit, FC_ACTION, FC_ACT_DELAY_EXIT) \
	X(wait_child, FC_ACTION, FC_ACT_WAIT_CHILD) \
	X(signal, FC_ACTION, FC_ACT_SIGNAL)         \
	X(at, FC_ACTION, 0)                         \
	X(when, FC_SELECTOR, 0)                     \
	X(prob, FC_SELECTOR, 0)                     \
	X(seed, FC_SELECTOR, 0)                     \
	X(caller, FC_SELECTOR, 0)                   \
	X(depth, FC_SELECTOR, 0)                    \
	X(lib, FC_SELECTOR, 0)                      \
	X(proc, FC_SELECTOR, 0)                     \
	X(sig, FC_SELECTOR, 0)                      \
	X(fd, FC_SELECTOR, 0)                       \
	X(nr, FC_SELECTOR | FC_REPEATS, 0)

enum fc_key_id {
#define X(name, kind, act) FC_KEY_##name,
	FC_KEYS(X)
#undef X
		FC_NKEYS
};

struct fc_parse_ctx {
	const char *text;
	struct fc_plan *plan;
	char *err;
	size_t errlen;
	int rule_no;
	struct span rule;
	int named_syscall;           /* the rule names the call `syscall` */
	struct span items[FC_NKEYS]; /* each key's item in this rule (s NULL: absent) */
};

struct fc_key {
	const char *name;
	unsigned kind; /* FC_ACTION or FC_SELECTOR, | FC_REPEATS */
	unsigned act;  /* the FC_ACT_ bit an action sets */
	/* parses VALUE into RULE; KEY is for a message about the key itself */
	int (*parse)(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span key, struct span value);
};
extern const struct fc_key fc__plan_keys[FC_NKEYS];

static inline int fc__plan_fail(struct fc_parse_ctx *ctx, struct span at, const char *expected)
{
	snprintf(ctx->err, ctx->errlen, "bad plan: rule %d `%.*s`, column %zu: %s", ctx->rule_no, (int)ctx->rule.len, ctx->rule.s,
		 at.col, expected);
	return -1;
}

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

static inline bool fc__span_ulong(struct span sp, unsigned long *out)
{
	unsigned long value = 0;
	if (sp.len == 0 || sp.len > 18)
		return false;
	for (size_t i = 0; i < sp.len; i++) {
		if (sp.s[i] < '0' || sp.s[i] > '9')
			return false;
		value = value * 10 + (unsigned long)(sp.s[i] - '0');
	}
	*out = value;
	return true;
}

static inline bool fc__span_long(struct span sp, long *out)
{
	unsigned long magnitude;
	bool negative = sp.len && sp.s[0] == '-';
	if (negative) {
		sp.s++;
		sp.len--;
	}
	if (!fc__span_ulong(sp, &magnitude))
		return false;
	*out = negative ? -(long)magnitude : (long)magnitude;
	return true;
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
