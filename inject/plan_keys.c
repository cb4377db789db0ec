/* The values of the plan's keys: one parser per key, and the table that
 * says what each key is (plan_parse.h).  Enumerated values (at=, proc=,
 * signal=...@DEST) come from word tables, and so do their messages. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include "plan_parse.h"

/* ---- enumerated values: at=, proc=, signal=...@DEST ---- */

struct word {
	const char *name;
	int value;
};
#define NWORDS(words) (sizeof(words) / sizeof(words)[0])
static const struct word at_words[] = { { "enter", FC_AT_ENTER }, { "inside", FC_AT_INSIDE }, { "exit", FC_AT_EXIT } };
static const struct word proc_words[] = { { "parent", FC_PROC_PARENT }, { "child", FC_PROC_CHILD }, { "any", FC_PROC_ANY } };
static const struct word via_words[] = { { "api", FC_VIA_API }, { "syscall", FC_VIA_SYSCALL } };
static const struct word dest_words[] = { { "self", FC_DEST_SELF },       { "thread", FC_DEST_THREAD },
					  { "process", FC_DEST_PROCESS }, { "parent", FC_DEST_PARENT },
					  { "child", FC_DEST_CHILD },     { "other", FC_DEST_OTHER } };
/* oldact=: what sigaction tells the caller was there before, as another
 * component (or the parent, through exec) could have left it */
static const struct word oldact_words[] = { { "ign", FC_OLDACT_IGN },
					    { "dfl", FC_OLDACT_DFL },
					    { "ign-siginfo", FC_OLDACT_IGN_SIGINFO },
					    { "dfl-siginfo", FC_OLDACT_DFL_SIGINFO },
					    { "handler", FC_OLDACT_HANDLER },
					    { "handler-siginfo", FC_OLDACT_HANDLER_SIGINFO } };
static const struct word death_words[] = { { "exit", FC_DEATH_EXIT }, { "kill", FC_DEATH_KILL } };
static const struct word reap_words[] = { { "any", 1 } };

/* VALUE as one of the N WORDS into *out; else "expected LEAD" and the words,
 * each after PREFIX. */
static int parse_word(struct fc_parse_ctx *ctx, struct span value, const struct word *words, size_t n, const char *lead,
		      const char *prefix, int *out)
{
	char expected[256];
	for (size_t i = 0; i < n; i++)
		if (fc__span_is(value, words[i].name)) {
			*out = words[i].value;
			return 0;
		}
	snprintf(expected, sizeof expected, "expected %s", lead);
	for (size_t i = 0; i < n; i++)
		fc__list_add(expected, sizeof expected, i, n, prefix, words[i].name);
	return fc__plan_fail(ctx, value, expected);
}

/* ---- the values of the keys, one parser each ---- */

/* A number that is not one (STATUS): WHAT, and why when it is more than
 * "not a number" (a leading 0, too large). */
static int number_fail(struct fc_parse_ctx *ctx, struct span value, const char *what, int status)
{
	char expected[320];
	if (status == FC_NUM_NOT)
		return fc__plan_fail(ctx, value, what);
	snprintf(expected, sizeof expected, "%s: %s", what, fc__num_why(status));
	return fc__plan_fail(ctx, value, expected);
}

/* VALUE as a number from LO to HI into *out; else "WHAT (from LO to HI)". */
static int parse_number(struct fc_parse_ctx *ctx, struct span value, uint64_t lo, uint64_t hi, const char *what, uint64_t *out)
{
	char expected[256];
	int status = fc__num_parse(value.s, value.len, out);
	if (status != FC_NUM_OK && status != FC_NUM_BIG)
		return number_fail(ctx, value, what, status);
	if (status == FC_NUM_OK && *out >= lo && *out <= hi)
		return 0;
	snprintf(expected, sizeof expected, "%s, from %llu to %llu", what, (unsigned long long)lo, (unsigned long long)hi);
	return fc__plan_fail(ctx, value, expected);
}

/* ---- the values of the keys, one parser each ---- */

