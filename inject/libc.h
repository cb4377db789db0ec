/* The shim's own outgoing calls.  Everything the shim does for itself (the
 * trace's writes, the clock, opening files, signals, sleeping) goes through
 * here, never through the process's symbol table: a target or another
 * interposer may define write, close, clock_gettime, getenv... (bash defines
 * getenv and setenv; libfaketime answers clock_gettime by calling
 * pthread_sigmask, which is ours), and a call of the shim's that reached
 * them would run their code inside ours, or our wrappers again.
 *
 * So: raw system calls, which touch neither errno nor any symbol (they
 * return -errno on failure), and, where the vDSO makes libc's version much
 * cheaper (the clock), a pointer to libc's own definition resolved once
 * through libc's handle, never through the global scope. */
#ifndef FC_LIBC_H
#define FC_LIBC_H
#include <stddef.h>
#include <stdint.h>
#include <link.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

#define FC_HIDDEN_FN __attribute__((visibility("hidden")))

#if !defined(__x86_64__)
#error "forkchaos' shim issues its own system calls; only x86_64 is written"
#endif

static inline long fc__sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define fc__sys(nr, a, b, c) fc__sys6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static inline long fc__write(int fd, const void *buf, size_t len)
{
	return fc__sys(SYS_write, fd, buf, len);
}
static inline long fc__read(int fd, void *buf, size_t len)
{
	return fc__sys(SYS_read, fd, buf, len);
}
static inline int fc__open(const char *path, int flags, int mode)
{
	return (int)fc__sys6(SYS_openat, -100 /* AT_FDCWD */, (long)path, flags, mode, 0, 0);
}
static inline int fc__close(int fd)
{
	return (int)fc__sys(SYS_close, fd, 0, 0);
}
static inline int fc__fcntl(int fd, int cmd, long arg)
{
	return (int)fc__sys(SYS_fcntl, fd, cmd, arg);
}
static inline pid_t fc__getpid(void)
{
	return (pid_t)fc__sys(SYS_getpid, 0, 0, 0);
}
static inline pid_t fc__gettid(void)
{
	return (pid_t)fc__sys(SYS_gettid, 0, 0, 0);
}
static inline pid_t fc__getppid(void)
{
	return (pid_t)fc__sys(SYS_getppid, 0, 0, 0);
}
static inline int fc__tgkill(pid_t pid, pid_t tid, int sig)
{
	return (int)fc__sys(SYS_tgkill, pid, tid, sig);
}
static inline int fc__kill(pid_t pid, int sig)
{
	return (int)fc__sys(SYS_kill, pid, sig, 0);
}
static inline void *fc__mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	long ret = fc__sys6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
	return ret < 0 && ret > -4096 ? (void *)-1 : (void *)ret;
}
static inline int fc__munmap(void *addr, size_t len)
{
	return (int)fc__sys(SYS_munmap, addr, len, 0);
}
static inline long fc__readlink(const char *path, char *buf, size_t len)
{
	return fc__sys6(SYS_readlinkat, -100, (long)path, (long)buf, (long)len, 0, 0);
}
static inline int fc__clock_nanosleep(clockid_t clock, int flags, const struct timespec *t)
{
	return (int)fc__sys6(SYS_clock_nanosleep, clock, flags, (long)t, 0, 0, 0);
}
static inline long fc__waitid(int idtype, long id, void *info, int options)
{
	return fc__sys6(SYS_waitid, idtype, id, (long)info, options, 0, 0);
}
static inline long fc__lseek(int fd, long off, int whence)
{
	return fc__sys(SYS_lseek, fd, off, whence);
}

/* The clock, through libc's own clock_gettime (the vDSO: ~20 ns) when it
 * was found, else the raw system call. */
uint64_t fc__now_ns(clockid_t clock) FC_HIDDEN_FN;
void fc__now(clockid_t clock, struct timespec *ts) FC_HIDDEN_FN;
/* Find libc's own definitions (once, in the constructor). */
void fc__libc_init(void) FC_HIDDEN_FN;
/* libc's own setenv (not a program's: bash defines one that writes into
 * its variable table), or nothing when it cannot be found. */
void fc__setenv(const char *name, const char *value) FC_HIDDEN_FN;
/* The process was started setuid, setgid or with file capabilities
 * (AT_SECURE): the shim must then do nothing at all. */
int fc__secure_process(void) FC_HIDDEN_FN;
/* dl_iterate_phdr, libc's own. */
int fc__dl_iterate_phdr(int (*fn)(struct dl_phdr_info *, size_t, void *), void *arg) FC_HIDDEN_FN;

/* The environment as the process was started with it (__environ), read
 * without getenv: NULL when NAME is not set. */
const char *fc__env(const char *name) FC_HIDDEN_FN;
/* A whole decimal number, all of TEXT; 0 when it is not one (or does not
 * fit 64 bits). */
int fc__parse_u64(const char *text, uint64_t *value) FC_HIDDEN_FN;
/* PATH made absolute against the current folder into BUF; -1 when it does
 * not fit. */
int fc__absolute_path(const char *path, char *buf, size_t len) FC_HIDDEN_FN;
/* Decimal digits of VALUE into BUF (at least 24 bytes), NUL-ended. */
char *fc__u64_text(uint64_t value, char *buf) FC_HIDDEN_FN;
#endif
