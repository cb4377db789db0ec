/* The readers of a results folder's files: CSV (RFC 4180, as
 * fc_csv_field writes it) and JSON (run.json, which nests: host, options,
 * summary), flattened into path -> value entries so that a section asks
 * for "host.kernel" and never walks a tree.  Both read outside input: any
 * byte sequence gives a table, a document or EINVAL, never a crash. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define CSV_MAX (64u << 20)
#define JSON_MAX (16u << 20)
#define JSON_DEPTH 32

/* PATH whole (at most MAX bytes), NUL-terminated; NULL and errno. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t used = 0, room = 0, got;
	if (!f)
		return NULL;
	do {
		if (room - used < 4097) {
			char *more = room <= max ? realloc(buf, room = room ? 2 * room : 65536) : NULL;
			if (!more) {
				errno = room > max ? EFBIG : ENOMEM;
				goto fail;
			}
			buf = more;
		}
		got = fread(buf + used, 1, room - used - 1, f);
		used += got;
	} while (got);
	if (ferror(f) || used > max) {
		errno = used > max ? EFBIG : errno ? errno : EIO;
		goto fail;
	}
	fclose(f);
	buf[used] = 0;
	*len = used;
	return buf;
fail:;
	int err = errno;
	free(buf);
	fclose(f);
	errno = err;
	return NULL;
}

char *fc__report_slurp(const struct fc__report *r, const char *file, size_t max, size_t *len)
{
	char path[PATH_MAX + 256];
	snprintf(path, sizeof path, "%s/%s", r->dir, file);
	return slurp(path, max, len);
}

/* ---- CSV */

static int csv_push(char ***cells, size_t *n, size_t *room, char *cell)
{
	if (*n == *room) {
		*room = *room ? 2 * *room : 1024;
		char **more = realloc(*cells, *room * sizeof **cells);
		if (!more)
			return -1;
		*cells = more;
	}
	(*cells)[(*n)++] = cell;
	return 0;
}

/* One field at *P, decoded in place; *END set at its end of record. */
static char *csv_field(char **p, int *end, int *bad)
{
	char *s = *p, *w = s, *start = s;
	if (*s == '"') {
		for (s++;; s++) {
			if (!*s) {
				*bad = 1;
				break;
			}
			if (*s == '"' && s[1] == '"')
				*w++ = *s++;
			else if (*s == '"') {
				s++;
				break;
			} else
				*w++ = *s;
		}
		if (*s && *s != ',' && *s != '\n' && *s != '\r')
			*bad = 1;
	} else {
		size_t n = strcspn(s, ",\r\n");
		s += n;
		w = s;
	}
	*end = *s != ',';
	if (*s == '\r')
		s++;
	if (*s)
		s++;
	*w = 0;
	*p = s;
	return start;
}

int fc__csv_load(struct fc__csv *t, const char *path)
{
	size_t len = 0, n = 0, room = 0;
	memset(t, 0, sizeof *t);
	char *buf = slurp(path, CSV_MAX, &len);
	if (!buf)
		return -1;
	if (memchr(buf, 0, len) || !len) {
		free(buf);
		errno = EINVAL; /* a NUL would cut a field short; empty: no header */
		return -1;
	}
	char **cells = NULL, *p = buf;
	int bad = 0, ncols = 0, rows = -1;
	while (*p && !bad) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* a blank line: no record */
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		int end = 0, got = 0;
		while (!end && !bad) {
			char *cell = csv_field(&p, &end, &bad);
			if ((rows < 0 || got < ncols) && csv_push(&cells, &n, &room, cell) < 0)
				goto nomem;
			got++;
		}
		if (rows < 0)
			ncols = got;
		for (; rows >= 0 && got < ncols; got++) /* a short row: the rest empty */
			if (csv_push(&cells, &n, &room, buf + len) < 0)
				goto nomem;
		rows++;
	}
	if (bad || rows < 0) {
		free(cells);
		free(buf);
		errno = EINVAL;
		return -1;
	}
	t->buf = buf;
	t->cell = cells;
	t->ncols = ncols;
	t->nrows = rows;
	return 0;
