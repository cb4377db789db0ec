/* The plan parser (grammar in design.md).  Fixed arrays, no malloc: the shim
 * runs it in its constructor inside the target.  Every error names the rule,
 * the 1-based column in the plan and what was expected; the lists in the
 * messages come from the tables they name (keys, classes, calls). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan_parse.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Blanks may stand around the separators (';' ':' ',' '='): trimmed. */
static struct span trim(struct span sp)
{
	while (sp.len && is_blank(sp.s[0])) {
		sp.s++;
		sp.len--;
		sp.col++;
	}
	while (sp.len && is_blank(sp.s[sp.len - 1]))
		sp.len--;
	return sp;
}

/* Anywhere else a blank is refused: `error=E MFILE` is a typo, not EMFILE,
 * and a value with a blank inside would show split in the messages. */
static int refuse_inner_blank(struct fc_parse_ctx *ctx, struct span sp)
{
	for (size_t i = 0; i < sp.len; i++)
		if (is_blank(sp.s[i]))
			return fc__plan_fail(
				ctx, (struct span){ sp.s + i, 1, sp.col + i },
				"a blank inside a name or value; blanks may stand only around ':', ';', ',' and '='");
	return 0;
}

/* A plan is one line of printable text: a line break or other control byte
 * in it is refused (and shown escaped in the message). */
static int refuse_control(struct fc_parse_ctx *ctx, struct span rule)
{
	for (size_t i = 0; i < rule.len; i++) {
		unsigned char c = (unsigned char)rule.s[i];
		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		struct span at = { rule.s + i, 1, rule.col + i };
		if (c == '\n' || c == '\r')
			return fc__plan_fail(ctx, at,
					     "a line break inside the plan; separate rules with ';' (or put one rule per line in "
					     "a --plan-file)");
		return fc__plan_fail(ctx, at, "a control byte (shown escaped); a plan is printable text");
	}
	return 0;
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

/* ---- call names ---- */

static void set_call(struct fc_rule *rule, int id)
{
	rule->calls[id / 64] |= 1ull << (id % 64);
}

bool fc_rule_has_call(const struct fc_rule *rule, int id)
{
	return rule->calls[id / 64] >> (id % 64) & 1;
}

static int parse_class(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span name)
{
	char expected[128] = "expected a class: ";
	for (size_t k = 0; k < FC_NCLASSES; k++) {
		if (!fc__span_is(name, fc_classes[k].name))
			continue;
		for (int id = 0; id < FC_NCALLS; id++)
			if (fc_calls[id].cls & fc_classes[k].cls)
				set_call(rule, id);
		return 0;
	}
	for (size_t k = 0; k < FC_NCLASSES; k++)
		fc__list_add(expected, sizeof expected, k, FC_NCLASSES, "", fc_classes[k].name);
	return fc__plan_fail(ctx, name, expected);
}

static int parse_call_name(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span name)
{
	name = trim(name);
	if (name.len == 0)
		return fc__plan_fail(ctx, name, "expected a call name (e.g. pipe2, fork, sys_clone3, %proc)");
	if (refuse_inner_blank(ctx, name) < 0)
		return -1;
	if (name.s[0] == '%')
		return parse_class(ctx, rule, name);
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
			return fc__plan_add_nr(ctx, rule, name, nr);
		return fc__plan_fail(ctx, name, "unknown syscall after sys_ (use a name from <sys/syscall.h> or syscall:nr=N)");
	}
	return fc__plan_fail(
		ctx, name,
		"unknown call; expected one of the wrapped calls (see `forkchaos calls`), sys_NAME, syscall or %class");
}

/* ---- items: KEY=VALUE, dispatched through the key table ---- */

/* KEY=VALUE onto the rule's action text (the trace's "injected"), as given
 * less the blanks.  FC_ACTION_TEXT_MAX holds every action of a rule; should
 * one ever not fit, the text ends with "..." and takes no later item (a
 * later item shown without the one before it would tell a different story). */
static void note_action(struct fc_rule *rule, struct span key, struct span value)
{
	char *text = rule->action_text;
	size_t used = strlen(text), need = (used ? 1 : 0) + key.len + 1 + value.len;
	if (used >= 3 && memcmp(text + used - 3, "...", 3) == 0)
		return;
	if (used + need >= sizeof rule->action_text) {
		if (used + 5 <= sizeof rule->action_text)
			memcpy(text + used, used ? ":..." : "...", used ? 5 : 4);
		else
			memcpy(text + sizeof rule->action_text - 4, "...", 4);
		return;
	}
	snprintf(text + used, sizeof rule->action_text - used, "%s%.*s=%.*s", used ? ":" : "", (int)key.len, key.s,
		 (int)value.len, value.s);
}

