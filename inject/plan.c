/* The plan parser (grammar in design.md).  Fixed arrays, no malloc: the shim
 * runs it in its constructor inside the target.  Every error names the rule,
 * the 1-based column in the plan and what was expected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan.h"

struct span {
	const char *s;
	size_t len;
	size_t col;
};

struct parse_ctx {
	const char *text;
	struct fc_plan *plan;
	char *err;
	size_t errlen;
	int rule_no;
	struct span rule;
	int named_syscall;                                 /* the rule names the call `syscall` */
	struct span sig_item, fd_item, at_item, exit_item; /* for rule-level checks */
};

static int fail(struct parse_ctx *ctx, struct span at, const char *expected)
{
	snprintf(ctx->err, ctx->errlen, "bad plan: rule %d `%.*s`, column %zu: %s", ctx->rule_no, (int)ctx->rule.len, ctx->rule.s,
		 at.col, expected);
	return -1;
}

static struct span trim(struct span sp)
{
	while (sp.len && (sp.s[0] == ' ' || sp.s[0] == '\t' || sp.s[0] == '\n')) {
		sp.s++;
		sp.len--;
		sp.col++;
	}
	while (sp.len && (sp.s[sp.len - 1] == ' ' || sp.s[sp.len - 1] == '\t' || sp.s[sp.len - 1] == '\n'))
		sp.len--;
	return sp;
}

/* Cut *rest at the first SEP: returns the piece before it. */
static struct span cut(struct span *rest, char sep)
{
	struct span piece = *rest;
	const char *hit = memchr(rest->s, sep, rest->len);
	if (!hit) {
		rest->s += rest->len;
		rest->col += rest->len;
		rest->len = 0;
		return piece;
	}
	piece.len = (size_t)(hit - rest->s);
	rest->col += piece.len + 1;
	rest->len -= piece.len + 1;
	rest->s = hit + 1;
	return piece;
}

static bool is(struct span sp, const char *word)
{
	return strlen(word) == sp.len && memcmp(sp.s, word, sp.len) == 0;
}

static bool parse_ulong(struct span sp, unsigned long *out)
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

static bool parse_long(struct span sp, long *out)
{
	unsigned long magnitude;
	bool negative = sp.len && sp.s[0] == '-';
	if (negative) {
		sp.s++;
		sp.len--;
	}
	if (!parse_ulong(sp, &magnitude))
		return false;
	*out = negative ? -(long)magnitude : (long)magnitude;
	return true;
}

static void set_call(struct fc_rule *rule, int id)
{
	rule->calls[id / 64] |= 1ull << (id % 64);
}

bool fc_rule_has_call(const struct fc_rule *rule, int id)
{
	return rule->calls[id / 64] >> (id % 64) & 1;
}

static int add_nr(struct parse_ctx *ctx, struct fc_rule *rule, struct span at, long nr)
{
	if (rule->n_nrs == FC_MAX_NRS)
		return fail(ctx, at, "at most 8 syscall numbers in one rule");
	rule->nrs[rule->n_nrs++] = nr;
	set_call(rule, FC_ID_syscall);
	return 0;
}

static const struct {
	const char *name;
	unsigned cls;
} class_names[] = {
	{ "%proc", FC_CLASS_PROC }, { "%fd", FC_CLASS_FD },   { "%signal", FC_CLASS_SIGNAL },
	{ "%wait", FC_CLASS_WAIT }, { "%mem", FC_CLASS_MEM },
};

static int parse_call_name(struct parse_ctx *ctx, struct fc_rule *rule, struct span name)
{
	name = trim(name);
	if (name.len == 0)
		return fail(ctx, name, "expected a call name (e.g. pipe2, fork, sys_clone3, %proc)");
	if (name.s[0] == '%') {
		for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++) {
			if (!is(name, class_names[i].name))
				continue;
			for (int id = 0; id < FC_NCALLS; id++)
				if (fc_calls[id].cls & class_names[i].cls)
					set_call(rule, id);
			return 0;
		}
		return fail(ctx, name, "expected a class: %proc, %fd, %signal, %wait or %mem");
	}
	int id = fc_call_lookup(name.s, name.len);
	if (id == FC_ID_syscall)
		ctx->named_syscall = 1;
	if (id >= 0) {
		set_call(rule, id);
		return 0;
	}
	if (name.len > 4 && memcmp(name.s, "sys_", 4) == 0) {
		long nr = fc_sysname_lookup(name.s + 4, name.len - 4);
		if (nr >= 0)
			return add_nr(ctx, rule, name, nr);
		return fail(ctx, name, "unknown syscall after sys_ (use a name from <sys/syscall.h> or syscall:nr=N)");
	}
	return fail(ctx, name,
		    "unknown call; expected one of the wrapped calls (see `forkchaos --help`), sys_NAME, syscall or %class");
}

