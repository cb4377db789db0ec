/* The trace's own file: made with O_TMPFILE in the destination's folder
 * (nothing of it is left in any folder if this process is killed), or, on
 * a file system without O_TMPFILE, with O_CREAT|O_EXCL under a name of its
 * own; linked in and renamed over the destination when the run is done.
 * The shim in every process image opens it through our /proc entry, so a
 * command that renames folders or chdirs writes to the same file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "trace_file.h"

static const struct {
	mode_t type;
	const char *what;
} kinds[] = {
	{ S_IFREG, "a regular file" }, { S_IFDIR, "a folder" },  { S_IFCHR, "a character device" }, { S_IFBLK, "a block device" },
	{ S_IFIFO, "a pipe" },         { S_IFSOCK, "a socket" }, { S_IFLNK, "a symbolic link" },
};

static const char *kind(mode_t mode)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if ((mode & S_IFMT) == kinds[i].type)
			return kinds[i].what;
	return "not a regular file";
}

/* TEXT (a path) for a one-line message: control bytes escaped, a path too
 * long to use shown by its start. */
static const char *shown(const char *text, char *buf, size_t len)
{
	size_t used = 0, max = strlen(text) >= PATH_MAX ? 64 : len;
	for (; *text && used + 5 < len && used < max; text++) {
		unsigned char c = (unsigned char)*text;
		used += (size_t)snprintf(buf + used, len - used, c < 0x20 || c == 0x7f ? "\\x%02x" : "%c", c);
	}
	snprintf(buf + used, len - used, "%s", *text ? "..." : "");
	return buf;
}

__attribute__((format(printf, 2, 3))) static int refuse(const char *dest, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[PATH_MAX * 2];
	fprintf(stderr, "forkchaos run: --trace '%s': ", shown(dest, buf, sizeof buf));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/* DEST exists: only a regular file we may write is replaced. */
static int check_existing(int dir, const char *name, const char *dest, const struct stat *st)
{
	char target[PATH_MAX] = "?", what[PATH_MAX + 64];
	struct stat through;
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dir, name, target, sizeof target - 1);
		target[n > 0 ? n : 1] = 0;
		int resolved = fstatat(dir, name, &through, 0) == 0;
		char buf[PATH_MAX * 2];
		snprintf(what, sizeof what, "%s, %s", shown(target, buf, sizeof buf),
			 resolved ? kind(through.st_mode) : "which does not exist");
		return refuse(dest,
			      "is a symbolic link (to %s); a trace is never written through a link: give the path of a "
			      "regular file%s",
			      what, resolved && !S_ISREG(through.st_mode) ? " (then read it from there, or tail -f it)" : "");
	}
	if (S_ISDIR(st->st_mode))
		return refuse(dest, "is a folder; give a file path in it, e.g. --trace %s/trace.jsonl",
			      shown(dest, what, sizeof what));
	if (!S_ISREG(st->st_mode))
		return refuse(dest,
			      "is %s, not a regular file; the trace is a new file put in that path's place when the run is "
			      "done: give a file path, e.g. --trace trace.jsonl",
			      kind(st->st_mode));
	if (faccessat(dir, name, W_OK, AT_EACCESS) < 0)
		return refuse(dest, "is not writable (%s); forkchaos replaces only a file you could write", strerror(errno));
	return 0;
}

/* FOLDER and NAME of DEST: "a/b/c" -> "a/b", "c"; "c" -> ".", "c". */
static int split(const char *dest, char *folder, size_t len, char *name)
{
	const char *slash = strrchr(dest, '/');
	const char *base = slash ? slash + 1 : dest;
	if (strlen(base) > NAME_MAX)
		return -1;
	strcpy(name, base);
	if (!slash)
		snprintf(folder, len, ".");
	else if (slash == dest)
		snprintf(folder, len, "/");
	else
		snprintf(folder, len, "%.*s", (int)(slash - dest), dest);
	return 0;
}

static int create_named(struct fc_trace_file *tf)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		snprintf(tf->tmp, sizeof tf->tmp, ".forkchaos-trace.%d.%lx", (int)getpid(),
			 (unsigned long)now.tv_nsec + attempt * 7919u);
		tf->fd = openat(tf->dir, tf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (tf->fd >= 0 || errno != EEXIST)
			break;
	}
	if (tf->fd < 0)
		tf->tmp[0] = 0;
	return tf->fd;
}

