/* The plan parser's one-line errors.  The rule is shown escaped, since a
 * newline or an escape sequence from the plan must not break the line or
 * the terminal, and clipped around the column, so that a long rule leaves
 * room for what was expected.  For a plan read from a file the file, line
 * and column come first, found through plan_file.c's pieces. */
#include <stdio.h>
#include <string.h>
#include "plan_parse.h"

/* A rule longer than this (escaped) is shown as a window around the column. */
#define SHOWN_MAX 72
#define SHOWN_BEFORE 24

size_t fc__escape(char *dst, size_t dstlen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t out = 0, i;
	if (dstlen == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4] = { (char)c };
		size_t n = 1;
		if (c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			n = 2;
		} else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			n = 4;
		}
		if (out + n >= dstlen)
			break;
		memcpy(dst + out, esc, n);
		out += n;
	}
	dst[out] = 0;
	return i;
}

/* The rule as shown: whole, or "...window..." from a little before OFF. */
static void show_rule(char *buf, size_t len, struct span rule, size_t off)
{
	char all[SHOWN_MAX + 1];
	if (fc__escape(all, sizeof all, rule.s, rule.len) == rule.len) {
		snprintf(buf, len, "%s", all);
		return;
	}
	size_t start = off > SHOWN_BEFORE ? off - SHOWN_BEFORE : 0;
	if (start > rule.len)
		start = rule.len;
	size_t shown = fc__escape(all, sizeof all - 6, rule.s + start, rule.len - start);
	snprintf(buf, len, "%s%s%s", start ? "..." : "", all, start + shown < rule.len ? "..." : "");
}

int fc__plan_fail(struct fc_parse_ctx *ctx, struct span at, const char *expected)
{
	char shown[SHOWN_MAX + 8];
	show_rule(shown, sizeof shown, ctx->rule, at.col > ctx->rule.col ? at.col - ctx->rule.col : 0);
	const struct fc_plan_src *src = ctx->src;
	if (!src || src->npieces == 0) {
		snprintf(ctx->err, ctx->errlen, "bad plan: rule %d `%s`, column %zu: %s", ctx->rule_no, shown, at.col, expected);
		return -1;
	}
	/* the last piece that starts at or before the column */
	size_t off = at.col - 1;
	int p = 0;
	while (p + 1 < src->npieces && src->pieces[p + 1].off <= off)
		p++;
	size_t col = src->pieces[p].col + (off >= src->pieces[p].off ? off - src->pieces[p].off : 0);
	snprintf(ctx->err, ctx->errlen, "%s:%u:%zu: bad plan: rule %d `%s`: %s", src->path, src->pieces[p].line, col,
		 ctx->rule_no, shown, expected);
	return -1;
}