/* Appends "error= retval= ..." to BUF: the keys that are actions (ACTIONS
 * 1), selectors (0) or all (-1). */
static void list_keys(char *buf, size_t len, int actions)
{
	const char *sep = "";
	for (int k = 0; k < FC_NKEYS; k++) {
		if (actions >= 0 && (int)(fc__plan_keys[k].kind & FC_ACTION) != actions)
			continue;
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s=", sep, fc__plan_keys[k].name);
		sep = " ";
	}
}

static int parse_item(struct fc_parse_ctx *ctx, struct fc_rule *rule, struct span item)
{
	char expected[320];
	item = trim(item);
	const char *eq = memchr(item.s, '=', item.len);
	if (!eq) {
		snprintf(expected, sizeof expected, "expected KEY=VALUE (an action: ");
		list_keys(expected, sizeof expected, FC_ACTION);
		strncat(expected, "; or a selector: ", sizeof expected - strlen(expected) - 1);
		list_keys(expected, sizeof expected, FC_SELECTOR);
		strncat(expected, ")", sizeof expected - strlen(expected) - 1);
		return fc__plan_fail(ctx, item, expected);
	}
	struct span key = trim((struct span){ item.s, (size_t)(eq - item.s), item.col });
	struct span value = trim(
		(struct span){ eq + 1, item.len - (size_t)(eq - item.s) - 1, item.col + (size_t)(eq - item.s) + 1 });
	if (refuse_inner_blank(ctx, key) < 0 || refuse_inner_blank(ctx, value) < 0)
		return -1;
	int k = 0;
	while (k < FC_NKEYS && !fc__span_is(key, fc__plan_keys[k].name))
		k++;
	if (k == FC_NKEYS) {
		snprintf(expected, sizeof expected, "unknown key; expected ");
		list_keys(expected, sizeof expected, -1);
		return fc__plan_fail(ctx, key, expected);
	}
	const struct fc_key *def = &fc__plan_keys[k];
	if (ctx->items[k].s && !(def->kind & FC_REPEATS)) {
		snprintf(expected, sizeof expected, "expected %s= once in a rule (it is given at column %zu already)", def->name,
			 ctx->items[k].col);
		return fc__plan_fail(ctx, key, expected);
	}
	if (def->parse(ctx, rule, key, value) < 0)
		return -1;
	ctx->items[k] = item;
	rule->actions |= def->act;
	if (def->kind & FC_ACTION)
		note_action(rule, key, value);
	return 0;
}

/* ---- rule-level checks ---- */

/* "a, b or c": the calls with FLAG, the first 8 of them, for a message. */
static const char *calls_with(unsigned flag, char *buf, size_t len)
{
	size_t n = 0, shown = 0;
	for (int id = 0; id < FC_NCALLS; id++)
		n += (fc_calls[id].flags & flag) != 0;
	buf[0] = 0;
	for (int id = 0; id < FC_NCALLS && shown < 8; id++)
		if (fc_calls[id].flags & flag)
			fc__list_add(buf, len, shown++, n, "", fc_calls[id].name);
	if (shown < n)
		strncat(buf, "...", len - strlen(buf) - 1);
	return buf;
}

/* Selectors and actions that none of the rule's calls can honour would
 * never fire: refuse them rather than run a plan that means nothing. */
