/* The library half of tests/targets/sites: two pipe2 calls in one
 * function, which caller=sites_lib_pipes names both of; only their sites
 * (libsites.so+0xOFFSET) tell them apart. */
#include "sites.h"

void sites_lib_pipes(int ret[2], int err[2])
{
	ret[0] = pipe_once(&err[0]);
	ret[1] = pipe_once(&err[1]);
}