#define KEY_PARSER(name) \
	static int parse_##name(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span key, struct span value)

KEY_PARSER(error)
{
	char why[200], expected[320];
	rule->error = fc__errno_parse(value.s, value.len, why, sizeof why);
	if (rule->error >= 0)
		return 0;
	snprintf(expected, sizeof expected, "expected an errno name or number (e.g. error=EAGAIN): %s", why);
	return fc__plan_fail(ctx, value, expected);
}

/* retval=N: the whole range of long, a '-' before a negative one. */
KEY_PARSER(retval)
{
	static const char *form = "expected retval=N, a whole number from -9223372036854775808 to 9223372036854775807";
	struct span magnitude = value;
	bool negative = value.len && value.s[0] == '-';
	uint64_t m;
	if (negative) {
		magnitude.s++;
		magnitude.len--;
		magnitude.col++;
	}
	int status = fc__num_parse(magnitude.s, magnitude.len, &m);
	if (status != FC_NUM_OK)
		return number_fail(ctx, value, form, status);
	if (m > (uint64_t)LONG_MAX + negative)
		return fc__plan_fail(ctx, value, form);
	rule->retval = !negative ? (long)m : m == (uint64_t)LONG_MAX + 1 ? LONG_MIN : -(long)m;
	return 0;
}

static int parse_duration(struct fc_parse_ctx *ctx, struct span value, uint64_t *ns)
{
	if (fc_duration_parse(value.s, value.len, ns) < 0)
		return fc__plan_fail(ctx, value,
				     "expected a duration up to 24h: a whole number with ns, us, ms or s (e.g. delay=50ms)");
	return 0;
}

KEY_PARSER(delay)
{
	return parse_duration(ctx, value, &rule->delay_ns);
}

KEY_PARSER(delay_exit)
{
	return parse_duration(ctx, value, &rule->delay_exit_ns);
}

KEY_PARSER(wait_child)
{
	if (fc_duration_parse(value.s, value.len, &rule->wait_child_ns) < 0 || !rule->wait_child_ns)
		return fc__plan_fail(ctx, value,
				     "expected wait_child=DUR, the longest to wait for the child to die (e.g. wait_child=5s)");
	return 0;
}

/* Splits VALUE at its first C: *head is what comes before, *tail what comes
 * after; returns NULL when there is no C (then *head is all of VALUE). */
static const char *split(struct span value, char c, struct span *head, struct span *tail)
{
	const char *at = memchr(value.s, c, value.len);
	*head = value;
	*tail = (struct span){ NULL, 0, value.col + value.len };
	if (at) {
		head->len = (size_t)(at - value.s);
		*tail = (struct span){ at + 1, value.len - head->len - 1, value.col + head->len + 1 };
	}
	return at;
}

/* signal=SIG[@DEST] */
KEY_PARSER(signal)
{
	char why[200], expected[320];
	struct span name, dest;
	const char *at = split(value, '@', &name, &dest);
	rule->signo = fc__signal_parse(name.s, name.len, why, sizeof why);
	if (rule->signo < 0) {
		snprintf(expected, sizeof expected,
			 "expected a signal name or number (e.g. signal=SIGCHLD or signal=SIGCHLD@process): %s", why);
		return fc__plan_fail(ctx, name, expected);
	}
	rule->sigdest = FC_DEST_SELF;
	if (!at)
		return 0;
	return parse_word(ctx, dest, dest_words, NWORDS(dest_words), "a destination after @: ", "", &rule->sigdest);
}

/* reap=any: the children dead at the point are reaped, as waitpid(-1) in
 * another component would (the only value for now: a word, so that a
 * narrower reaper can come without a new key) */
KEY_PARSER(reap)
{
	int any;
	return parse_word(ctx, value, reap_words, NWORDS(reap_words), "", "reap=", &any);
}

KEY_PARSER(oldact)
{
	return parse_word(ctx, value, oldact_words, NWORDS(oldact_words), "", "oldact=", &rule->oldact);
}

