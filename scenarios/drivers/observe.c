#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "observe.h"

void obs_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("driver: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static int report_fd = -1;

/* Opened once, before any census, so it counts in "before" and "after". */
static void open_report(void)
{
	const char *path = getenv("FORKCHAOS_REPORT");
	report_fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : 2;
	if (report_fd < 0)
		obs_die("cannot open report %s: %s", path, strerror(errno));
}

void obs_load(struct ffd_api *api)
{
	const char *path = getenv("FORKCHAOS_LIB");
	open_report();
	if (!path || !*path)
		obs_die("FORKCHAOS_LIB is not set; it names the libffd to test (e.g. build/libffd.so)");
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		obs_die("cannot load %s: %s", path, dlerror());
	api->fork = (int (*)(int, pid_t *))dlsym(lib, "ffd_fork");
	api->spawn = (int (*)(int, pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
			      char *const[], char *const[]))dlsym(lib, "ffd_spawn");
	api->wait = (int (*)(int, struct ffd_info *, int, struct rusage *))dlsym(lib, "ffd_wait");
	api->close = (int (*)(int))dlsym(lib, "ffd_close");
	if (!api->fork || !api->spawn || !api->wait || !api->close)
		obs_die("%s lacks the libffd API (ffd_fork, ffd_spawn, ffd_wait, ffd_close)", path);
}

void obs(const char *fmt, ...)
{
	char line[512];
	int saved_errno = errno;
	if (report_fd < 0)
		open_report();
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len > (int)sizeof line - 2)
		len = (int)sizeof line - 2;
	line[len++] = '\n';
	if (write(report_fd, line, (size_t)len) < 0)
		obs_die("cannot write the report: %s", strerror(errno));
	errno = saved_errno;
}

int obs_fd_count(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int count = 0;
	struct dirent *entry;
	if (!dir)
		obs_die("cannot read /proc/self/fd: %s", strerror(errno));
	while ((entry = readdir(dir)))
		count += entry->d_name[0] != '.';
	closedir(dir);
	return count - 1; /* the directory's own descriptor */
}

const char *obs_status(const struct ffd_info *info, char *buf, size_t len)
{
	const char *kind = info->code == CLD_EXITED ? "exited"
		: info->code == CLD_KILLED          ? "killed"
		: info->code == CLD_DUMPED          ? "dumped"
						    : "code?";
	snprintf(buf, len, "%s:%d", kind, (int)info->status);
	return buf;
}

const char *obs_errno(int err)
{
	const char *name = err ? strerrorname_np(err) : "0";
	return name ? name : "E?";
}

void obs_library_failed(const char *call)
{
	obs("result %s -1 %s 0", call, obs_errno(errno));
	exit(0);
}
