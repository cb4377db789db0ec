/* The parts of a decision that do not depend on where a call was caught,
 * shared by the shim's engine (engine.c) and the launcher's seccomp
 * supervisor (runner/seccomp_decide.c), so that a rule's when= and prob=
 * choose the same calls at either level. */
#ifndef FC_MATCH_H
#define FC_MATCH_H
#include <stdint.h>
#include "plan.h"

static inline uint64_t fc_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A forked child's lineage: its parent's, and which of the parent's forks
 * (1, 2, ...) made it; an exec starts again from 0. */
static inline uint64_t fc_lineage_of_child(uint64_t parent, unsigned long fork_no)
{
	return fc_mix64(parent ^ fork_no);
}

/* prob=: a counter-based generator, a pure function of (seed, lineage, rule,
 * n), so the same seed gives the same choices in the same process lineage
 * whatever the threads and signals do between calls.  RUN_SEED is the
 * run's seed, for a rule without its own. */
static inline int fc_prob_fires(const struct fc_rule *rule, uint64_t run_seed, uint64_t lineage, int index, unsigned long n)
{
	uint64_t seed = rule->has_seed ? rule->seed : run_seed;
	uint64_t draw = fc_mix64(seed ^ fc_mix64(lineage ^ fc_mix64((uint64_t)index << 32 ^ n)));
	return rule->prob_threshold == UINT64_MAX || draw < rule->prob_threshold;
}

/* when=FIRST[..LAST][+STEP] on the rule's N-th matching call */
static inline int fc_when_fires(const struct fc_rule *rule, unsigned long n)
{
	if (n < rule->when_first)
		return 0;
	if (rule->when_last && n > rule->when_last)
		return 0;
	return (n - rule->when_first) % rule->when_step == 0;
}
#endif