static int check_rule_fits(struct fc_parse_ctx *ctx, const struct fc_rule *rule)
{
	char calls[160], expected[320];
	unsigned any = 0, all = ~0u;
	int first = -1;
	for (int id = 0; id < FC_NCALLS; id++) {
		if (!fc_rule_has_call(rule, id))
			continue;
		any |= fc_calls[id].flags;
		all &= fc_calls[id].flags;
		first = first < 0 ? id : first;
	}
	if (rule->sel_sig >= 0 && !(any & FC_F_SIG_ARG)) {
		snprintf(expected, sizeof expected, "sig= compares a signal argument, and none of these calls has one (%s do)",
			 calls_with(FC_F_SIG_ARG, calls, sizeof calls));
		return fc__plan_fail(ctx, ctx->items[FC_KEY_sig], expected);
	}
	if (rule->sel_fd >= 0 && !(any & FC_F_FD_ARG)) {
		snprintf(expected, sizeof expected, "fd= compares a descriptor argument, and none of these calls has one (%s do)",
			 calls_with(FC_F_FD_ARG, calls, sizeof calls));
		return fc__plan_fail(ctx, ctx->items[FC_KEY_fd], expected);
	}
	/* oldact= rewrites sigaction's output (a query's, or an install's) */
	if ((rule->actions & FC_ACT_OLDACT) && !fc_rule_has_call(rule, FC_ID_sigaction))
		return fc__plan_fail(ctx, ctx->items[FC_KEY_oldact],
				     "oldact= rewrites the prior disposition sigaction reports: the rule must name sigaction");
	if (rule->at == FC_AT_INSIDE && !(any & FC_F_INSIDE)) {
		snprintf(expected, sizeof expected, "at=inside needs a call with an output to hold back: %s",
			 calls_with(FC_F_INSIDE, calls, sizeof calls));
		return fc__plan_fail(ctx, ctx->items[FC_KEY_at], expected);
	}
	if (!(all & FC_F_ENTER_ONLY))
		return 0;
	/* every call of the rule acts at enter only (vfork: its child runs on
	 * the caller's stack until it execs) */
	if (rule->at != FC_AT_ENTER) {
		snprintf(expected, sizeof expected, "%s acts only at enter (its child runs on the caller's stack until it execs)",
			 fc_calls[first].name);
		return fc__plan_fail(ctx, ctx->items[FC_KEY_at], expected);
	}
	if (rule->actions & (FC_ACT_DELAY_EXIT | FC_ACT_WAIT_CHILD)) {
		snprintf(expected, sizeof expected,
			 "%s acts only at enter: use delay= (its child runs on the caller's stack until it execs)",
			 fc_calls[first].name);
		return fc__plan_fail(
			ctx, ctx->items[FC_KEY_delay_exit].s ? ctx->items[FC_KEY_delay_exit] : ctx->items[FC_KEY_wait_child],
			expected);
	}
	return 0;
}

static int parse_rule(struct fc_parse_ctx *ctx, struct span text)
{
	struct fc_rule *rule = &ctx->plan->rules[ctx->plan->nrules];
	memset(rule, 0, sizeof *rule);
	memset(ctx->items, 0, sizeof ctx->items);
	ctx->named_syscall = 0;
	rule->sel_sig = rule->sel_fd = -1;
	rule->depth = 1;
	rule->text_off = (int)(text.s - ctx->text);
	rule->text_len = (int)text.len;
	if (refuse_control(ctx, text) < 0)
		return -1;

	const char *colon = memchr(text.s, ':', text.len);
	struct span rest = text;
	struct span name_list = cut(&rest, ':');
	do {
		if (parse_call_name(ctx, rule, cut(&name_list, ',')) < 0)
			return -1;
	} while (name_list.len);
	if (!colon)
		return fc__plan_fail(
			ctx, (struct span){ text.s, 0, text.col + text.len },
			"expected ':' and at least one action or selector after the call names (e.g. pipe2:when=3:error=EMFILE)");
	for (;;) {
		bool more = memchr(rest.s, ':', rest.len) != NULL;
		if (parse_item(ctx, rule, cut(&rest, ':')) < 0)
			return -1;
		if (!more)
			break;
	}
	if (check_rule_fits(ctx, rule) < 0 || fc__plan_settle_via(ctx, rule) < 0)
		return -1;
	if (rule->has_prob && !rule->has_seed)
		ctx->plan->uses_prob_without_seed = true;
	if (rule->caller[0] == 0 && rule->depth != 1)
		return fc__plan_fail(ctx, ctx->items[FC_KEY_depth], "depth= goes with caller= (SYMBOL or OBJECT+0xOFFSET)");
	return 0;
}

/* Line breaks at either end of the whole plan are let go (FORKCHAOS_PLAN=
 * "$(cat file)" and the like); inside it they are refused (refuse_control). */
static struct span trim_plan(struct span sp)
{
	while (sp.len && (is_blank(sp.s[0]) || sp.s[0] == '\n' || sp.s[0] == '\r')) {
		sp.s++;
		sp.len--;
		sp.col++;
	}
	while (sp.len && (is_blank(sp.s[sp.len - 1]) || sp.s[sp.len - 1] == '\n' || sp.s[sp.len - 1] == '\r'))
		sp.len--;
	return sp;
}