/* when=FIRST[..LAST][+STEP], also FIRST+ (every call from FIRST on). */
static int parse_when(struct parse_ctx *ctx, struct fc_rule *rule, struct span value)
{
	static const char *form =
		"expected when=FIRST[..LAST][+STEP] with FIRST >= 1 (e.g. when=3, when=2..5, when=1+2, when=4+)";
	struct span first = value, last = { 0 }, step = { 0 };
	const char *plus = memchr(value.s, '+', value.len);
	if (plus) {
		first.len = (size_t)(plus - value.s);
		step.s = plus + 1;
		step.len = value.len - first.len - 1;
		step.col = value.col + first.len + 1;
	}
	const char *dots = memchr(first.s, '.', first.len);
	if (dots) {
		if ((size_t)(dots - first.s) + 1 >= first.len || dots[1] != '.')
			return fail(ctx, value, form);
		last.s = dots + 2;
		last.len = first.len - (size_t)(dots - first.s) - 2;
		last.col = first.col + (size_t)(dots - first.s) + 2;
		first.len = (size_t)(dots - first.s);
	}
	rule->when_last = 0;
	rule->when_step = 0;
	if (!parse_ulong(first, &rule->when_first) || rule->when_first == 0)
		return fail(ctx, first, form);
	if (dots && !last.len)
		return fail(ctx, last, "expected LAST after '..' (when=FIRST..LAST; for every call from FIRST on: when=FIRST+)");
	if (dots && last.len && !parse_ulong(last, &rule->when_last))
		return fail(ctx, last, form);
	if (dots && last.len && rule->when_last < rule->when_first)
		return fail(ctx, last, "when=FIRST..LAST needs LAST >= FIRST");
	if (plus && step.len && (!parse_ulong(step, &rule->when_step) || rule->when_step == 0))
		return fail(ctx, step, form);
	if (plus && !step.len)
		rule->when_step = 1; /* FIRST+ : every call from FIRST on */
	if (!dots && !plus)
		rule->when_last = rule->when_first;
	if (plus && !dots)
		rule->when_last = 0;
	if (!rule->when_step)
		rule->when_step = 1;
	rule->has_when = true;
	return 0;
}

static int parse_prob(struct parse_ctx *ctx, struct fc_rule *rule, struct span value)
{
	char buf[32];
	char *end;
	if (value.len == 0 || value.len >= sizeof buf)
		return fail(ctx, value, "expected prob=P with 0 <= P <= 1 (e.g. prob=0.25 or prob=25%)");
	memcpy(buf, value.s, value.len);
	buf[value.len] = 0;
	errno = 0;
	double p = strtod(buf, &end);
	if (*end == '%') {
		p /= 100;
		end++;
	}
	if (*end || errno || !(p >= 0 && p <= 1))
		return fail(ctx, value, "expected prob=P with 0 <= P <= 1 (e.g. prob=0.25 or prob=25%)");
	rule->has_prob = true;
	rule->prob_threshold = p >= 1 ? UINT64_MAX : (uint64_t)(p * 18446744073709551616.0);
	return 0;
}