nomem:
	free(cells);
	free(buf);
	errno = ENOMEM;
	return -1;
}

int fc__csv_col(const struct fc__csv *t, const char *name)
{
	for (int k = 0; t->cell && k < t->ncols; k++)
		if (!strcmp(t->cell[k], name))
			return k;
	return -1;
}

const char *fc__csv_at(const struct fc__csv *t, int row, int col)
{
	if (col < 0 || col >= t->ncols || row < 0 || row >= t->nrows)
		return "";
	return t->cell[(size_t)(row + 1) * (size_t)t->ncols + (size_t)col];
}

void fc__csv_free(struct fc__csv *t)
{
	free(t->cell);
	free(t->buf);
	memset(t, 0, sizeof *t);
}

/* ---- JSON */

struct jp {
	const char *s;
	struct fc__json *j;
	char path[1024];
	const char *fail; /* what was expected where parsing stopped */
};

static void ws(struct jp *p)
{
	p->s += strspn(p->s, " \t\r\n");
}

static struct fc__jentry *add(struct jp *p, enum fc__jtype type, char *text)
{
	struct fc__json *j = p->j;
	if (j->n == j->room) {
		int room = j->room ? 2 * j->room : 64;
		void *more = realloc(j->e, (size_t)room * sizeof *j->e);
		if (!more)
			return NULL;
		j->e = more;
		j->room = room;
	}
	struct fc__jentry *e = &j->e[j->n];
	*e = (struct fc__jentry){ .path = strdup(p->path), .text = text, .type = type };
	if (!e->path)
		return NULL;
	j->n++;
	return e;
}