KEY_PARSER(child_death)
{
	return parse_word(ctx, value, death_words, NWORDS(death_words), "", "child_death=", &rule->death);
}

KEY_PARSER(at)
{
	return parse_word(ctx, value, at_words, NWORDS(at_words), "", "at=", &rule->at);
}

/* A number of when=: FORM, and why when it is more than not a number. */
static int when_number(struct fc_parse_ctx *ctx, struct span sp, const char *form, unsigned long *out)
{
	uint64_t value;
	int status = fc__num_parse(sp.s, sp.len, &value);
	if (status != FC_NUM_OK)
		return number_fail(ctx, sp, form, status);
	*out = value;
	return 0;
}

/* when=FIRST[..LAST][+STEP], also FIRST+ (every call from FIRST on). */
KEY_PARSER(when)
{
	static const char *form =
		"expected when=FIRST[..LAST][+STEP] with FIRST >= 1 (e.g. when=3, when=2..5, when=1+2, when=4+)";
	struct span first, last, step;
	const char *plus = split(value, '+', &first, &step);
	const char *dots = split(first, '.', &first, &last);
	if (dots && (!last.len || last.s[0] != '.'))
		return fc__plan_fail(ctx, value, form);
	if (dots) { /* past the second '.' */
		last.s++;
		last.len--;
		last.col++;
	}
	if (when_number(ctx, first, form, &rule->when_first) < 0)
		return -1;
	if (rule->when_first == 0)
		return fc__plan_fail(ctx, first, form);
	if (dots && !last.len)
		return fc__plan_fail(ctx, last,
				     "expected LAST after '..' (when=FIRST..LAST; for every call from FIRST on: when=FIRST+)");
	if (dots && when_number(ctx, last, form, &rule->when_last) < 0)
		return -1;
	if (dots && rule->when_last < rule->when_first)
		return fc__plan_fail(ctx, last, "when=FIRST..LAST needs LAST >= FIRST");
	if (plus && step.len && when_number(ctx, step, form, &rule->when_step) < 0)
		return -1;
	if (plus && step.len && rule->when_step == 0)
		return fc__plan_fail(ctx, step, form);
	if (!dots)
		rule->when_last = plus ? 0 : rule->when_first; /* FIRST+ is open-ended */
	if (!rule->when_step)
		rule->when_step = 1;
	rule->has_when = true;
	return 0;
}

KEY_PARSER(prob)
{
	static const char *form = "expected prob=P with 0 <= P <= 1 (e.g. prob=0.25 or prob=25%)";
	char buf[32];
	char *end;
	/* decimal only: strtod would also take hex floats, inf and a sign */
	if (value.len == 0 || value.len >= sizeof buf || !((value.s[0] >= '0' && value.s[0] <= '9') || value.s[0] == '.'))
		return fc__plan_fail(ctx, value, form);
	memcpy(buf, value.s, value.len);
	buf[value.len] = 0;
	if (strspn(buf, "0123456789.eE+-%") != value.len)
		return fc__plan_fail(ctx, value, form);
	errno = 0;
	double p = strtod(buf, &end);
	if (*end == '%') {
		p /= 100;
		end++;
	}
	if (*end || errno || !(p >= 0 && p <= 1))
		return fc__plan_fail(ctx, value, form);
	rule->has_prob = true;
	rule->prob_threshold = p >= 1 ? UINT64_MAX : (uint64_t)(p * 18446744073709551616.0);
	return 0;
}

KEY_PARSER(seed)
{
	uint64_t seed;
	if (parse_number(ctx, value, 0, UINT64_MAX, "expected seed=S, a whole number", &seed) < 0)
		return -1;
	rule->seed = seed;
	rule->has_seed = true;
	return 0;
}

static int copy_symbol(struct fc_parse_ctx *ctx, char *dst, struct span value, const char *what)
{
	if (value.len == 0 || value.len >= FC_SYM_MAX)
		return fc__plan_fail(ctx, value, what);
	memcpy(dst, value.s, value.len);
	dst[value.len] = 0;
	return 0;
}