static int parse_signal_action(struct parse_ctx *ctx, struct fc_rule *rule, struct span value)
{
	static const char *dests[] = { "self", "thread", "process", "parent", "child" };
	struct span name = value, dest = { 0 };
	const char *at = memchr(value.s, '@', value.len);
	if (at) {
		name.len = (size_t)(at - value.s);
		dest.s = at + 1;
		dest.len = value.len - name.len - 1;
		dest.col = value.col + name.len + 1;
	}
	rule->signo = fc_signal_lookup(name.s, name.len);
	if (rule->signo < 0)
		return fail(ctx, name, "expected a signal name or number (e.g. signal=SIGCHLD or signal=SIGCHLD@process)");
	rule->sigdest = FC_DEST_SELF;
	if (at) {
		size_t i;
		for (i = 0; i < sizeof dests / sizeof dests[0]; i++)
			if (is(dest, dests[i]))
				break;
		if (i == sizeof dests / sizeof dests[0])
			return fail(ctx, dest, "expected a destination after @: self, thread, process, parent or child");
		rule->sigdest = (int)i;
	}
	rule->actions |= FC_ACT_SIGNAL;
	return 0;
}

static int copy_symbol(struct parse_ctx *ctx, char *dst, struct span value, const char *what)
{
	if (value.len == 0 || value.len >= FC_SYM_MAX)
		return fail(ctx, value, what);
	memcpy(dst, value.s, value.len);
	dst[value.len] = 0;
	return 0;
}

static void note_action(struct fc_rule *rule, struct span item)
{
	size_t used = strlen(rule->action_text);
	if (used + item.len + 2 >= sizeof rule->action_text)
		return;
	if (used)
		rule->action_text[used++] = ':';
	memcpy(rule->action_text + used, item.s, item.len);
	rule->action_text[used + item.len] = 0;
}

static int parse_item(struct parse_ctx *ctx, struct fc_rule *rule, struct span item)
{
	item = trim(item);
	const char *eq = memchr(item.s, '=', item.len);
	if (!eq)
		return fail(ctx, item,
			    "expected KEY=VALUE (an action: error= retval= delay= delay_exit= wait_child= signal= at=; or a "
			    "selector: when= prob= seed= caller= depth= lib= proc= sig= fd= nr=)");
	struct span key = { item.s, (size_t)(eq - item.s), item.col };
	struct span value = { eq + 1, item.len - key.len - 1, item.col + key.len + 1 };
	long num;
	unsigned long unum;

	if (is(key, "error")) {
		rule->error = fc_errno_lookup(value.s, value.len);
		if (rule->error < 0)
			return fail(ctx, value, "expected an errno name or number (e.g. error=EAGAIN)");
		rule->actions |= FC_ACT_ERROR;
	} else if (is(key, "retval")) {
		if (!parse_long(value, &rule->retval))
			return fail(ctx, value, "expected retval=N, a whole number");
		rule->actions |= FC_ACT_RETVAL;
	} else if (is(key, "delay") || is(key, "delay_exit")) {
		uint64_t *slot = is(key, "delay") ? &rule->delay_ns : &rule->delay_exit_ns;
		if (fc_duration_parse(value.s, value.len, slot) < 0)
			return fail(ctx, value,
				    "expected a duration up to 24h: a whole number with ns, us, ms or s (e.g. delay=50ms)");
		if (is(key, "delay_exit"))
			ctx->exit_item = item;
		rule->actions |= is(key, "delay") ? FC_ACT_DELAY : FC_ACT_DELAY_EXIT;
	} else if (is(key, "wait_child")) {
		if (fc_duration_parse(value.s, value.len, &rule->wait_child_ns) < 0 || !rule->wait_child_ns)
			return fail(ctx, value,
				    "expected wait_child=DUR, the longest to wait for the child to die (e.g. wait_child=5s)");
		rule->actions |= FC_ACT_WAIT_CHILD;
		ctx->exit_item = item;
	} else if (is(key, "signal")) {
		if (parse_signal_action(ctx, rule, value) < 0)
			return -1;
	} else if (is(key, "at")) {
		if (is(value, "enter"))
			rule->at = FC_AT_ENTER;
		else if (is(value, "inside"))
			rule->at = FC_AT_INSIDE;
		else if (is(value, "exit"))
			rule->at = FC_AT_EXIT;
		else
			return fail(ctx, value, "expected at=enter, at=inside or at=exit");
		ctx->at_item = item;
		note_action(rule, item);
		return 0;
	} else if (is(key, "when")) {
		return parse_when(ctx, rule, value);
	} else if (is(key, "prob")) {
		return parse_prob(ctx, rule, value);
	} else if (is(key, "seed")) {
		if (!parse_ulong(value, &unum))
			return fail(ctx, value, "expected seed=S, a whole number");
		rule->seed = unum;
		rule->has_seed = true;
		return 0;
	} else if (is(key, "caller")) {
		return copy_symbol(ctx, rule->caller, value, "expected caller=SYMBOL, a function name");
	} else if (is(key, "depth")) {
		if (!parse_ulong(value, &unum) || unum < 1 || unum > 32)
			return fail(ctx, value,
				    "expected depth=N with 1 <= N <= 32 (frames above the call that caller= looks at)");
		rule->depth = (int)unum;
		return 0;
	} else if (is(key, "lib")) {
		return copy_symbol(ctx, rule->lib, value, "expected lib=SONAME (e.g. lib=libffd.so)");
	} else if (is(key, "proc")) {
		if (is(value, "parent"))
			rule->proc = FC_PROC_PARENT;
		else if (is(value, "child"))
			rule->proc = FC_PROC_CHILD;
		else if (is(value, "any"))
			rule->proc = FC_PROC_ANY;
		else
			return fail(ctx, value, "expected proc=parent, proc=child or proc=any");
		return 0;
	} else if (is(key, "sig")) {
		/* sig=0: kill's existence probe is a call worth selecting too */
		rule->sel_sig = is(value, "0") ? 0 : fc_signal_lookup(value.s, value.len);
		if (rule->sel_sig < 0)
			return fail(ctx, value, "expected sig=SIGNAME or a number (e.g. sig=SIGCHLD)");
		ctx->sig_item = item;
		return 0;
	} else if (is(key, "fd")) {
		if (!parse_long(value, &num) || num < 0 || num > 1 << 30)
			return fail(ctx, value, "expected fd=N, a file descriptor number");
		rule->sel_fd = (int)num;
		ctx->fd_item = item;
		return 0;
	} else if (is(key, "nr")) {
		if (!ctx->named_syscall)
			return fail(ctx, key, "nr= goes with the call name syscall (e.g. syscall:nr=435)");
		if (!parse_long(value, &num) || num < 0 || num > 4095)
			return fail(ctx, value, "expected nr=N, a syscall number");
		return add_nr(ctx, rule, value, num);
	} else {
		return fail(ctx, key,
			    "unknown key; expected error= retval= delay= delay_exit= wait_child= signal= at= when= prob= seed= "
			    "caller= depth= lib= proc= sig= fd= nr=");
	}
	note_action(rule, item);
	return 0;
}

