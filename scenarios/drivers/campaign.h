/* campaign: the driver of make demo's campaigns (campaign.c: the modes'
 * table, the options, main; campaign_leak.c; campaign_latency.c).  Each
 * mode drives libffd ($FORKCHAOS_LIB, loaded by observe.c) many times and
 * prints CSV rows on stdout, the columns of the results folder's
 * leak.csv and latency.csv (the label first). */
#ifndef FC_CAMPAIGN_H
#define FC_CAMPAIGN_H
#include "observe.h"

struct fc__campaign {
	int count;         /* cycles (leak) or children (latency) */
	int every;         /* leak: a sample every EVERY cycles; 0: none */
	int flags;         /* FFD_USE_FORK (--generic, the default) or 0 (--pidfd) */
	int spawn;         /* leak: ffd_spawn of /bin/true instead of ffd_fork */
	int header;        /* print the CSV header first */
	const char *label; /* the rows' first column */
	struct ffd_api ffd;
};

typedef int fc__campaign_fn(struct fc__campaign *c);
fc__campaign_fn fc__campaign_leak, fc__campaign_latency;
#endif