int fc_trace_file_open(struct fc_trace_file *tf, const char *dest)
{
	char folder[PATH_MAX], where[PATH_MAX * 2];
	struct stat st;
	memset(tf, 0, sizeof *tf);
	tf->fd = tf->dir = -1;
	size_t len = strlen(dest);
	if (len == 0)
		return refuse(dest, "is empty; give a file path, e.g. --trace trace.jsonl");
	if (len >= PATH_MAX)
		return refuse(dest,
			      "the path is %zu bytes long; a path must be shorter than PATH_MAX (%d bytes): give a shorter one",
			      len, PATH_MAX);
	if (dest[len - 1] == '/' || split(dest, folder, sizeof folder, tf->name) < 0 || !strcmp(tf->name, ".") ||
	    !strcmp(tf->name, ".."))
		return refuse(
			dest,
			"names a folder, or a file name longer than NAME_MAX (%d bytes); give a file path, e.g. %strace.jsonl",
			NAME_MAX, dest[len - 1] == '/' ? shown(dest, where, sizeof where) : "");
	shown(folder, where, sizeof where);
	tf->dir = open(folder, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tf->dir < 0)
		return refuse(dest,
			      errno == ENOENT ? "its folder '%s' does not exist (%s): create it first, or give another path"
					      : "its folder '%s' cannot be opened (%s)",
			      where, strerror(errno));
	int exists = fstatat(tf->dir, tf->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
		/* written to, never replaced, never removed */
		fc_trace_file_discard(tf);
		tf->null_sink = 1;
		snprintf(tf->path, sizeof tf->path, "/dev/null");
		return 0;
	}
	if (exists && check_existing(tf->dir, tf->name, dest, &st) < 0)
		goto fail;
	tf->fd = openat(tf->dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (tf->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
		create_named(tf);
	if (tf->fd < 0) {
		refuse(dest, "cannot create the trace in its folder '%s': %s", where, strerror(errno));
		goto fail;
	}
	snprintf(tf->path, sizeof tf->path, "/proc/%d/fd/%d", (int)getpid(), tf->fd);
	return 0;
fail:
	fc_trace_file_discard(tf);
	return -1;
}

int fc_trace_file_commit(struct fc_trace_file *tf, const char *dest)
{
	char self[64];
	if (tf->null_sink)
		return 0;
	snprintf(self, sizeof self, "/proc/self/fd/%d", tf->fd);
	for (unsigned attempt = 0; !tf->tmp[0] && attempt < 100; attempt++) {
		/* the unnamed file gets a name of its own first: linkat cannot
		 * replace DEST, rename can, in one step */
		snprintf(tf->tmp, sizeof tf->tmp, ".forkchaos-trace.%d.%u", (int)getpid(), attempt);
		if (linkat(AT_FDCWD, self, tf->dir, tf->tmp, AT_SYMLINK_FOLLOW) == 0)
			break;
		int err = errno;
		tf->tmp[0] = 0;
		if (err != EEXIST) {
			refuse(dest, "cannot name the trace in its folder: %s; it is lost", strerror(err));
			goto fail;
		}
	}
	if (!tf->tmp[0] || renameat(tf->dir, tf->tmp, tf->dir, tf->name) < 0) {
		int err = errno;
		fprintf(stderr,
			"forkchaos run: --trace '%s': cannot put the trace there: %s; it is kept as '%s' in that folder\n", dest,
			strerror(err), tf->tmp);
		tf->tmp[0] = 0; /* kept: the message names it */
		goto fail;
	}
	tf->tmp[0] = 0;
	fc_trace_file_discard(tf);
	return 0;
fail:
	fc_trace_file_discard(tf);
	return -1;
}

void fc_trace_file_discard(void *arg)
{
	struct fc_trace_file *tf = arg;
	int err = errno;
	if (tf->tmp[0] && tf->dir >= 0)
		unlinkat(tf->dir, tf->tmp, 0); /* ours: made with O_EXCL */
	tf->tmp[0] = 0;
	if (tf->fd >= 0)
		close(tf->fd);
	if (tf->dir >= 0)
		close(tf->dir);
	tf->fd = tf->dir = -1;
	errno = err;
}

off_t fc_trace_file_size(const struct fc_trace_file *tf)
{
	struct stat st;
	return tf->fd >= 0 && fstat(tf->fd, &st) == 0 ? st.st_size : 0;
}
