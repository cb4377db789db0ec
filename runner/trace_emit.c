/* One writer for both forms of the summary: each section calls it once per
 * value, with a JSON key and a text format, so the text and the JSON cannot
 * drift apart.  Text: a title line with its stats, then indented rows.
 * JSON: {"KEY":{stats..., "note":..., "rows":[{...}], "more":N}, ...}. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "trace_model.h"

#define TEXT_FIELD_MAX 100 /* longer strings are cut in text, never in JSON */

/* S made printable for text: control bytes and bytes that are not UTF-8
 * become '?' (the reader's strings are UTF-8; a path from argv may not be);
 * cut after MAX bytes. */
static void printable(char *out, size_t len, const char *s, size_t max)
{
	size_t used = 0, rest = strlen(s);
	while (rest && used + 8 < len && used < max) {
		size_t n = fc_utf8_len((const unsigned char *)s, rest);
		if (n == 1 && ((unsigned char)*s < 0x20 || *s == 0x7f))
			n = 0;
		if (n) {
			memcpy(out + used, s, n);
		} else {
			out[used] = '?';
			n = 1;
		}
		used += n;
		s += n;
		rest -= n;
	}
	strcpy(out + used, rest ? "..." : "");
}

static void json_string(FILE *out, const char *s)
{
	size_t rest = strlen(s);
	putc('"', out);
	while (rest) {
		unsigned char ch = (unsigned char)*s;
		size_t n = fc_utf8_len((const unsigned char *)s, rest);
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else if (n)
			fwrite(s, 1, n, out);
		else
			fputs("\\ufffd", out);
		n = n ? n : 1;
		s += n;
		rest -= n;
	}
	putc('"', out);
}

/* Text goes through one line buffer, so that a row whose last columns are
 * empty ends without the padding of its format. */
__attribute__((format(printf, 2, 3))) static void text_put(struct fc__emit *e, const char *fmt, ...)
{
	va_list ap;
	char *nl;
	va_start(ap, fmt);
	int n = vsnprintf(e->line + e->len, sizeof e->line - e->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		e->len = e->len + (size_t)n < sizeof e->line ? e->len + (size_t)n : sizeof e->line - 1;
	while ((nl = memchr(e->line, '\n', e->len))) {
		char *end = nl;
		while (end > e->line && end[-1] == ' ')
			end--;
		fwrite(e->line, 1, (size_t)(end - e->line), e->out);
		putc('\n', e->out);
		e->len -= (size_t)(nl + 1 - e->line);
		memmove(e->line, nl + 1, e->len);
	}
	if (e->len == sizeof e->line - 1) { /* a line longer than the buffer: as it is */
		fwrite(e->line, 1, e->len, e->out);
		e->len = 0;
	}
}

static void key(struct fc__emit *e, const char *k)
{
	if (e->comma)
		putc(',', e->out);
	fprintf(e->out, "\"%s\":", k);
	e->comma = 1;
}

/* Text: the section's title line ends before its first row or note. */
static void end_title(struct fc__emit *e)
{
	if (!e->json && e->title) {
		text_put(e, ":\n");
		e->title = 0;
	}
}

void fc__em_open(struct fc__emit *e)
{
	if (e->json)
		putc('{', e->out);
	e->comma = 0;
}

void fc__em_close(struct fc__emit *e)
{
	if (e->json)
		fputs("}\n", e->out);
	else if (e->len)
		text_put(e, "\n");
}

void fc__em_section(struct fc__emit *e, const char *k, const char *title)
{
	if (!e->json) {
		text_put(e, "\n%s", title);
		e->title = 1;
		return;
	}
	key(e, k);
	putc('{', e->out);
	e->comma = 0;
	e->rows = 0;
}

void fc__em_note(struct fc__emit *e, const char *note)
{
	if (e->json) {
		key(e, "note");
		json_string(e->out, note);
		return;
	}
	end_title(e);
	text_put(e, "  %s\n", note);
}

void fc__em_row(struct fc__emit *e, int indent)
{
	end_title(e);
	if (!e->json) {
		text_put(e, "%*s", 2 + 2 * (indent < 16 ? indent : 16), "");
		return;
	}
	if (!e->rows) {
		key(e, "rows");
		putc('[', e->out);
		e->rows = 1;
		e->comma = 0;
	}
	fputs(e->comma ? ",{" : "{", e->out);
	e->comma = 0;
}

void fc__em_row_end(struct fc__emit *e)
{
	if (e->json)
		putc('}', e->out);
	else
		text_put(e, "\n");
	e->comma = 1;
}

void fc__em_section_end(struct fc__emit *e, size_t more)
{
	if (!e->json) {
		if (e->title)
			text_put(e, ": none\n");
		e->title = 0;
		if (more)
			text_put(e, "  (%zu more)\n", more);
		return;
	}
	if (e->rows) {
		putc(']', e->out);
	} else {
		key(e, "rows");
		fputs("[]", e->out);
	}
	e->comma = 1;
	key(e, "more");
	fprintf(e->out, "%zu}", more);
	e->rows = 0;
}

void fc__em_int(struct fc__emit *e, const char *k, long long v, const char *fmt)
{
	if (e->json) {
		key(e, k);
		fprintf(e->out, "%lld", v);
	} else if (fmt) {
		text_put(e, fmt, v);
	}
}

void fc__em_str_or(struct fc__emit *e, const char *k, const char *s, const char *fmt, const char *fallback)
{
	char clean[TEXT_FIELD_MAX + 8];
	if (e->json) {
		key(e, k);
		if (s)
			json_string(e->out, s);
		else
			fputs("null", e->out);
	} else if (fmt && (s || fallback)) {
		printable(clean, sizeof clean, s ? s : fallback, TEXT_FIELD_MAX);
		text_put(e, fmt, clean);
	}
}

void fc__em_str(struct fc__emit *e, const char *k, const char *s, const char *fmt)
{
	fc__em_str_or(e, k, s, fmt, NULL);
}

void fc__em_number(struct fc__emit *e, const char *k, const char *digits, const char *fmt)
{
	if (!e->json) {
		fc__em_str(e, k, digits, fmt);
		return;
	}
	key(e, k);
	fputs(digits ? digits : "null", e->out);
}

void fc__em_text(struct fc__emit *e, const char *text)
{
	if (!e->json)
		text_put(e, "%s", text);
}
