/* A plan file (--plan-file) into the plan text the shim gets: comments and
 * blank lines dropped, each line's rules joined to the next by ';'.  One
 * argv string tops out at 128 kB and is hard to comment; a file is not.
 * The launcher's code, not the shim's: it runs before anything is started.
 * Every error names the file, and the line and column where there is one:
 * the parser's too, through the pieces of struct fc_plan_src. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plan_parse.h"

/* A file this large is not a plan (a device, a log given by mistake): stop
 * reading rather than wait for the end of /dev/zero's cousins. */
#define FILE_MAX (4u << 20)

struct reader {
	char *buf;
	size_t cap, used; /* the most bytes of text (its NUL not counted), the bytes so far */
	unsigned line;
	size_t col;        /* of the next byte, 1-based */
	int in_comment;    /* past a '#' on this line */
	int has_rule;      /* this line has begun a piece */
	int piece_kept;    /* ... recorded in src (the first FC_SRC_PIECES are) */
	size_t line_start; /* where this line's piece starts in buf */
	int soft_overflow; /* a blank or ';' found no room: fine if trimmed at the line's end */
	struct fc_plan_src src;
	char *err;
	size_t errlen;
};

static int is_soft(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == ';';
}

static int too_long(struct reader *r)
{
	if (r->cap + 1 == FC_PLAN_MAX)
		snprintf(r->err, r->errlen,
			 "%s:%u: the plan is longer than the shim holds (at most %d bytes, FC_PLAN_MAX, once comments and "
			 "blank lines are dropped): use fewer rules, or name calls by %%class",
			 r->src.path, r->line, FC_PLAN_MAX - 1);
	else
		snprintf(r->err, r->errlen, "%s:%u: the plan is longer than the %zu bytes given to hold it", r->src.path, r->line,
			 r->cap);
	return -1;
}

/* The line's first byte of a rule, at column COL: its piece starts here,
 * after the ';' that joins it to the lines before. */
static int begin_piece(struct reader *r, size_t col)
{
	if (r->used && r->used + 1 > r->cap)
		return too_long(r);
	if (r->used)
		r->buf[r->used++] = ';';
	r->line_start = r->used;
	r->has_rule = 1;
	r->piece_kept = r->src.npieces < FC_SRC_PIECES;
	if (r->piece_kept) {
		r->src.pieces[r->src.npieces].off = r->used;
		r->src.pieces[r->src.npieces].line = r->line;
		r->src.pieces[r->src.npieces].col = col;
		r->src.npieces++;
	}
	return 0;
}

/* Trailing blanks and ';' go; a line left with nothing takes its piece and
 * its joining ';' with it. */
static void end_line(struct reader *r)
{
	if (r->has_rule) {
		while (r->used > r->line_start && is_soft(r->buf[r->used - 1]))
			r->used--;
		if (r->used == r->line_start) {
			r->used -= r->used ? 1 : 0;
			r->src.npieces -= r->piece_kept;
		}
	}
	r->line++;
	r->col = 1;
	r->in_comment = r->has_rule = r->soft_overflow = 0;
}

static int take(struct reader *r, char c)
{
	if (c == '\n') {
		end_line(r);
		return 0;
	}
	if (c == 0) {
		snprintf(r->err, r->errlen, "%s:%u:%zu: a NUL byte; a plan file is text", r->src.path, r->line, r->col);
		return -1;
	}
	size_t col = r->col++;
	if (c == '#')
		r->in_comment = 1;
	if (r->in_comment)
		return 0;
	int soft = is_soft(c);
	if (!r->has_rule && soft && c != ';')
		return 0; /* blanks before the line's first rule */
	if (!r->has_rule && begin_piece(r, col) < 0)
		return -1;
	if (r->used + 1 > r->cap) {
		if (soft) {
			r->soft_overflow = 1;
			return 0;
		}
		return too_long(r);
	}
	if (!soft && r->soft_overflow)
		return too_long(r);
	r->buf[r->used++] = c;
	return 0;
}

static int read_all(struct reader *r, int fd)
{
	char chunk[4096];
	size_t total = 0;
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(r->err, r->errlen, "%s: cannot read the plan file: %s", r->src.path, strerror(errno));
			return -1;
		}
		if (got == 0)
			break;
		total += (size_t)got;
		if (total > FILE_MAX) {
			snprintf(r->err, r->errlen, "%s: larger than %u MiB, which no plan file is: is it the right file?",
				 r->src.path, FILE_MAX >> 20);
			return -1;
		}
		for (ssize_t i = 0; i < got; i++)
			if (take(r, chunk[i]) < 0)
				return -1;
	}
	end_line(r);
	return 0;
}

int fc_plan_file_read(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	struct reader r = { .buf = buf, .line = 1, .col = 1, .err = err, .errlen = errlen };
	struct fc_plan plan;
	struct stat st;
	int rc = -1, saved_errno;
	r.src.path = path;
	if (len == 0) {
		snprintf(err, errlen, "%s: no room given for the plan", path);
		return -1;
	}
	r.cap = (len < FC_PLAN_MAX ? len : FC_PLAN_MAX) - 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open the plan file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: a folder, not a plan file", path);
		goto out;
	}
	if (read_all(&r, fd) < 0)
		goto out;
	buf[r.used] = 0;
	if (r.src.npieces == 0) {
		snprintf(err, errlen, "%s: no rule in the plan file (only comments and blank lines)", path);
		goto out;
	}
	rc = fc__plan_parse_src(buf, &plan, err, errlen, &r.src);
out:
	saved_errno = errno;
	close(fd);
	errno = saved_errno;
	if (rc < 0)
		buf[0] = 0;
	return rc;
}
