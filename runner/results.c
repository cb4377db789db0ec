/* Results folders (results.h): made fresh, filled file by file (each
 * written beside itself and renamed), renamed into place when complete, so
 * that a reader never sees half of one. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "results.h"
#include "forkchaos.h" /* FC_VERSION */

/* mkdir -p */
static int make_dirs(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void new_id(struct fc_results *r)
{
	unsigned char bytes[3] = { 0 };
	struct tm tm;
	char stamp[24];
	if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
		/* no entropy yet: the pid and the clock still differ per run */
		unsigned value = (unsigned)getpid() ^ (unsigned)clock();
		memcpy(bytes, &value, sizeof bytes);
	}
	gmtime_r(&r->started, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(r->id, sizeof r->id, "%s-%02x%02x%02x", stamp, bytes[0], bytes[1], bytes[2]);
}

int fc_results_begin(struct fc_results *r, const char *root)
{
	struct stat st;
	memset(r, 0, sizeof *r);
	root = root && *root ? root : "results";
	if (strlen(root) >= sizeof r->root) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(r->root, sizeof r->root, "%s", root);
	if (make_dirs(r->root) < 0)
		return -1;
	r->started = time(NULL);
	for (int attempt = 0; attempt < 16; attempt++) {
		new_id(r);
		snprintf(r->final, sizeof r->final, "%s/%s", r->root, r->id);
		snprintf(r->dir, sizeof r->dir, "%s/.partial-%s", r->root, r->id);
		/* never reused: neither name may exist, and mkdir is the claim */
		if (lstat(r->final, &st) == 0)
			continue;
		if (mkdir(r->dir, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

void fc_results_path(const struct fc_results *r, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", r->dir, name);
}

FILE *fc_results_create(const struct fc_results *r, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	char *slash = strrchr(path, '/');
	*slash = 0;
	if (make_dirs(path) < 0)
		return NULL;
	*slash = '/';
	strcat(path, ".tmp");
	return fopen(path, "wxe"); /* x: O_EXCL, a new file even where a target planted a link */
}

int fc_results_commit(const struct fc_results *r, const char *name, FILE *f)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 72];
	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int failed = ferror(f);
	if (fclose(f) != 0 || failed || rename(tmp, path) != 0) {
		int err = errno ? errno : EIO;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

int fc_results_finish(struct fc_results *r)
{
	char link[PATH_MAX + 64], latest[PATH_MAX + 16];
	if (rename(r->dir, r->final) < 0)
		return -1;
	snprintf(r->dir, sizeof r->dir, "%s", r->final);
	/* latest moves in one rename: a reader sees the old one or the new */
	snprintf(link, sizeof link, "%s/.latest-%s", r->root, r->id);
	snprintf(latest, sizeof latest, "%s/latest", r->root);
	unlink(link);
	if (symlink(r->id, link) < 0 || rename(link, latest) < 0) {
		int err = errno;
		unlink(link);
		errno = err;
		return -1;
	}
	return 0;
}

/* NAME.csv or NAME.jsonl */
static void table_file(const struct fc_results_table *t, int json, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%s", t->name, json ? "jsonl" : "csv");
}

int fc_results_table_open(struct fc_results_table *t)
{
	char csv[128], jsonl[128];
	table_file(t, 0, csv, sizeof csv);
	table_file(t, 1, jsonl, sizeof jsonl);
	t->csv = fc_results_create(t->r, csv);
	t->jsonl = t->csv ? fc_results_create(t->r, jsonl) : NULL;
	if (!t->jsonl) {
		int err = errno;
		if (t->csv)
			fclose(t->csv);
		t->csv = NULL;
		errno = err;
		return -1;
	}
	for (int k = 0; k < t->ncols; k++)
		fprintf(t->csv, "%s%s", k ? "," : "", t->columns[k]);
	fputc('\n', t->csv);
	return 0;
}

void fc_results_table_row(struct fc_results_table *t, const char *const *values)
{
	fputc('{', t->jsonl);
	for (int k = 0; k < t->ncols; k++) {
		const char *v = values[k] ? values[k] : "";
		fprintf(t->jsonl, "%s\"%s\":", k ? "," : "", t->columns[k]);
		if (t->numeric >> k & 1)
			fputs(*v ? v : "null", t->jsonl);
		else
			fc_json_string(t->jsonl, v);
		if (k)
			fputc(',', t->csv);
		fc_csv_field(t->csv, v);
	}
	fputs("}\n", t->jsonl);
	fputc('\n', t->csv);
}

int fc_results_table_commit(struct fc_results_table *t)
{
	char csv[128], jsonl[128];
	table_file(t, 0, csv, sizeof csv);
	table_file(t, 1, jsonl, sizeof jsonl);
	int rc = fc_results_commit(t->r, csv, t->csv);
	if (fc_results_commit(t->r, jsonl, t->jsonl) < 0)
		rc = -1;
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int fc_remove_tree(const char *path)
{
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

void fc_results_discard(struct fc_results *r)
{
	if (r->dir[0] && strcmp(r->dir, r->final))
		fc_remove_tree(r->dir);
	r->dir[0] = 0;
}

/* What is wrong with PATH as a file to replace, or NULL: nothing. */
static const char *unfit(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (!*path)
		return "is empty; expected the path of a file to write";
	if (strlen(path) >= PATH_MAX - 16)
		return "is too long; expected a shorter path";
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return NULL;
		snprintf(err, errlen, "%s; expected a path in an existing folder", strerror(errno));
		return err;
	}
	if (S_ISDIR(st.st_mode))
		return "is a folder; expected the path of a file to write (e.g. DIR/NAME in that folder)";
	if (S_ISLNK(st.st_mode))
		return "is a symbolic link; expected the path of a plain file (name the file it points to, or remove the link)";
	if (!S_ISREG(st.st_mode))
		return "is not a plain file (a device, FIFO or socket); expected the path of a file to write";
	return NULL;
}

int fc_outfile_claim(struct fc_outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	const char *why = unfit(path, err, errlen);
	if (why) {
		if (why != err)
			snprintf(err, errlen, "%s", why);
		return -1;
	}
	snprintf(o->path, sizeof o->path, "%s", path);
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (slash == path ? 1 : (int)(slash - path)) : 1;
	const char *dir = slash ? path : ".", *base = slash ? slash + 1 : path;
	snprintf(o->tmp, sizeof o->tmp, "%.*s/.%s.XXXXXX", dirlen, dir, base);
	/* the temporary is ours alone: made new (O_EXCL) with a random name */
	if ((o->fd = mkostemp(o->tmp, O_CLOEXEC)) < 0) {
		snprintf(err, errlen,
			 "cannot create a file in its folder %.*s: %s; expected a path in an existing folder you can write",
			 dirlen, dir, strerror(errno));
		o->tmp[0] = 0;
		return -1;
	}
	mode_t mask = umask(0);
	umask(mask);
	fchmod(o->fd, 0666 & ~mask); /* as a file made by fopen would be */
	return 0;
}

FILE *fc_outfile_stream(struct fc_outfile *o)
{
	FILE *f = o->fd >= 0 ? fdopen(o->fd, "w") : NULL;
	if (f)
		o->fd = -1;
	return f;
}

int fc_outfile_commit(struct fc_outfile *o, FILE *f)
{
	int failed = ferror(f);
	if (fclose(f) != 0 || failed || rename(o->tmp, o->path) != 0) {
		int err = errno ? errno : EIO;
		fc_outfile_drop(o);
		errno = err;
		return -1;
	}
	o->tmp[0] = 0;
	return 0;
}

void fc_outfile_drop(struct fc_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = 0;
}

/* The length of the valid UTF-8 character at P (shortest form, no
 * surrogate, at most U+10FFFF), its code point in *CP; 0: not one. */
static int utf8_char(const unsigned char *p, uint32_t *cp)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t value = n > 1 ? p[0] & (0x7fu >> n) : p[0];
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* the string's end is not one either */
			return 0;
		value = value << 6 | (p[i] & 0x3fu);
	}
	if (!n || value < least[n] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
		return 0;
	*cp = value;
	return n;
}

void fc_text_write(FILE *f, const char *text, const char *(*escape)(uint32_t cp, char buf[16]))
{
	char buf[16];
	for (const unsigned char *p = (const unsigned char *)text; *p;) {
		uint32_t cp;
		int n = utf8_char(p, &cp);
		const char *as = escape(n ? cp : FC_RAW_BYTE + *p, buf);
		if (as)
			fputs(as, f);
		else
			fwrite(p, 1, (size_t)n, f);
		p += n ? n : 1;
	}
}

static const char *json_escape(uint32_t cp, char buf[16])
{
	if (cp >= FC_RAW_BYTE)
		snprintf(buf, 16, "\\\\x%02x", (unsigned)(cp - FC_RAW_BYTE));
	else if (cp == '"' || cp == '\\')
		snprintf(buf, 16, "\\%c", (int)cp);
	else if (cp == '\n')
		return "\\n";
	else if (cp == '\t')
		return "\\t";
	else if (cp < 0x20)
		snprintf(buf, 16, "\\u%04x", (unsigned)cp);
	else
		return NULL;
	return buf;
}

static const char *csv_escape(uint32_t cp, char buf[16])
{
	if (cp >= FC_RAW_BYTE)
		snprintf(buf, 16, "\\x%02x", (unsigned)(cp - FC_RAW_BYTE));
	else if (cp == '"')
		return "\"\"";
	else
		return NULL;
	return buf;
}

static const char *shown_escape(uint32_t cp, char buf[16])
{
	if (cp >= FC_RAW_BYTE)
		cp -= FC_RAW_BYTE;
	else if (cp >= 0x20 && cp != 0x7f && (cp < 0x80 || cp > 0x9f))
		return NULL;
	snprintf(buf, 16, cp > 0xff ? "\\u%04x" : "\\x%02x", (unsigned)cp);
	return buf;
}

void fc_shown_text(FILE *f, const char *text)
{
	fc_text_write(f, text, shown_escape);
}

void fc_json_string(FILE *f, const char *text)
{
	if (!text) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	fc_text_write(f, text, json_escape);
	fputc('"', f);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
void fc_csv_field(FILE *f, const char *text)
{
	if (!text)
		return;
	int quoted = text[strcspn(text, ",\"\r\n")] != 0;
	if (quoted)
		fputc('"', f);
	fc_text_write(f, text, csv_escape);
	if (quoted)
		fputc('"', f);
}

static void utc(FILE *f, time_t when)
{
	struct tm tm;
	char text[32];
	gmtime_r(&when, &tm);
	strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fc_json_string(f, text);
}

int fc_results_run_json(const struct fc_results *r, const struct fc_run_info *info)
{
	struct utsname uts;
	FILE *f = fc_results_create(r, "run.json");
	if (!f)
		return -1;
	if (uname(&uts) < 0)
		snprintf(uts.release, sizeof uts.release, "?");
	fprintf(f, "{\"forkchaos\":\"%s\",\"kind\":", FC_VERSION);
	fc_json_string(f, info->kind);
	fputs(",\"id\":", f);
	fc_json_string(f, r->id);
	fputs(",\"command\":[", f);
	for (int i = 0; i < info->argc; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, info->argv[i]);
	}
	fputs("],\"plan\":", f);
	fc_json_string(f, info->plan);
	fputs(",\"seed\":", f);
	fc_json_string(f, info->seed);
	fputs(",\"started\":", f);
	utc(f, r->started);
	fputs(",\"ended\":", f);
	utc(f, time(NULL));
	fputs(",\"host\":{\"kernel\":", f);
	fc_json_string(f, uts.release);
	fputs(",\"glibc\":", f);
	fc_json_string(f, gnu_get_libc_version());
	fprintf(f, ",\"cpus\":%ld}", sysconf(_SC_NPROCESSORS_ONLN));
	if (info->members)
		info->members(f, info->ctx);
	fputs("}\n", f);
	return fc_results_commit(r, "run.json", f);
}