static void put_utf8(char **w, unsigned cp)
{
	unsigned char *o = (unsigned char *)*w;
	if (cp < 0x80)
		*o++ = (unsigned char)cp;
	else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*w = (char *)o;
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* A string at p->s (its opening quote); malloc'd and decoded, or NULL. */
static char *string(struct jp *p)
{
	const char *s = p->s + 1, *end = s;
	while (*end && *end != '"')
		end += *end == '\\' && end[1] ? 2 : 1;
	if (*end != '"') {
		p->fail = "a closing quote";
		return NULL;
	}
	char *out = malloc((size_t)(end - s) + 1), *w = out; /* an escape never grows */
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	while (out && s < end) {
		if ((unsigned char)*s < 0x20) {
			p->fail = "no control character inside a string";
			goto bad;
		}
		if (*s != '\\') {
			*w++ = *s++;
			continue;
		}
		const char *e = strchr(esc_in, s[1]);
		if (e && s[1]) {
			*w++ = esc_out[e - esc_in];
			s += 2;
			continue;
		}
		unsigned cp, lo;
		if (s[1] != 'u' || hex4(s + 2, &cp) < 0) {
			p->fail = "a valid escape";
			goto bad;
		}
		s += 6;
		if (cp >= 0xd800 && cp < 0xdc00 && s[0] == '\\' && s[1] == 'u' && hex4(s + 2, &lo) == 0 && lo >= 0xdc00 &&
		    lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			s += 6;
		} else if (cp >= 0xd800 && cp < 0xe000)
			cp = 0xfffd; /* a lone surrogate */
		if (!cp)
			cp = 0xfffd; /* \u0000 would end the C string */
		put_utf8(&w, cp);
	}
	if (!out)
		return NULL;
	*w = 0;
	p->s = end + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static int value(struct jp *p, int depth);

/* The members of an object or array at p->s; its entry's count. */
static int members(struct jp *p, int depth, int object, struct fc__jentry *self)
{
	size_t base = strlen(p->path);
	char close = object ? '}' : ']';
	int count = 0, index = self - p->j->e;
	p->s++;
	ws(p);
	if (*p->s == close) {
		p->s++;
		return 0;
	}
	for (;;) {
		ws(p);
		char name[256];
		if (object) {
			char *key = *p->s == '"' ? string(p) : NULL;
			if (!key) {
				p->fail = p->fail ? p->fail : "a member's name";
				return -1;
			}
			snprintf(name, sizeof name, "%s", key);
			free(key);
			ws(p);
			if (*p->s != ':') {
				p->fail = "':' after a member's name";
				return -1;
			}
			p->s++;
		} else
			snprintf(name, sizeof name, "%d", count);
		snprintf(p->path + base, sizeof p->path - base, "%s%s", base ? "." : "", name);
		if (value(p, depth + 1) < 0)
			return -1;
		p->path[base] = 0;
		count++;
		ws(p);
		if (*p->s == close)
			break;
		if (*p->s != ',') {
			p->fail = object ? "',' or '}'" : "',' or ']'";
			return -1;
		}
		p->s++;
	}
	p->s++;
	p->j->e[index].count = count; /* the array may have moved */
	return 0;
}

static int value(struct jp *p, int depth)
{
	static const struct {
		const char *word;
		enum fc__jtype type;
	} words[] = { { "true", FC__J_BOOL }, { "false", FC__J_BOOL }, { "null", FC__J_NULL } };
	ws(p);
	if (depth > JSON_DEPTH) {
		p->fail = "less nesting";
		return -1;
	}
	if (*p->s == '{' || *p->s == '[') {
		struct fc__jentry *self = add(p, *p->s == '{' ? FC__J_OBJ : FC__J_ARR, NULL);
		return self ? members(p, depth, *p->s == '{', self) : -1;
	}
	if (*p->s == '"') {
		char *text = string(p);
		return text && add(p, FC__J_STR, text) ? 0 : -1;
	}
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (!strncmp(p->s, words[k].word, strlen(words[k].word))) {
			p->s += strlen(words[k].word);
			char *text = words[k].type == FC__J_BOOL ? strdup(words[k].word) : NULL;
			return add(p, words[k].type, text) ? 0 : -1;
		}
	const char *s = p->s + (*p->s == '-');
	size_t digits = strspn(s, "0123456789");
	if (!digits) {
		p->fail = "a value";
		return -1;
	}
	s += digits;
	if (*s == '.')
		s += 1 + strspn(s + 1, "0123456789");
	if (*s == 'e' || *s == 'E') {
		s += 1 + (s[1] == '+' || s[1] == '-');
		s += strspn(s, "0123456789");
	}
	char *text = strndup(p->s, (size_t)(s - p->s));
	p->s = s;
	return text && add(p, FC__J_NUM, text) ? 0 : -1;
}

int fc__json_load(struct fc__json *j, const char *path, char *err, size_t errlen)
{
	size_t len;
	memset(j, 0, sizeof *j);
	char *buf = slurp(path, JSON_MAX, &len);
	if (!buf)
		return -1;
	struct jp p = { .s = buf, .j = j };
	ws(&p);
	int rc = *p.s == '{' ? value(&p, 0) : -1;
	if (rc == 0) {
		ws(&p);
		if (*p.s)
			p.fail = "nothing after the object";
	} else if (*p.s != '{' && !p.fail)
		p.fail = "one JSON object";
	if (rc < 0 || p.fail || (size_t)(p.s - buf) != len) {
		snprintf(err, errlen, "at byte %ld: expected %s", (long)(p.s - buf), p.fail ? p.fail : "no NUL byte");
		free(buf);
		fc__json_free(j);
		errno = EINVAL;
		return -1;
	}
	free(buf);
	return 0;
}

const struct fc__jentry *fc__json_get(const struct fc__json *j, const char *path)
{
	for (int i = 0; i < j->n; i++)
		if (!strcmp(j->e[i].path, path))
			return &j->e[i];
	return NULL;
}

const char *fc__json_text(const struct fc__json *j, const char *path)
{
	const struct fc__jentry *e = fc__json_get(j, path);
	return e ? e->text : NULL;
}

void fc__json_free(struct fc__json *j)
{
	for (int i = 0; i < j->n; i++) {
		free(j->e[i].path);
		free(j->e[i].text);
	}
	free(j->e);
	memset(j, 0, sizeof *j);
}