/* Selectors and actions that none of the rule's calls can honour would
 * never fire: refuse them rather than run a plan that means nothing. */
static int check_rule_fits(struct parse_ctx *ctx, const struct fc_rule *rule)
{
	int takes_sig = 0, takes_fd = 0, has_inside = 0, only_vfork = 1;
	for (int id = 0; id < FC_NCALLS; id++) {
		if (!fc_rule_has_call(rule, id))
			continue;
		takes_sig |= fc_calls[id].takes_sig;
		takes_fd |= fc_calls[id].takes_fd;
		has_inside |= fc_calls[id].how == FC_HOW_INSIDE;
		only_vfork &= id == FC_ID_vfork;
	}
	if (rule->sel_sig >= 0 && !takes_sig)
		return fail(ctx, ctx->sig_item,
			    "sig= compares a signal argument, and none of these calls has one (sigaction, signal, kill, raise, "
			    "sys_kill, sys_tgkill, sys_pidfd_send_signal do)");
	if (rule->sel_fd >= 0 && !takes_fd)
		return fail(ctx, ctx->fd_item,
			    "fd= compares a descriptor argument, and none of these calls has one (read, write, close, fcntl, "
			    "dup, dup2, dup3, close_range, sys_close... do)");
	if (rule->at == FC_AT_INSIDE && !has_inside)
		return fail(ctx, ctx->at_item,
			    "at=inside needs a call with an output to hold back: sigaction, sigprocmask, pthread_sigmask, pipe "
			    "or pipe2");
	if (only_vfork && rule->at != FC_AT_ENTER)
		return fail(ctx, ctx->at_item, "vfork acts only at enter (its child runs on the caller's stack until it execs)");
	if (only_vfork && (rule->actions & (FC_ACT_DELAY_EXIT | FC_ACT_WAIT_CHILD)))
		return fail(ctx, ctx->exit_item,
			    "vfork acts only at enter: use delay= (its child runs on the caller's stack until it execs)");
	return 0;
}

