/* What the campaign tests share (tests/test_campaign*.c): the source tree
 * (FC_SRC_ROOT, from scenarios.mk) and a temporary folder removed, with
 * everything in it, when the test process exits. */
#ifndef FC_TEST_CAMPAIGN_H
#define FC_TEST_CAMPAIGN_H
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef FC_SRC_ROOT
#define FC_SRC_ROOT "."
#endif

static char fc_campaign_dir[64];

static int fc_campaign_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void fc_campaign_cleanup(void)
{
	if (fc_campaign_dir[0])
		nftw(fc_campaign_dir, fc_campaign_remove, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder /tmp/forkchaos-TAG-XXXXXX (one per test process). */
static inline const char *fc_campaign_temp_dir(const char *tag)
{
	snprintf(fc_campaign_dir, sizeof fc_campaign_dir, "/tmp/forkchaos-%s-XXXXXX", tag);
	cr_assert(mkdtemp(fc_campaign_dir), "mkdtemp");
	atexit(fc_campaign_cleanup);
	return fc_campaign_dir;
}
#endif
