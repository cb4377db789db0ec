/* A small JSON Lines reader for forkchaos traces: each line one flat object
 * whose values are strings, numbers, null, true/false, or arrays of numbers
 * or strings.  A line that is anything else (truncated, nested, bad bytes
 * outside a string, too long) is counted and skipped, never fatal: a trace
 * cut short by a kill or a full disk is still worth reading. */
#ifndef FC_TRACE_READ_H
#define FC_TRACE_READ_H
#include <stddef.h>
#include <stdio.h>

enum fc_jtype { FC_J_NULL, FC_J_BOOL, FC_J_NUM, FC_J_STR, FC_J_ARR };

struct fc_jval {
	enum fc_jtype type;
	long long num;   /* NUM (saturated), BOOL (0 or 1) */
	const char *str; /* STR: decoded, valid UTF-8, NUL-terminated; NUM: its text (raw, rawlen) */
	int rawlen;
	int first, count; /* ARR: fc_jline.items[first .. first + count) */
};

#define FC_JLINE_FIELDS 64
#define FC_JLINE_ITEMS 1024

/* One parsed line; its strings point into the reader's line buffer and live
 * until the next line is read. */
struct fc_jline {
	int nfields, nitems;
	const char *keys[FC_JLINE_FIELDS];
	struct fc_jval vals[FC_JLINE_FIELDS];
	struct fc_jval items[FC_JLINE_ITEMS];
};

/* Parses LINE (LEN bytes, decoded in place: it is modified) into L.
 * Returns 0, or -1 when the line is not one flat object. */
int fc_jline_parse(struct fc_jline *l, char *line, size_t len);
/* The value of KEY (the first, if repeated), or NULL. */
const struct fc_jval *fc_jline_get(const struct fc_jline *l, const char *key);
/* KEY's string, or NULL when absent or not a string. */
const char *fc_jline_str(const struct fc_jline *l, const char *key);
/* 1 and *V when KEY is a number, else 0 (*V untouched). */
int fc_jline_num(const struct fc_jline *l, const char *key, long long *v);

/* The length of the valid UTF-8 sequence at S (N bytes available), or 0. */
size_t fc_utf8_len(const unsigned char *s, size_t n);

#define FC_TRACE_LINE_MAX (1 << 20)

struct fc_trace_reader {
	FILE *f;
	char *buf;
	size_t cap;
	long lineno;    /* of the last line read, from 1 */
	long bad;       /* lines skipped */
	long first_bad; /* the first skipped line's number, 0 if none */
};

/* -1 and errno when PATH cannot be opened. */
int fc_trace_open(struct fc_trace_reader *r, const char *path);
/* The next good line into L: 1; 0 at the end; -1 and errno on a read error
 * (a directory, an I/O error).  Bad lines are counted and skipped. */
int fc_trace_next(struct fc_trace_reader *r, struct fc_jline *l);
void fc_trace_close(struct fc_trace_reader *r);
#endif