/* caller=OBJECT+0xOFFSET: one call site, as the trace's `site` names it
 * (the return address less the object's load base, so the same in every
 * run whatever ASLR does).  Split at the last '+': an object's name may
 * have one of its own (libstdc++.so.6), a function's name never has. */
static int parse_site(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span value, const char *plus)
{
	static const char *form = "expected caller=OBJECT+0xOFFSET, a call site as the trace's site names it "
				  "(e.g. caller=libffd.so+0x1f3c)";
	struct span object = value, offset;
	object.len = (size_t)(plus - value.s);
	offset = (struct span){ plus + 1, value.len - object.len - 1, value.col + object.len + 1 };
	uint64_t off;
	if (object.len == 0)
		return fc__plan_fail(ctx, object, form);
	if (offset.len < 3 || offset.s[0] != '0' || offset.s[1] != 'x')
		return fc__plan_fail(ctx, offset, form);
	int status = fc__num_parse(offset.s, offset.len, &off);
	if (status != FC_NUM_OK)
		return number_fail(ctx, offset, form, status);
	if (off == 0)
		return fc__plan_fail(ctx, offset, "the offset of a call site is above 0 (a return address past a call)");
	rule->site_len = (int)object.len;
	rule->site_off = off;
	return 0;
}

KEY_PARSER(caller)
{
	if (copy_symbol(ctx, rule->caller, value,
			"expected caller=SYMBOL (a function name) or caller=OBJECT+0xOFFSET (a call site)") < 0)
		return -1;
	const char *plus = value.len ? memrchr(value.s, '+', value.len) : NULL;
	return plus ? parse_site(ctx, rule, value, plus) : 0;
}

KEY_PARSER(depth)
{
	uint64_t depth;
	if (parse_number(ctx, value, 1, FC_MAX_DEPTH, "expected depth=N, the frames above the call that caller= looks at",
			 &depth) < 0)
		return -1;
	rule->depth = (int)depth;
	return 0;
}

KEY_PARSER(lib)
{
	return copy_symbol(ctx, rule->lib, value, "expected lib=SONAME (e.g. lib=libffd.so)");
}

KEY_PARSER(proc)
{
	return parse_word(ctx, value, proc_words, NWORDS(proc_words), "", "proc=", &rule->proc);
}

KEY_PARSER(sig)
{
	char why[200], expected[320];
	/* sig=0: kill's existence probe is a call worth selecting too */
	rule->sel_sig = fc__span_is(value, "0") ? 0 : fc__signal_parse(value.s, value.len, why, sizeof why);
	if (rule->sel_sig >= 0)
		return 0;
	snprintf(expected, sizeof expected, "expected sig=SIGNAME or a number (e.g. sig=SIGCHLD): %s", why);
	return fc__plan_fail(ctx, value, expected);
}

KEY_PARSER(fd)
{
	uint64_t fd;
	if (parse_number(ctx, value, 0, 1 << 30, "expected fd=N, a file descriptor number", &fd) < 0)
		return -1;
	rule->sel_fd = (int)fd;
	return 0;
}

KEY_PARSER(nr)
{
	uint64_t nr;
	if (!ctx->named_syscall)
		return fc__plan_fail(ctx, key, "nr= goes with the call name syscall (e.g. syscall:nr=435)");
	if (parse_number(ctx, value, 0, 4095, "expected nr=N, a syscall number", &nr) < 0)
		return -1;
	return fc__plan_add_nr(ctx, rule, value, (long)nr);
}

/* via=api|syscall: the rule-level checks are plan_via.c's */
KEY_PARSER(via)
{
	rule->via_given = true;
	return parse_word(ctx, value, via_words, NWORDS(via_words), "", "via=", &rule->via);
}

const struct fc_key fc__plan_keys[FC_NKEYS] = {
#define X(name, kind, act) [FC_KEY_##name] = { #name, kind, act, parse_##name },
	FC_KEYS(X)
#undef X
};
