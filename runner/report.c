/* forkchaos report DIR: the plots redrawn from DIR's CSV files
 * (scripts/plots.sh, found as the shim is: beside forkchaos' tree, or
 * $FORKCHAOS_SCRIPTS), then report.html and report.md written from DIR
 * alone; no target is run.  Both files are written beside themselves and
 * renamed into place only when both are complete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "forkchaos.h"
#include "install_path.h"
#include "opts.h"
#include "report.h"
#include "results.h"

struct report_options {
	int no_plots;
};

static const char usage[] = "usage: forkchaos report [--no-plots] DIR\n"
			    "\n"
			    "Writes DIR/report.html (one self-contained page: the verdict, the scenarios x\n"
			    "libraries table, every failure with its oracle, detail and reproduce command, the\n"
			    "sweeps' findings, the campaigns, the plots inline, the environment) and\n"
			    "DIR/report.md (the same verdict and tables in GitHub-flavoured Markdown, under\n"
			    "1 MB, for a CI job summary) from the results folder DIR alone (results/RUN-ID of\n"
			    "forkchaos check, sweep or make demo).  First redraws DIR/plots/ with\n"
			    "scripts/plots.sh (gnuplot); $FORKCHAOS_SCRIPTS names the folder that holds it.\n"
			    "\n"
			    "options:\n"
			    "  --no-plots   do not redraw the plots; show those DIR/plots/ holds\n"
			    "\n"
			    "exit codes: 0 the verdict held, 1 something failed (the library under test, a\n"
			    "defect no scenario detected, a sweep finding, a leak of the fixed library),\n"
			    "2 DIR is not a results folder (one line says what is missing) or the report\n"
			    "cannot be written.\n"
			    "\n"
			    "examples:\n"
			    "  forkchaos report results/latest\n"
			    "  cat results/latest/report.md >> \"$GITHUB_STEP_SUMMARY\"\n";

static const struct fc_opt options[] = {
	FC_OPT_ROW(struct report_options, "no-plots", 0, FC_OPT_FLAG, no_plots),
	FC_OPT_END,
};

static const struct fc_opt_spec spec = {
	.sub = "report",
	.usage = usage,
	.opts = options,
	.no_operand = "expected a results folder: forkchaos report DIR (e.g. results/latest)",
};

/* NAME in one of $PATH's folders. */
static int on_path(const char *name)
{
	const char *path = getenv("PATH");
	char candidate[PATH_MAX + 64];
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(candidate, sizeof candidate, "%.*s/%s", (int)n, n ? p : ".", name);
		if (access(candidate, X_OK) == 0)
			return 1;
		p += n + (p[n] == ':');
	}
	return 0;
}

/* plots.sh: in $FORKCHAOS_SCRIPTS, else the source tree's scripts/ (from
 * build/ or build/san/) or an installed share/forkchaos/ (install_path.h). */
static const char *find_plots(char *buf, size_t len, struct fc__report *r)
{
	const char *env = getenv("FORKCHAOS_SCRIPTS");
	char dir[PATH_MAX];
	if (env && *env) {
		snprintf(buf, len, "%s/plots.sh", env);
		if (access(buf, R_OK) == 0)
			return buf;
		fc__report_note(r, "FORKCHAOS_SCRIPTS=%s holds no plots.sh: the plots were not redrawn", env);
		return NULL;
	}
	if (fc_place_find(FC_PLACE_SCRIPTS, dir, sizeof dir)) {
		snprintf(buf, len, "%s/plots.sh", dir);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	fc__report_note(r,
			"scripts/plots.sh was not found beside forkchaos (set FORKCHAOS_SCRIPTS to its folder): the "
			"plots were not redrawn");
	return NULL;
}

/* plots.sh DIR, its output on our stderr (stdout stays the report's). */
static void draw(struct fc__report *r)
{
	char script[PATH_MAX + 64];
	int status;
	if (!on_path("gnuplot")) {
		fc__report_note(r,
				"gnuplot is not installed (apt-get install gnuplot-nox): no plots drawn; the report goes on "
				"without new ones");
		return;
	}
	if (!find_plots(script, sizeof script, r))
		return;
	char *argv[] = { "sh", script, r->dir, NULL };
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(2, 1);
		execv("/bin/sh", argv);
		_exit(127);
	}
	if (pid < 0) {
		fc__report_note(r, "cannot run %s: %s: the plots were not redrawn", script, strerror(errno));
		return;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status != 0)
		fc__report_note(r, "%s %s %d: some plots may be missing or stale", script,
				status > 0 && WIFSIGNALED(status) ? "died of signal" : "exited",
				status > 0 && WIFSIGNALED(status) ? WTERMSIG(status)
					: WIFEXITED(status)       ? WEXITSTATUS(status)
								  : -1);
}

