/* Reports of forkchaos check: JUnit XML, TAP, the baseline file, and the
 * defect x scenario mutation matrix. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"

/* XML 1.0's characters: the markup ones as entities, tab and line breaks
 * as references (an attribute keeps them so), every byte or character
 * XML cannot hold as the text \xNN, so that the file always parses. */
static const char *xml_escape(uint32_t cp, char buf[16])
{
	static const char *const named[128] = {
		['&'] = "&amp;",   ['<'] = "&lt;",  ['>'] = "&gt;",   ['"'] = "&quot;",
		['\''] = "&apos;", ['\t'] = "&#9;", ['\n'] = "&#10;", ['\r'] = "&#13;",
	};
	if (cp < 128 && named[cp])
		return named[cp];
	if (cp >= FC_RAW_BYTE || cp < 0x20)
		snprintf(buf, 16, "\\x%02x", (unsigned)(cp >= FC_RAW_BYTE ? cp - FC_RAW_BYTE : cp));
	else if (cp == 0xfffe || cp == 0xffff)
		snprintf(buf, 16, "\\u%04x", (unsigned)cp);
	else
		return NULL;
	return buf;
}

static void xml_escaped(FILE *out, const char *text)
{
	fc_text_write(out, text, xml_escape);
}

static const char *oracle_of(const struct fc_result *r)
{
	return r->verdict.oracle >= 0 ? fc_oracle_name(r->verdict.oracle) : "unknown";
}

