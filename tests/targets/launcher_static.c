/* launcher_static: linked with -static (tests/tests.mk), so that no dynamic
 * loader runs for it and LD_PRELOAD cannot reach it: `forkchaos run`
 * refuses it under a plan or a trace (tests/test_run_inputs.c). */
#include <stdio.h>

int main(void)
{
	puts("launcher_static ran");
	return 0;
}
