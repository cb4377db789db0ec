/* via=: where a rule catches its calls.  A rule that names syscalls only
 * (sys_NAME, syscall:nr=N) is a syscall-level rule: under `forkchaos run`
 * the seccomp supervisor (runner/seccomp.c) catches the syscall wherever
 * it is made, inside glibc and in static binaries too; the shim alone
 * catches it only when made through syscall(2).  via=api keeps a rule at
 * syscall(2); via=syscall insists on the supervisor, and is refused here
 * for what the supervisor cannot do. */
#include "plan_parse.h"

/* Every call of the rule is a syscall with a number: a syscalls.def line,
 * or the pseudo-call `syscall` with its numbers (without any, `syscall`
 * means every number made through syscall(2), not one to trap). */
static int first_entry_point(const struct fc_rule *rule)
{
	for (int id = 0; id < FC_NCALLS; id++) {
		if (!fc_rule_has_call(rule, id))
			continue;
		if (id == FC_ID_syscall ? rule->n_nrs == 0 : !(fc_calls[id].flags & FC_F_SYS))
			return id;
	}
	return -1;
}

/* What the supervisor cannot do: it answers a call before the kernel runs
 * it, and a call it lets run (SECCOMP_USER_NOTIF_FLAG_CONTINUE) returns
 * straight to the caller, so nothing can act after it; and a syscall
 * returns one value. */
static const char *beyond_the_layer(const struct fc_parse_ctx *ctx, const struct fc_rule *rule, struct span *at)
{
	if (rule->at != FC_AT_ENTER) {
		*at = ctx->items[FC_KEY_at];
		return "at=exit and at=inside cannot act at the syscall level: the supervisor answers a call before the kernel "
		       "runs it, and a call it lets run returns straight to the caller; via=api acts after calls made through "
		       "syscall(2)";
	}
	if (rule->actions & (FC_ACT_DELAY_EXIT | FC_ACT_WAIT_CHILD)) {
		*at = ctx->items[FC_KEY_delay_exit].s ? ctx->items[FC_KEY_delay_exit] : ctx->items[FC_KEY_wait_child];
		return "delay_exit= and wait_child= cannot act at the syscall level: a call the supervisor lets run returns "
		       "straight to the caller; use delay= (before the call), or via=api for calls made through syscall(2)";
	}
	if ((rule->actions & FC_ACT_ERROR) && (rule->actions & FC_ACT_RETVAL)) {
		*at = ctx->items[FC_KEY_retval];
		return "a syscall returns one value: retval=N (a negative N is -errno) or error=ERRNO, not both, at the syscall "
		       "level";
	}
	return NULL;
}

int fc__plan_settle_via(struct fc_parse_ctx *ctx, struct fc_rule *rule)
{
	char expected[320];
	struct span at;
	int entry = first_entry_point(rule);
	const char *why = beyond_the_layer(ctx, rule, &at);
	if (!rule->via_given) {
		/* what the supervisor cannot do stays where it always was: at
		 * syscall(2) (sys_close:at=exit:error=EINTR) */
		rule->via = entry < 0 && !why ? FC_VIA_SYSCALL : FC_VIA_API;
		return 0;
	}
	if (rule->via != FC_VIA_SYSCALL)
		return 0;
	if (entry >= 0) {
		if (entry == FC_ID_syscall)
			snprintf(expected, sizeof expected,
				 "via=syscall traps syscall numbers: name them (syscall:nr=N or sys_NAME), not every syscall(2)");
		else
			snprintf(expected, sizeof expected,
				 "via=syscall traps syscalls, and %s is a libc entry point: name its syscalls (sys_clone, "
				 "sys_clone3, sys_pipe2...)",
				 fc_calls[entry].name);
		return fc__plan_fail(ctx, ctx->items[FC_KEY_via], expected);
	}
	if (why)
		return fc__plan_fail(ctx, at, why);
	return 0;
}

int fc_rule_syscall_nrs(const struct fc_rule *rule, long *nrs, int max)
{
	int n = 0;
	for (int id = 0; id < FC_NCALLS && n < max; id++)
		if (id != FC_ID_syscall && fc_rule_has_call(rule, id) && (fc_calls[id].flags & FC_F_SYS))
			nrs[n++] = fc_calls[id].nr;
	for (int i = 0; i < rule->n_nrs && n < max; i++)
		nrs[n++] = rule->nrs[i];
	return n;
}

int fc_plan_needs_layer(const struct fc_plan *plan)
{
	for (int r = 0; r < plan->nrules; r++)
		if (plan->rules[r].via_given && plan->rules[r].via == FC_VIA_SYSCALL)
			return r;
	return -1;
}

int fc_plan_syscall_rules(const struct fc_plan *plan)
{
	int n = 0;
	for (int r = 0; r < plan->nrules; r++)
		n += plan->rules[r].via == FC_VIA_SYSCALL;
	return n;
}
