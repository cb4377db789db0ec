/* Whether `forkchaos run` takes the syscall layer (seccomp_layer.h). */
#include <stdio.h>
#include <stdlib.h>
#include "forkchaos.h"
#include "seccomp_layer.h"

int fc_syslayer_decide(const struct fc_plan *plan, const char *text, int *on)
{
	char why[320];
	*on = 0;
	/* ours to set: what an outer run left in the environment is not */
	unsetenv("FORKCHAOS_SYSCALL_LAYER");
	if (!plan || fc_plan_syscall_rules(plan) == 0)
		return -1;
	if (fc_syslayer_probe(why, sizeof why) == 0) {
		*on = 1;
		return -1;
	}
	int r = fc_plan_needs_layer(plan);
	if (r >= 0) {
		const struct fc_rule *rule = &plan->rules[r];
		fprintf(stderr, "forkchaos run: rule %d `%.*s` needs syscall-level injection (via=syscall): %s\n", r + 1,
			rule->text_len, text + rule->text_off, why);
		return FC_EXIT_USAGE;
	}
	fprintf(stderr,
		"forkchaos run: note: no syscall-level injection here (%s): sys_NAME and syscall:nr= rules act only on calls "
		"made through syscall(2); with via=syscall they would be refused\n",
		why);
	return -1;
}