int fc__plan_parse_src(const char *text, struct fc_plan *plan, char *err, size_t errlen, const struct fc_plan_src *src)
{
	struct fc_parse_ctx ctx = { .text = text, .plan = plan, .err = err, .errlen = errlen, .src = src };
	char expected[64];
	memset(plan, 0, sizeof *plan);
	if (err && errlen)
		err[0] = 0;
	size_t len = strlen(text);
	if (len >= FC_PLAN_MAX) {
		snprintf(err, errlen,
			 "bad plan: %zu bytes, longer than the shim holds (at most %d bytes, FC_PLAN_MAX): use fewer "
			 "rules, or name calls by %%class",
			 len, FC_PLAN_MAX - 1);
		return -1;
	}
	struct span rest = trim_plan((struct span){ text, len, 1 });
	while (rest.len) {
		struct span rule_text = trim(cut(&rest, ';'));
		if (rule_text.len == 0 && trim(rest).len == 0)
			break; /* a trailing ';' */
		ctx.rule_no = plan->nrules + 1;
		ctx.rule = rule_text;
		if (rule_text.len == 0)
			return fc__plan_fail(&ctx, rule_text, "expected a rule between the two ';' (CALLS:ITEM...)");
		if (plan->nrules == FC_MAX_RULES) {
			snprintf(expected, sizeof expected, "too many rules (at most %d)", FC_MAX_RULES);
			return fc__plan_fail(&ctx, rule_text, expected);
		}
		if (parse_rule(&ctx, rule_text) < 0)
			return -1;
		plan->nrules++;
	}
	return 0;
}

int fc_plan_parse(const char *text, struct fc_plan *plan, char *err, size_t errlen)
{
	return fc__plan_parse_src(text, plan, err, errlen, NULL);
}

/* An errno the call does not document: allowed (error injection is about the
 * unexpected) but worth a word, since the target may never see it for real. */
/* An injection that defeats itself: error= at enter skips the real call,
 * and for a call that closes its descriptor (CLOSES: close, sys_close)
 * EINTR then means the descriptor stays open: forkchaos
 * itself would leak it, where Linux's close fails with EINTR only after
 * closing. */
static int warn_self_defeating(const struct fc_rule *rule, int r, const char *text, int fd)
{
	if (rule->at != FC_AT_ENTER || rule->error != EINTR || (rule->actions & FC_ACT_RETVAL))
		return 0;
	for (int id = 0; id < FC_NCALLS; id++) {
		unsigned flags = fc_calls[id].flags;
		if (!fc_rule_has_call(rule, id) || !(flags & FC_F_CLOSES))
			continue;
		dprintf(fd,
			"forkchaos: warning: rule %d `%.*s`: error=EINTR at enter skips the real %s, so the descriptor stays "
			"open "
			"(forkchaos leaks it, not the program); Linux's close fails with EINTR after closing it: "
			"%s:at=exit:error=EINTR does that\n",
			r + 1, rule->text_len, text + rule->text_off, fc_calls[id].name, fc_calls[id].name);
		return 1;
	}
	return 0;
}

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
		warnings += warn_self_defeating(rule, r, text, fd);
	}
	return warnings;
}

/* ---- a list of calls outside a plan (--trace-calls) ---- */

int fc_call_set_parse(const char *text, uint64_t *set, char *err, size_t errlen)
{
	memset(set, 0, sizeof(uint64_t) * FC_CALL_WORDS);
	for (const char *item = text; *item;) {
		size_t len = strcspn(item, ",");
		int found = 0;
		for (size_t k = 0; k < FC_NCLASSES && !found; k++) {
			if (strlen(fc_classes[k].name) != len || memcmp(item, fc_classes[k].name, len))
				continue;
			for (int id = 0; id < FC_NCALLS; id++)
				if (fc_calls[id].cls & fc_classes[k].cls)
					set[id / 64] |= 1ull << (id % 64);
			found = 1;
		}
		int id = found ? -1 : fc_call_lookup(item, len);
		if (id >= 0) {
			set[id / 64] |= 1ull << (id % 64);
			found = 1;
		}
		if (!found) {
			if (err)
				snprintf(err, errlen,
					 "unknown call '%.*s'; expected calls from `forkchaos calls` or a %%class, "
					 "comma-separated",
					 (int)len, item);
			return -1;
		}
		item += len;
		if (*item == ',')
			item++;
	}
	return 0;
}