void fc_write_junit(FILE *out, const struct fc_check *c, const struct fc_result *res, int n)
{
	char repro[8192];
	int failures = 0, errors = 0, skipped = 0;
	double total = 0;
	for (int i = 0; i < n; i++) {
		failures += res[i].state == FC_FAIL || res[i].state == FC_XPASS;
		errors += res[i].state == FC_ERROR;
		skipped += res[i].state == FC_XFAIL || res[i].state == FC_NOT_RUN;
		total += res[i].seconds;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out, "<testsuites name=\"forkchaos\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		n, failures, errors, skipped, total);
	fprintf(out,
		"  <testsuite name=\"forkchaos.scenarios\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
		"time=\"%.3f\">\n",
		n, failures, errors, skipped, total);
	fprintf(out, "    <properties><property name=\"lib\" value=\"");
	xml_escaped(out, c->libs[0]);
	fprintf(out, "\"/><property name=\"seed\" value=\"%s\"/></properties>\n", c->opt.seed);
	for (int i = 0; i < n; i++) {
		const struct fc_result *r = &res[i];
		const struct fc_scenario *s = &c->scenarios[r->scenario];
		fprintf(out, "    <testcase classname=\"scenarios\" name=\"");
		xml_escaped(out, s->name);
		fprintf(out, "\" file=\"");
		xml_escaped(out, s->path);
		fprintf(out, "\" time=\"%.3f\"", r->seconds);
		if (r->state == FC_PASS) {
			fprintf(out, "/>\n");
			continue;
		}
		fprintf(out, ">\n");
		fc_check_repro(c, s, c->libs[r->lib], r->verdict.oracle, repro, sizeof repro);
		if (r->state == FC_XFAIL || r->state == FC_NOT_RUN) {
			fprintf(out, "      <skipped message=\"");
			xml_escaped(out, r->state == FC_XFAIL ? s->xfail_reason : "not run: interrupted");
			fprintf(out, "\"/>\n");
		} else {
			const char *tag = r->state == FC_ERROR ? "error" : "failure";
			char message[sizeof r->verdict.detail + 256];
			if (r->state == FC_XPASS)
				snprintf(message, sizeof message, "XPASS: expected to fail (%s) but passed", s->xfail_reason);
			else {
				char others[256];
				fc_verdict_others(&r->verdict, others, sizeof others);
				snprintf(message, sizeof message, "%s: %s (%d/%d runs failed%s%s)", oracle_of(r),
					 r->verdict.detail, r->failed_runs, r->runs, others[0] ? "; also failed: " : "", others);
			}
			fprintf(out, "      <%s type=\"%s\" message=\"", tag, r->state == FC_XPASS ? "xpass" : oracle_of(r));
			xml_escaped(out, message);
			fprintf(out, "\">");
			xml_escaped(out, "reproduce: ");
			xml_escaped(out, repro);
			fprintf(out, "</%s>\n", tag);
		}
		fprintf(out, "    </testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
}

void fc_write_tap(FILE *out, const struct fc_check *c, const struct fc_result *res, int n)
{
	fprintf(out, "TAP version 13\n1..%d\n", n);
	for (int i = 0; i < n; i++) {
		const struct fc_result *r = &res[i];
		const struct fc_scenario *s = &c->scenarios[r->scenario];
		switch (r->state) {
		case FC_PASS: fprintf(out, "ok %d - %s\n", i + 1, s->name); break;
		case FC_XFAIL: fprintf(out, "not ok %d - %s # TODO %s\n", i + 1, s->name, s->xfail_reason); break;
		case FC_XPASS:
			/* not "ok # TODO": TAP readers count that as a pass, and an
			 * unexpected pass fails the run */
			fprintf(out, "not ok %d - %s (XPASS: expected to fail: %s)\n", i + 1, s->name, s->xfail_reason);
			break;
		case FC_NOT_RUN: fprintf(out, "ok %d - %s # SKIP not run: interrupted\n", i + 1, s->name); break;
		default:
			fprintf(out, "not ok %d - %s\n", i + 1, s->name);
			fprintf(out, "  ---\n  invariant: %s\n  message: ", oracle_of(r));
			fc_json_string(out, r->verdict.detail); /* a JSON string is a YAML one */
			fprintf(out, "\n  runs: %d\n  failed_runs: %d\n  ...\n", r->runs, r->failed_runs);
		}
	}
}

/* A baseline is the list of scenario names known to fail, one per line;
 * as many as it holds, in *NAMES (malloc'd). */
int fc_baseline_load(const char *path, char (**names)[64])
{
	FILE *in = fopen(path, "re");
	char line[256];
	int n = 0, room = 0;
	struct stat st;
	*names = NULL;
	if (!in)
		return -1;
	if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(in);
		errno = EISDIR; /* fopen opens a folder, and it reads as empty */
		return -1;
	}
	while (fgets(line, sizeof line, in)) {
		char *name = line + strspn(line, " \t");
		name[strcspn(name, " \t\r\n#")] = 0;
		if (!name[0])
			continue;
		if (n == room) {
			room = room ? 2 * room : 64;
			void *more = realloc(*names, (size_t)room * sizeof **names);
			if (!more) {
				fclose(in);
				return -1;
			}
			*names = more;
		}
		snprintf((*names)[n++], 64, "%.63s", name);
	}
	fclose(in);
	return n;
}

void fc_baseline_write(FILE *out, const struct fc_check *c, const struct fc_result *res, int n)
{
	fprintf(out, "# forkchaos check baseline: scenarios known to fail on %s\n", c->libs[0]);
	for (int i = 0; i < n; i++)
		if (res[i].state == FC_FAIL || res[i].state == FC_ERROR)
			fprintf(out, "%s\n", c->scenarios[res[i].scenario].name);
}

static const char *lib_label(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	static char label[64];
	if (!strncmp(base, "libffd-", 7)) {
		snprintf(label, sizeof label, "%s", base + 7);
		char *dot = strstr(label, ".so");
		if (dot)
			*dot = 0;
		return label;
	}
	snprintf(label, sizeof label, "fixed (%s)", base);
	return label;
}

/* RES holds nlibs x nscenarios results, lib-major. */
void fc_print_matrix(FILE *out, const struct fc_check *c, const struct fc_result *res, const char *prefix)
{
	int killed = 0, defects = c->nlibs - 1;
	fprintf(out,
		"%s\n%smutation matrix: %d defects x %d scenarios (X: the scenario failed, so it detects the defect; E: the "
		"driver could not run)\n",
		prefix, prefix, defects, c->nscenarios);
	fprintf(out, "%s%-24s", prefix, "");
	for (int s = 0; s < c->nscenarios; s++)
		fprintf(out, "%3d", s + 1);
	fprintf(out, "\n");
	for (int l = 0; l < c->nlibs; l++) {
		int hits = 0;
		fprintf(out, "%s%-24.24s", prefix, lib_label(c->libs[l]));
		for (int s = 0; s < c->nscenarios; s++) {
			const struct fc_result *r = &res[l * c->nscenarios + s];
			int failed = r->failed_runs > 0 && !r->harness_error;
			hits += failed;
			fprintf(out, "%3s", r->harness_error ? "E" : r->state == FC_NOT_RUN ? "-" : failed ? "X" : ".");
		}
		if (l == 0) {
			fprintf(out, "   %s\n", hits ? "FIXED LIBRARY FAILS" : "all pass");
		} else {
			/* and by the scenario built for it, if one declares it */
			const char *label = lib_label(c->libs[l]), *own = NULL;
			int own_hit = 0;
			for (int s = 0; s < c->nscenarios; s++)
				if (!strcmp(c->scenarios[s].defect, label)) {
					own = c->scenarios[s].name;
					own_hit |= res[l * c->nscenarios + s].failed_runs > 0 &&
						!res[l * c->nscenarios + s].harness_error;
				}
			fprintf(out, "   %s%s%s%s\n", hits ? "detected" : "SURVIVED",
				own ? (own_hit ? " (by " : " (NOT by ") : "", own ? own : "", own ? ")" : "");
		}
		killed += l > 0 && hits > 0;
	}
	fprintf(out, "%sscenarios:", prefix);
	for (int s = 0; s < c->nscenarios; s++)
		fprintf(out, " %d=%s", s + 1, c->scenarios[s].name);
	fprintf(out, "\n%smutation score %d/%d\n", prefix, killed, defects);
}