static int parse_rule(struct parse_ctx *ctx, struct span text)
{
	struct fc_rule *rule = &ctx->plan->rules[ctx->plan->nrules];
	memset(rule, 0, sizeof *rule);
	ctx->named_syscall = 0;
	rule->sel_sig = rule->sel_fd = -1;
	rule->depth = 1;
	rule->text_off = (int)(text.s - ctx->text);
	rule->text_len = (int)text.len;

	const char *colon = memchr(text.s, ':', text.len);
	struct span rest = text;
	struct span name_list = cut(&rest, ':');
	do {
		if (parse_call_name(ctx, rule, cut(&name_list, ',')) < 0)
			return -1;
	} while (name_list.len);
	if (!colon)
		return fail(
			ctx, (struct span){ text.s, 0, text.col + text.len },
			"expected ':' and at least one action or selector after the call names (e.g. pipe2:when=3:error=EMFILE)");
	for (;;) {
		bool more = memchr(rest.s, ':', rest.len) != NULL;
		if (parse_item(ctx, rule, cut(&rest, ':')) < 0)
			return -1;
		if (!more)
			break;
	}
	if (check_rule_fits(ctx, rule) < 0)
		return -1;
	if (rule->has_prob && !rule->has_seed)
		ctx->plan->uses_prob_without_seed = true;
	if (rule->caller[0] == 0 && rule->depth != 1)
		return fail(ctx, text, "depth= goes with caller=SYMBOL");
	return 0;
}

int fc_plan_parse(const char *text, struct fc_plan *plan, char *err, size_t errlen)
{
	struct parse_ctx ctx = { .text = text, .plan = plan, .err = err, .errlen = errlen };
	memset(plan, 0, sizeof *plan);
	if (err && errlen)
		err[0] = 0;
	size_t len = strlen(text);
	if (len >= FC_PLAN_MAX) {
		snprintf(err, errlen, "bad plan: %zu characters, at most %d", len, FC_PLAN_MAX - 1);
		return -1;
	}
	struct span rest = { text, len, 1 };
	while (rest.len) {
		struct span rule_text = trim(cut(&rest, ';'));
		if (rule_text.len == 0 && trim(rest).len == 0)
			break; /* a trailing ';' */
		if (rule_text.len == 0) {
			ctx.rule_no = plan->nrules + 1;
			ctx.rule = rule_text;
			fail(&ctx, rule_text, "expected a rule between the two ';' (CALLS:ITEM...)");
			return -1;
		}
		ctx.rule_no = plan->nrules + 1;
		ctx.rule = rule_text;
		if (plan->nrules == FC_MAX_RULES) {
			fail(&ctx, rule_text, "too many rules (at most 32)");
			return -1;
		}
		if (parse_rule(&ctx, rule_text) < 0)
			return -1;
		plan->nrules++;
	}
	return 0;
}

/* An errno the call does not document: allowed (error injection is about the
 * unexpected) but worth a word, since the target may never see it for real. */
int fc_plan_warn(const struct fc_plan *plan, const char *text, int fd)
{
	int warnings = 0;
	for (int r = 0; r < plan->nrules; r++) {
		const struct fc_rule *rule = &plan->rules[r];
		if (!(rule->actions & FC_ACT_ERROR))
			continue;
		const char *ename = strerrorname_np(rule->error);
		for (int id = 0; id < FC_NCALLS; id++) {
			if (!fc_rule_has_call(rule, id) || !fc_calls[id].errnos[0] || !ename)
				continue;
			const char *hit = strstr(fc_calls[id].errnos, ename);
			size_t n = strlen(ename);
			if (hit && (hit[n] == 0 || hit[n] == ' '))
				continue;
			dprintf(fd, "forkchaos: warning: rule %d `%.*s`: %s does not document %s (it documents %s)\n", r + 1,
				rule->text_len, text + rule->text_off, fc_calls[id].name, ename, fc_calls[id].errnos);
			warnings++;
		}
	}
	return warnings;
}
