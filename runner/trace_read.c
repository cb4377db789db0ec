/* The trace reader: a strict parser for the one shape of line the shim
 * writes, and a line reader that survives whatever a killed or full-disk
 * run leaves behind.  Strings are decoded in place (a decoded string is never
 * longer than its JSON text), so a line costs no allocation. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "trace_read.h"

struct cursor {
	char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static int take(struct cursor *c, char ch)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != ch)
		return 0;
	c->p++;
	return 1;
}

size_t fc_utf8_len(const unsigned char *s, size_t n)
{
	/* lead byte ranges and the range its second byte must fall in, which
	 * rules out overlong forms and surrogates (RFC 3629's table) */
	static const struct {
		unsigned char lo, hi, len, second_lo, second_hi;
	} leads[] = {
		{ 0xC2, 0xDF, 2, 0x80, 0xBF }, { 0xE0, 0xE0, 3, 0xA0, 0xBF }, { 0xE1, 0xEC, 3, 0x80, 0xBF },
		{ 0xED, 0xED, 3, 0x80, 0x9F }, { 0xEE, 0xEF, 3, 0x80, 0xBF }, { 0xF0, 0xF0, 4, 0x90, 0xBF },
		{ 0xF1, 0xF3, 4, 0x80, 0xBF }, { 0xF4, 0xF4, 4, 0x80, 0x8F },
	};
	if (n && s[0] < 0x80)
		return 1;
	for (size_t i = 0; n && i < sizeof leads / sizeof leads[0]; i++) {
		if (s[0] < leads[i].lo || s[0] > leads[i].hi)
			continue;
		if (n < leads[i].len || s[1] < leads[i].second_lo || s[1] > leads[i].second_hi)
			return 0;
		for (size_t k = 2; k < leads[i].len; k++)
			if ((s[k] & 0xC0) != 0x80)
				return 0;
		return leads[i].len;
	}
	return 0;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
	*v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						 : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

static char *put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		*out++ = (char)cp;
	} else if (cp < 0x800) {
		*out++ = (char)(0xC0 | cp >> 6);
		*out++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*out++ = (char)(0xE0 | cp >> 12);
		*out++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*out++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*out++ = (char)(0xF0 | cp >> 18);
		*out++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*out++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*out++ = (char)(0x80 | (cp & 0x3F));
	}
	return out;
}

/* \uXXXX at C->p (after the backslash and 'u'), a surrogate pair joined; a
 * lone surrogate or U+0000 becomes '?' so that strings stay C strings. */
static int unicode_escape(struct cursor *c, char **out)
{
	unsigned cp, low;
	if (hex4(c->p, c->end, &cp) < 0)
		return -1;
	c->p += 4;
	if (cp >= 0xD800 && cp <= 0xDBFF && c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u' &&
	    hex4(c->p + 2, c->end, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
		c->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
	} else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) {
		cp = '?';
	}
	*out = put_utf8(*out, cp);
	return 0;
}

/* The string whose opening quote is at C->p.  Bytes that are not UTF-8
 * become '?': the summary, text or JSON, must stay printable. */
static int parse_string(struct cursor *c, const char **s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	char *out = ++c->p;
	*s = out;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '"') {
			*out = 0;
			c->p++;
			return 0;
		}
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->end - c->p < 2)
				return -1;
			char kind = c->p[1];
			const char *e = kind ? strchr(from, kind) : NULL;
			c->p += 2;
			if (e)
				*out++ = to[e - from];
			else if (kind != 'u' || unicode_escape(c, &out) < 0)
				return -1;
			continue;
		}
		size_t n = fc_utf8_len((const unsigned char *)c->p, (size_t)(c->end - c->p));
		if (!n) {
			*out++ = '?';
			c->p++;
			continue;
		}
		memmove(out, c->p, n);
		out += n;
		c->p += n;
	}
	return -1;
}

static int digits(struct cursor *c, long long *acc)
{
	const char *start = c->p;
	for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++)
		if (acc)
			*acc = *acc > (LLONG_MAX - 9) / 10 ? LLONG_MAX : *acc * 10 + (*c->p - '0');
	return c->p > start ? 0 : -1;
}

/* JSON's number grammar; the value is the integer part, saturated (the
 * shim writes integers only; a fraction is accepted, not kept). */
static int parse_number(struct cursor *c, struct fc_jval *v)
{
	long long acc = 0;
	int neg = *c->p == '-';
	v->str = c->p;
	c->p += neg;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (digits(c, &acc) < 0)
		return -1;
	if (c->p < c->end && *c->p == '.' && (c->p++, digits(c, NULL) < 0))
		return -1;
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (digits(c, NULL) < 0)
			return -1;
	}
	v->type = FC_J_NUM;
	v->num = neg ? -acc : acc;
	v->rawlen = (int)(c->p - v->str);
	return 0;
}