/* Both files written to temporaries, renamed into place only when both are
 * whole: a reader never sees half a report, or one of the two stale. */
static int write_both(const struct fc__report *r)
{
	static const char *const names[2] = { "report.html", "report.md" };
	struct fc_outfile out[2];
	char path[2][PATH_MAX + 32], err[PATH_MAX + 256];
	FILE *f[2] = { NULL, NULL };
	int k = 0;
	memset(out, 0, sizeof out);
	out[0].fd = out[1].fd = -1;
	for (; k < 2; k++) {
		snprintf(path[k], sizeof path[k], "%s/%s", r->dir, names[k]);
		if (fc_outfile_claim(&out[k], path[k], err, sizeof err) < 0) {
			fprintf(stderr, "forkchaos report: %s %s\n", path[k], err);
			goto fail;
		}
		f[k] = fc_outfile_stream(&out[k]);
		if (!f[k] || fc__report_page(f[k], k, r) < 0 || fflush(f[k]) != 0 || ferror(f[k])) {
			fprintf(stderr, "forkchaos report: cannot write %s: %s\n", path[k], strerror(errno ? errno : EIO));
			k++;
			goto fail;
		}
	}
	for (k = 0; k < 2; k++) {
		FILE *done = f[k];
		f[k] = NULL;
		if (fc_outfile_commit(&out[k], done) < 0) {
			fprintf(stderr, "forkchaos report: cannot write %s: %s\n", path[k], strerror(errno));
			k++;
			goto fail;
		}
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (f[i])
			fclose(f[i]);
		fc_outfile_drop(&out[i]);
	}
	return -1;
}

int fc_cmd_report(int argc, char **argv)
{
	struct report_options o = { 0 };
	static struct fc__report r;
	char err[PATH_MAX + 512];
	int operand, rc = fc_opts_parse(&spec, argc, argv, &o, &operand);
	if (rc >= 0)
		return rc;
	if (argc - operand > 1) {
		fprintf(stderr, "forkchaos report: expected one results folder, got %d; see `forkchaos report --help`\n",
			argc - operand);
		return FC_EXIT_USAGE;
	}
	if (fc__report_load(&r, argv[operand], err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos report: ");
		fc_shown_text(stderr, err);
		fputc('\n', stderr);
		fc__report_free(&r);
		return FC_EXIT_USAGE;
	}
	if (!o.no_plots) {
		draw(&r);
		fc__report_list_plots(&r);
	}
	for (int i = 0; i < r.nnotes; i++) {
		fprintf(stderr, "forkchaos report: note: ");
		fc_shown_text(stderr, r.notes[i]);
		fputc('\n', stderr);
	}
	if (write_both(&r) < 0) {
		fc__report_free(&r);
		return FC_EXIT_USAGE;
	}
	int failed = 0;
	for (int i = 0; i < r.nfacts; i++)
		if (r.facts[i].failed && !r.facts[i].expected) {
			failed++;
			printf("FAIL  ");
			fc_shown_text(stdout, r.facts[i].text);
			putchar('\n');
		}
	printf("report: %s (%d thing%s failed): ", failed ? "FAILED" : "HELD", failed, failed == 1 ? "" : "s");
	fc_shown_text(stdout, r.dir);
	printf("/report.html, ");
	fc_shown_text(stdout, r.dir);
	printf("/report.md\n");
	fc__report_free(&r);
	return failed ? FC_EXIT_FAIL : FC_EXIT_OK;
}
