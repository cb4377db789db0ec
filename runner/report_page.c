/* The page around the sections: report.html's head (inline stylesheet, a
 * policy that forbids scripts and every fetch, so that the file opens
 * offline and shows the same everywhere), title, navigation, the notes,
 * then each section of report_sections.def that has data; report.md the
 * same in Markdown, kept under 1 MB (a CI job summary's limit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "forkchaos.h"
#include "report.h"

#define MD_MAX 1000000u
/* what the head, the notes and the footer may take at most */
#define MD_FRAME 24000u

static const struct section {
	const char *id, *title, *intro, *css;
	int (*fn)(struct fc__doc *d, const struct fc__report *r);
} sections[] = {
#define SECTION(id, title, intro, css, fn) { #id, title, intro, css, fn },
#include "report_sections.def"
#undef SECTION
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static const char base_css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;background:#fff;line-height:1.45}"
	"header,main,footer{max-width:1180px;margin:0 auto;padding:0 1em}"
	"header{border-bottom:1px solid #d0d7de;padding-bottom:.5em}h1{margin:.6em 0 .1em}"
	"p.sub{color:#57606a;margin:0}nav a{margin-right:1em}"
	"section{margin:1.5em 0;border-bottom:1px solid #eaeef2}p.intro{color:#57606a;max-width:60em}"
	"div.scroll{overflow-x:auto}table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #d0d7de;padding:.25em .5em;vertical-align:bottom}th{background:#f6f8fa}"
	"code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.85em}"
	"pre.copy{background:#f6f8fa;border:1px solid #d0d7de;padding:.5em;white-space:pre-wrap;word-break:break-all}"
	"pre.copy code{user-select:all}div.notes{background:#fff8c5;padding:.3em 1em;margin-top:1em}";

static void head(FILE *f, int md, const struct fc__report *r, char *const body[NSECTIONS])
{
	const char *id = fc__json_text(&r->run, "id"), *started = fc__json_text(&r->run, "started");
	struct fc__doc d = { .f = f, .md = md };
	if (!md) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src "
		      "'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
		      f);
		fc__doc_textf(&d, "forkchaos report: %s %s", r->kind, id ? id : "");
		fputs("</title>\n<style>", f);
		fputs(base_css, f);
		for (size_t i = 0; i < NSECTIONS; i++)
			if (body[i])
				fputs(sections[i].css, f);
		fputs("</style>\n</head>\n<body>\n<header>\n", f);
	}
	fc__doc_raw(&d, "<h1>", "# ");
	fc__doc_text(&d, "forkchaos robustness report");
	fc__doc_raw(&d, "</h1>\n", "\n\n");
	fc__doc_para(&d, "sub");
	fc__doc_textf(&d, "%s folder %s", r->kind, id ? id : "");
	if (started)
		fc__doc_textf(&d, ", started %s", started);
	fc__doc_para_end(&d);
	if (md)
		return;
	fputs("<nav>", f);
	for (size_t i = 0; i < NSECTIONS; i++)
		if (body[i]) {
			fprintf(f, "<a href=\"#%s\">", sections[i].id);
			fc__doc_text(&d, sections[i].title);
			fputs("</a>", f);
		}
	fputs("</nav>\n</header>\n<main>\n", f);
}

static void notes(FILE *f, int md, const struct fc__report *r)
{
	struct fc__doc d = { .f = f, .md = md };
	if (!r->nnotes)
		return;
	fc__doc_raw(&d, "<div class=\"notes\">\n", NULL);
	for (int i = 0; i < r->nnotes; i++) {
		fc__doc_para(&d, NULL);
		fc__doc_raw(&d, NULL, "> ");
		fc__doc_strong(&d, "Note:");
		fc__doc_text(&d, " ");
		fc__doc_text(&d, r->notes[i]);
		fc__doc_para_end(&d);
	}
	fc__doc_raw(&d, "</div>\n", NULL);
}

static void section(FILE *f, int md, const struct section *s, const char *body)
{
	struct fc__doc d = { .f = f, .md = md };
	if (!md)
		fprintf(f, "<section id=\"%s\">\n<h2>", s->id);
	else
		fputs("## ", f);
	fc__doc_text(&d, s->title);
	fc__doc_raw(&d, "</h2>\n", "\n\n");
	fc__doc_para(&d, "intro");
	fc__doc_text(&d, s->intro);
	fc__doc_para_end(&d);
	fputs(body, f);
	fc__doc_raw(&d, "</section>\n", "\n");
}

int fc__report_page(FILE *f, int md, const struct fc__report *r)
{
	char *body[NSECTIONS] = { 0 };
	size_t len[NSECTIONS] = { 0 };
	struct fc__doc d = { .md = md, .limit = md ? MD_MAX - MD_FRAME : (size_t)-1 };
	int rc = 0;
	for (size_t i = 0; i < NSECTIONS && rc == 0; i++) {
		d.f = open_memstream(&body[i], &len[i]);
		if (!d.f) {
			rc = -1;
			break;
		}
		d.ncols = d.col = 0;
		int has = sections[i].fn(&d, r);
		if (fclose(d.f) != 0)
			rc = -1;
		if (!has) {
			free(body[i]);
			body[i] = NULL;
		} else if (md && d.done + len[i] > d.limit) {
			/* a list stops at its budget; a section that still does
			 * not fit is named, not cut in the middle of its markup */
			free(body[i]);
			body[i] = strdup("This section does not fit in report.md (1 MB at most): see report.html.\n\n");
			len[i] = body[i] ? strlen(body[i]) : 0;
		}
		d.done += len[i];
	}
	struct fc__doc out = { .f = f, .md = md };
	head(f, md, r, body);
	notes(f, md, r);
	for (size_t i = 0; i < NSECTIONS; i++)
		if (body[i])
			section(f, md, &sections[i], body[i]);
	fc__doc_raw(&out, "</main>\n<footer>\n<p>", "\n---\n\n");
	/* DIR, not the path given: the folder may be renamed (a demo reports
	 * on its folder before it moves it into place), and a copy of it
	 * regenerates the same files */
	fc__doc_text(&out, "Regenerated from this folder alone by ");
	fc__doc_code(&out, "forkchaos report DIR");
	const char *id = fc__json_text(&r->run, "id");
	if (id)
		fc__doc_textf(&out, ", DIR being this folder, %s", id);
	fc__doc_textf(&out, " (forkchaos %s).", FC_VERSION);
	fc__doc_raw(&out, "</p>\n</footer>\n</body>\n</html>\n", "\n");
	for (size_t i = 0; i < NSECTIONS; i++)
		free(body[i]);
	return rc;
}
