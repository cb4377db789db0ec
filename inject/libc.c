/* libc's own definitions of the few functions the shim needs from it and
 * cannot replace with a system call, found through libc's handle (dlsym on
 * a handle searches that object, never the global scope where a program or
 * an interposer may have its own), and the environment read in place. */
#include <dlfcn.h>
#include <sys/auxv.h>
#include <string.h>
#include "libc.h"

extern char **__environ;

static int (*libc_clock_gettime)(clockid_t, struct timespec *);
static int (*libc_setenv)(const char *, const char *, int);
static int (*libc_dl_iterate_phdr)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
static unsigned long (*libc_getauxval)(unsigned long);

void fc__libc_init(void)
{
	/* RTLD_NOLOAD: libc is loaded already; this only takes a handle */
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (!libc)
		return;
	libc_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(libc, "clock_gettime");
	libc_setenv = (int (*)(const char *, const char *, int))dlsym(libc, "setenv");
	libc_dl_iterate_phdr = (int (*)(int (*)(struct dl_phdr_info *, size_t, void *), void *))dlsym(libc, "dl_iterate_phdr");
	libc_getauxval = (unsigned long (*)(unsigned long))dlsym(libc, "getauxval");
	dlclose(libc); /* a reference count only: libc stays */
}

int fc__secure_process(void)
{
	/* unknown (libc without getauxval): treat it as secure, do nothing */
	return !libc_getauxval || libc_getauxval(AT_SECURE) != 0;
}

void fc__now(clockid_t clock, struct timespec *ts)
{
	if (!libc_clock_gettime || libc_clock_gettime(clock, ts) != 0)
		fc__sys(SYS_clock_gettime, clock, ts, 0);
}

uint64_t fc__now_ns(clockid_t clock)
{
	struct timespec ts = { 0, 0 };
	fc__now(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void fc__setenv(const char *name, const char *value)
{
	if (libc_setenv)
		libc_setenv(name, value, 1);
}

int fc__dl_iterate_phdr(int (*fn)(struct dl_phdr_info *, size_t, void *), void *arg)
{
	return libc_dl_iterate_phdr ? libc_dl_iterate_phdr(fn, arg) : dl_iterate_phdr(fn, arg);
}

const char *fc__env(const char *name)
{
	size_t len = strlen(name);
	for (char **entry = __environ; entry && *entry; entry++)
		if (!strncmp(*entry, name, len) && (*entry)[len] == '=')
			return *entry + len + 1;
	return NULL;
}

int fc__parse_u64(const char *text, uint64_t *value)
{
	uint64_t result = 0;
	if (!text || !*text)
		return 0;
	for (const char *p = text; *p; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (digit > 9 || result > (UINT64_MAX - digit) / 10)
			return 0;
		result = result * 10 + digit;
	}
	*value = result;
	return 1;
}

char *fc__u64_text(uint64_t value, char *buf)
{
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + value % 10);
	while ((value /= 10));
	for (int i = 0; i < n; i++)
		buf[i] = digits[n - 1 - i];
	buf[n] = 0;
	return buf;
}

int fc__absolute_path(const char *path, char *buf, size_t len)
{
	size_t used = 0, plen = strlen(path);
	if (path[0] != '/') {
		long got = fc__sys(SYS_getcwd, buf, len, 0);
		if (got <= 0)
			return -1;
		used = strlen(buf);
		if (used + 1 >= len)
			return -1;
		if (used > 1 || buf[0] != '/')
			buf[used++] = '/';
		else
			used = 1;
	}
	if (used + plen >= len)
		return -1;
	memcpy(buf + used, path, plen + 1);
	return 0;
}
