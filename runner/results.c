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
	return fopen(path, "we");
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

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void fc_results_discard(struct fc_results *r)
{
	if (r->dir[0] && strcmp(r->dir, r->final))
		nftw(r->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	r->dir[0] = 0;
}

void fc_json_string(FILE *f, const char *text)
{
	if (!text) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
void fc_csv_field(FILE *f, const char *text)
{
	if (!text)
		return;
	if (!text[strcspn(text, ",\"\r\n")]) {
		fputs(text, f);
		return;
	}
	fputc('"', f);
	for (; *text; text++) {
		if (*text == '"')
			fputc('"', f);
		fputc(*text, f);
	}
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
