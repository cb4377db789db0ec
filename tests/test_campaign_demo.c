/* scripts/demo.sh with tiny campaigns (its knobs: a few hundred cycles, a
 * filtered matrix of one run per cell, no bench) into a temporary results
 * root: the folder has every file of the contract (i12-shared.md), latest
 * points at it, and a failing "fixed" library makes it exit 1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fc_test_util.h"
#include "test_campaign.h"

static const char *root;

/* demo.sh under env KNOBS (shell words) into a fresh results root. */
static int demo(struct fc_result *r, const char *knobs)
{
	char cmd[4096];
	root = fc_campaign_temp_dir("demo");
	snprintf(cmd, sizeof cmd,
		 "env BUILD='%s' DEMO_RESULTS='%s' DEMO_LEAK_CYCLES=300 DEMO_LATENCY_CHILDREN=30 DEMO_REPEAT=1 "
		 "DEMO_SWEEP_MAX_N=1 DEMO_BENCH_RUN=0 DEMO_BENCH=/nonexistent %s sh '%s/scripts/demo.sh'",
		 fc_build_path(""), root, knobs, FC_SRC_ROOT);
	char *const argv[] = { "/bin/sh", "-c", cmd, NULL };
	return fc_exec(r, argv);
}

/* The folder's files, checked by a script: what is missing, on stderr. */
static const char check_folder[] =
	"import json, os, subprocess, sys\n"
	"root = sys.argv[1]\n"
	"latest = os.path.join(root, 'latest')\n"
	"run = os.path.realpath(latest)\n"
	"missing = []\n"
	"if os.path.dirname(run) != os.path.realpath(root) or not os.path.basename(run)[:8].isdigit(): missing.append('latest -> "
	"RUN-ID')\n"
	"if [n for n in os.listdir(root) if n.startswith('.partial-')]: missing.append('no .partial- left')\n"
	"info = json.load(open(os.path.join(run, 'run.json')))\n"
	"for k in ('forkchaos', 'kind', 'command', 'plan', 'seed', 'started', 'ended', 'host', 'options', 'campaigns'):\n"
	"    if k not in info: missing.append('run.json ' + k)\n"
	"if info.get('kind') != 'demo': missing.append('kind demo')\n"
	"sweep = subprocess.run([sys.argv[2], 'sweep', '--help'], capture_output=True).returncode == 0\n"
	"want = ['matrix', 'latency', 'leak'] + (['sweep'] if sweep else [])\n"
	"if sorted(info.get('campaigns', [])) != sorted(want): missing.append('campaigns %s' % want)\n"
	"files = ['verdicts.csv', 'verdicts.jsonl', 'junit.xml', 'leak.csv', 'latency.csv', 'scenarios.csv', 'summary.txt']\n"
	"plots = ['leak', 'latency', 'replay'] + (['sweep-map'] if sweep else [])\n"
	"files += ['plots/%s.%s' % (p, x) for p in plots for x in ('png', 'svg')]\n"
	"files += ['sweeps/%s/outcomes.csv' % n for n in ('ffd_fork-generic', 'ffd_fork-pidfd', 'ffd_spawn-generic', "
	"'ffd_spawn-pidfd') if sweep]\n"
	"path = lambda f: os.path.join(run, f)\n"
	"missing += [f for f in files if not os.path.exists(path(f))]\n"
	"missing += [f + ' (empty)' for f in files if os.path.exists(path(f)) and not os.path.getsize(path(f))]\n"
	"leak = open(os.path.join(run, 'leak.csv')).read().split()\n"
	"if leak[0] != 'library,cycle,fds,children,zombies' or len(leak) != 1 + 3 * 4: missing.append('leak rows')\n"
	"if len(open(os.path.join(run, 'latency.csv')).read().split()) != 1 + 3 * 30: missing.append('latency rows')\n"
	"if os.path.exists(os.path.join(run, 'overhead.csv')): missing.append('no overhead.csv without bench data')\n"
	"sys.exit(', '.join(missing) or None)\n";

Test(demo, quick_run_writes_every_file_of_the_folder, .timeout = 180)
{
	struct fc_result r;
	cr_assert_eq(demo(&r, "DEMO_FILTER='*-leak'"), 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "make demo: ") && strstr(r.out, "  leak      fixed fds"), "the summary:\n%s", r.out);
	cr_assert(strstr(r.out, "  overhead  skipped: no /nonexistent"), "%s", r.out);
	char *const argv[] = {
		"/usr/bin/env", "python3", "-c", (char *)check_folder, (char *)root, (char *)fc_build_path("forkchaos"), NULL
	};
	cr_assert_eq(fc_exec(&r, argv), 0, "the folder lacks: %s", r.err);
}

Test(demo, fixed_library_failing_exits_1, .timeout = 180)
{
	struct fc_result r;
	char knobs[4200];
	/* a leaking build as the library under test: the leak campaign and
	 * the matrix's fork-fail-leak scenario both fail it */
	snprintf(knobs, sizeof knobs, "DEMO_FILTER='fork-fail*' DEMO_SWEEPS=0 DEMO_LIB='%s'",
		 fc_build_path("defects/libffd-fork-fail-leak.so"));
	cr_assert_eq(demo(&r, knobs), 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "demo: FAILED: leak: the fixed library's descriptors"), "%s", r.err);
	cr_assert(strstr(r.err, "demo: FAILED: matrix: the fixed library failed a scenario"), "%s", r.err);
	cr_assert(strstr(r.out, "  FAILED    "), "the summary says so:\n%s", r.out);
}