static int parse_scalar(struct cursor *c, struct fc_jval *v)
{
	static const struct {
		const char *word;
		enum fc_jtype type;
		int value;
	} words[] = { { "null", FC_J_NULL, 0 }, { "true", FC_J_BOOL, 1 }, { "false", FC_J_BOOL, 0 } };
	skip_ws(c);
	if (c->p >= c->end)
		return -1;
	memset(v, 0, sizeof *v);
	if (*c->p == '"') {
		v->type = FC_J_STR;
		return parse_string(c, &v->str);
	}
	if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
		return parse_number(c, v);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, words[i].word, n)) {
			c->p += n;
			v->type = words[i].type;
			v->num = words[i].value;
			return 0;
		}
	}
	return -1;
}

/* An array of numbers and strings into L's item pool. */
static int parse_array(struct fc_jline *l, struct cursor *c, struct fc_jval *v)
{
	memset(v, 0, sizeof *v);
	v->type = FC_J_ARR;
	v->first = l->nitems;
	if (take(c, ']'))
		return 0;
	do {
		if (l->nitems >= FC_JLINE_ITEMS)
			return -1;
		struct fc_jval *item = &l->items[l->nitems];
		if (parse_scalar(c, item) < 0 || (item->type != FC_J_NUM && item->type != FC_J_STR))
			return -1;
		l->nitems++;
		v->count++;
	} while (take(c, ','));
	return take(c, ']') ? 0 : -1;
}

int fc_jline_parse(struct fc_jline *l, char *line, size_t len)
{
	struct cursor c = { line, line + len };
	l->nfields = l->nitems = 0;
	if (!take(&c, '{'))
		return -1;
	if (!take(&c, '}')) {
		do {
			if (l->nfields >= FC_JLINE_FIELDS)
				return -1;
			skip_ws(&c);
			if (c.p >= c.end || *c.p != '"' || parse_string(&c, &l->keys[l->nfields]) < 0 || !take(&c, ':'))
				return -1;
			struct fc_jval *v = &l->vals[l->nfields];
			int rc = take(&c, '[') ? parse_array(l, &c, v) : parse_scalar(&c, v);
			if (rc < 0)
				return -1;
			l->nfields++;
		} while (take(&c, ','));
		if (!take(&c, '}'))
			return -1;
	}
	skip_ws(&c);
	return c.p == c.end ? 0 : -1;
}

const struct fc_jval *fc_jline_get(const struct fc_jline *l, const char *key)
{
	for (int i = 0; i < l->nfields; i++)
		if (!strcmp(l->keys[i], key))
			return &l->vals[i];
	return NULL;
}

const char *fc_jline_str(const struct fc_jline *l, const char *key)
{
	const struct fc_jval *v = fc_jline_get(l, key);
	return v && v->type == FC_J_STR ? v->str : NULL;
}

int fc_jline_num(const struct fc_jline *l, const char *key, long long *v)
{
	const struct fc_jval *j = fc_jline_get(l, key);
	if (!j || j->type != FC_J_NUM)
		return 0;
	*v = j->num;
	return 1;
}

int fc_trace_open(struct fc_trace_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->f = fopen(path, "re");
	return r->f ? 0 : -1;
}

/* One line, without its newline, into r->buf: 1, 0 at the end, -1 on a
 * read error.  A line past FC_TRACE_LINE_MAX is read to its end and marked
 * too long rather than held. */
static int read_line(struct fc_trace_reader *r, size_t *len, int *too_long)
{
	size_t n = 0;
	int ch;
	*too_long = 0;
	while ((ch = getc_unlocked(r->f)) != EOF && ch != '\n') {
		if (n + 1 >= r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4096;
			char *grown = cap <= FC_TRACE_LINE_MAX ? realloc(r->buf, cap) : NULL;
			if (!grown) {
				*too_long = 1;
				continue;
			}
			r->buf = grown;
			r->cap = cap;
		}
		r->buf[n++] = (char)ch;
	}
	if (ch == EOF && ferror(r->f))
		return -1;
	if (ch == EOF && n == 0 && !*too_long)
		return 0;
	if (r->buf)
		r->buf[n] = 0;
	*len = n;
	return 1;
}

int fc_trace_next(struct fc_trace_reader *r, struct fc_jline *l)
{
	size_t len;
	int too_long, rc;
	while ((rc = read_line(r, &len, &too_long)) > 0) {
		r->lineno++;
		if (!too_long && r->buf && fc_jline_parse(l, r->buf, len) == 0)
			return 1;
		r->bad++;
		if (!r->first_bad)
			r->first_bad = r->lineno;
	}
	if (rc < 0 && !errno)
		errno = EIO;
	return rc;
}

void fc_trace_close(struct fc_trace_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	r->f = NULL;
	r->buf = NULL;
}
