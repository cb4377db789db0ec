/* The report's one writer, two formats: a section says "a paragraph, a
 * table, a cell, a command to copy" once, and this file writes it as HTML
 * or as GitHub-flavoured Markdown.  All text from the folder goes through
 * the escapes here and nowhere else, so that no data (a target's detail
 * may hold <script>, a pipe, a backtick, escape sequences, bytes that are
 * not UTF-8) can become markup in either format. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "results.h"

/* What no reader may see raw: C0 controls but tab and line feed, DEL,
 * C1, Unicode noncharacters (HTML parsers flag them), bytes that are not
 * UTF-8; each is shown as text, \xNN or \uNNNN. */
static const char *unshowable(uint32_t cp, char buf[16], const char *backslash)
{
	if (cp >= FC_RAW_BYTE)
		snprintf(buf, 16, "%sx%02x", backslash, (unsigned)(cp - FC_RAW_BYTE));
	else if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f))
		snprintf(buf, 16, "%sx%02x", backslash, (unsigned)cp);
	else if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		snprintf(buf, 16, "%su%04x", backslash, (unsigned)cp);
	else
		return NULL;
	return buf;
}

static const char *html_escape(uint32_t cp, char buf[16])
{
	static const char *const named[128] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
	};
	if (cp < 128 && named[cp])
		return named[cp];
	return unshowable(cp, buf, "\\");
}

/* Markdown text: every ASCII punctuation that can start markup escaped
 * with a backslash (GFM's rule for any of them), & as an entity, a line
 * break a space (a new line could start a block), the dollar escaped
 * (GitHub reads $...$ as math). */
static const char *md_escape(uint32_t cp, char buf[16])
{
	if (cp == '\n' || cp == '\t' || cp == '\r')
		return " ";
	if (cp == '&')
		return "&amp;";
	if (cp < 128 && strchr("\\`*_[]<>#|~$!{}", (int)cp)) {
		snprintf(buf, 16, "\\%c", (int)cp);
		return buf;
	}
	return unshowable(cp, buf, "\\\\");
}

/* A code span's text: literal but for line breaks and the unshowable; a
 * pipe still ends a table cell in GFM, so it is escaped there. */
static const char *md_code_escape(uint32_t cp, char buf[16])
{
	if (cp == '\n' || cp == '\t')
		return " ";
	if (cp == '|')
		return "\\|";
	return unshowable(cp, buf, "\\");
}

/* A fenced block's text: literal, lines kept. */
static const char *md_block_escape(uint32_t cp, char buf[16])
{
	return unshowable(cp, buf, "\\");
}

static void esc(struct fc__doc *d, const char *text, const char *(*md)(uint32_t, char[16]))
{
	fc_text_write(d->f, text ? text : "", d->md ? md : html_escape);
}

void fc__doc_text(struct fc__doc *d, const char *text)
{
	esc(d, text, md_escape);
}

void fc__doc_textf(struct fc__doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fc__doc_text(d, buf);
}

void fc__doc_raw(struct fc__doc *d, const char *html, const char *md)
{
	const char *s = d->md ? md : html;
	if (s)
		fputs(s, d->f);
}

void fc__doc_para(struct fc__doc *d, const char *cls)
{
	if (!d->md)
		fprintf(d->f, cls ? "<p class=\"%s\">" : "<p>", cls);
}

void fc__doc_para_end(struct fc__doc *d)
{
	fc__doc_raw(d, "</p>\n", "\n\n");
}

void fc__doc_h3(struct fc__doc *d, const char *text)
{
	fc__doc_raw(d, "<h3>", "### ");
	fc__doc_text(d, text);
	fc__doc_raw(d, "</h3>\n", "\n\n");
}

void fc__doc_strong(struct fc__doc *d, const char *text)
{
	fc__doc_raw(d, "<strong>", "**");
	fc__doc_text(d, text);
	fc__doc_raw(d, "</strong>", "**");
}

/* The longest run of backticks in TEXT: a code fence must be longer. */
static int backticks(const char *text)
{
	int most = 0;
	for (const char *p = text; *p; p++)
		if (*p == '`') {
			int n = (int)strspn(p, "`");
			most = n > most ? n : most;
			p += n - 1;
		}
	return most;
}

void fc__doc_code(struct fc__doc *d, const char *text)
{
	text = text ? text : "";
	if (!d->md) {
		fputs("<code>", d->f);
		esc(d, text, NULL);
		fputs("</code>", d->f);
		return;
	}
	int n = backticks(text) + 1;
	/* a space inside the ticks when the text begins or ends with one */
	const char *pad = *text == '`' || (*text && text[strlen(text) - 1] == '`') ? " " : "";
	fprintf(d->f, "%.*s%s", n, "`````````````````", pad);
	esc(d, text, md_code_escape);
	fprintf(d->f, "%s%.*s", pad, n, "`````````````````");
}

