/* The canary oracle's judge (canary_oracle.def): it fails every run it is
 * judged on, so that each scenario's line shows whether it was. */
#include "oracle_judge.h"

int fc__judge_canary(struct fc_judge *j, const struct fc_obs *obs)
{
	return fc__judge_fail(j, "the canary oracle was judged");
}