void fc__doc_block(struct fc__doc *d, const char *lang, const char *text)
{
	text = text ? text : "";
	if (!d->md) {
		fputs("<pre class=\"copy\"><code>", d->f);
		esc(d, text, NULL);
		fputs("</code></pre>\n", d->f);
		return;
	}
	int n = backticks(text) + 1;
	n = n < 3 ? 3 : n;
	char fence[64];
	snprintf(fence, sizeof fence, "%.*s", n > 60 ? 60 : n, "````````````````````````````````````````````````````````````");
	fprintf(d->f, "%s%s\n", fence, lang ? lang : "");
	esc(d, text, md_block_escape);
	fprintf(d->f, "\n%s\n\n", fence);
}

void fc__doc_list(struct fc__doc *d)
{
	fc__doc_raw(d, "<ul>\n", NULL);
}

void fc__doc_item(struct fc__doc *d, const char *cls)
{
	if (d->md)
		fputs("- ", d->f);
	else
		fprintf(d->f, cls ? "<li class=\"%s\">" : "<li>", cls);
}

void fc__doc_item_end(struct fc__doc *d)
{
	fc__doc_raw(d, "</li>\n", "\n");
}

void fc__doc_list_end(struct fc__doc *d)
{
	fc__doc_raw(d, "</ul>\n", "\n");
}

void fc__doc_table(struct fc__doc *d, const char *cls, int ncols, const char *const *heads)
{
	d->ncols = ncols;
	d->col = 0;
	if (d->md) {
		for (int k = 0; k < ncols; k++) {
			fputs("| ", d->f);
			esc(d, heads[k], md_escape);
			fputc(' ', d->f);
		}
		fputs("|\n", d->f);
		for (int k = 0; k < ncols; k++)
			fputs("|---", d->f);
		fputs("|\n", d->f);
		return;
	}
	fprintf(d->f, "<div class=\"scroll\"><table class=\"%s\">\n<thead><tr>", cls ? cls : "");
	for (int k = 0; k < ncols; k++) {
		fputs("<th><span>", d->f);
		esc(d, heads[k], NULL);
		fputs("</span></th>", d->f);
	}
	fputs("</tr></thead>\n<tbody>\n", d->f);
}

static void cell_open(struct fc__doc *d, const char *cls)
{
	if (d->md)
		fputs("| ", d->f);
	else
		fprintf(d->f, "%s<td%s%s%s>", d->col ? "" : "<tr>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
}

static void cell_close(struct fc__doc *d)
{
	int last = ++d->col == d->ncols;
	if (last)
		d->col = 0;
	if (d->md)
		fputs(last ? " |\n" : " ", d->f);
	else
		fputs(last ? "</td></tr>\n" : "</td>", d->f);
}

void fc__doc_cell(struct fc__doc *d, const char *cls, const char *text)
{
	cell_open(d, cls);
	fc__doc_text(d, text);
	cell_close(d);
}

void fc__doc_cell_code(struct fc__doc *d, const char *text)
{
	cell_open(d, NULL);
	if (text && *text)
		fc__doc_code(d, text);
	cell_close(d);
}

void fc__doc_table_end(struct fc__doc *d)
{
	while (d->col) /* a short last row: filled, so that the table parses */
		fc__doc_cell(d, NULL, "");
	fc__doc_raw(d, "</tbody></table></div>\n", "\n");
	d->ncols = 0;
}

static void base64(FILE *f, const unsigned char *s, size_t len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < len ? s[i + 2] : 0);
		char out[4] = { digits[v >> 18 & 63], digits[v >> 12 & 63], i + 1 < len ? digits[v >> 6 & 63] : '=',
				i + 2 < len ? digits[v & 63] : '=' };
		fwrite(out, 1, 4, f);
	}
}

void fc__doc_image(struct fc__doc *d, const char *alt, const char *mime, const char *bytes, size_t len, const char *file)
{
	if (d->md) {
		fputc('[', d->f);
		fc__doc_text(d, alt);
		fputs("](", d->f);
		/* a link target percent-encoded: the file's name is data too */
		for (const unsigned char *p = (const unsigned char *)file; *p; p++)
			fprintf(d->f,
				strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-", *p) ? "%c"
														 : "%%%02X",
				*p);
		fputc(')', d->f);
		return;
	}
	fputs("<img class=\"plot\" alt=\"", d->f);
	esc(d, alt, NULL);
	fprintf(d->f, "\" src=\"data:%s;base64,", mime);
	base64(d->f, (const unsigned char *)bytes, len);
	fputs("\">", d->f);
}

size_t fc__doc_room(const struct fc__doc *d)
{
	long here = ftell(d->f);
	size_t used = d->done + (here > 0 ? (size_t)here : 0);
	return used < d->limit ? d->limit - used : 0;
}

char *fc__report_quote(const char *text)
{
	size_t n = strlen(text);
	if (n && strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=./:,@%") == n)
		return strdup(text);
	char *out = malloc(4 * n + 3), *w = out;
	if (!out)
		return NULL;
	*w++ = '\'';
	for (const char *p = text; *p; p++) {
		if (*p == '\'') {
			memcpy(w, "'\\''", 4);
			w += 4;
		} else
			*w++ = *p;
	}
	*w++ = '\'';
	*w = 0;
	return out;
}
