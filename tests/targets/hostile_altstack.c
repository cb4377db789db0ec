/* hostile_altstack write|plugin [SIZE]: how much of an alternate signal
 * stack the shim takes (issue 9, finding 3).  A handler on a SIZE-byte
 * altstack (65536; a guard page below it, so that an overflow faults)
 * writes through a helper (write: write:caller=handler:depth=2 unwinds
 * from inside it) or calls a plugin loaded since the last index (plugin:
 * the index is rebuilt in the handler).  The stack is painted before each
 * signal; the deepest byte touched is the use.  First a bare handler that
 * makes the same system call without the shim (raw) gives the kernel's
 * frame and the handler's own; the shim's part is the difference, which
 * must stay within 4 KiB (on a CPU whose signal frame is 3 KiB, what a
 * legacy 8 KiB SIGSTKSZ stack leaves with 1 KiB for the handler): exit 1
 * past it. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include "hostile.h"

#define PAINT 0x5a
#define SHIM_BUDGET 4096

static int null_fd = -1;
static int (*plugin)(void);

/* write(2) without libc's symbol: nothing of the shim runs */
static long raw_write(int fd, const void *buf, size_t len)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_write), "D"((long)fd), "S"(buf), "d"(len)
			 : "rcx", "r11", "memory");
	return ret;
}

static void bare_handler(int sig)
{
	raw_write(null_fd, "x", 1);
}

__attribute__((noinline)) static void emit(void)
{
	if (write(null_fd, "x", 1) < 0)
		return;
}

static void handler(int sig)
{
	int saved = errno;
	if (plugin)
		plugin();
	else
		emit();
	errno = saved;
}

/* Paint, take SIG, return the bytes used from the top of ALT. */
static size_t stack_use(unsigned char *alt, size_t size, int sig)
{
	memset(alt, PAINT, size);
	raise(sig);
	size_t untouched = 0;
	while (untouched < size && alt[untouched] == PAINT)
		untouched++;
	return size - untouched;
}

static int setup_plugin(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/libhostile_plugin.so", hostile_dir());
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	plugin = lib ? (int (*)(void))dlsym(lib, "plugin") : NULL;
	return plugin ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "write";
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 65536, page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *area = mmap(NULL, page + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || mprotect(area, page, PROT_NONE) < 0)
		return 2;
	stack_t ss = { .ss_sp = area + page, .ss_size = size };
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
	struct sigaction bare = { .sa_handler = bare_handler, .sa_flags = SA_ONSTACK };
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0 || sigaltstack(&ss, NULL) < 0 || sigaction(SIGUSR1, &sa, NULL) < 0 ||
	    sigaction(SIGUSR2, &bare, NULL) < 0 || (!strcmp(mode, "plugin") && setup_plugin() < 0))
		return 2;
	size_t base = stack_use(area + page, size, SIGUSR2), deepest = 0;
	for (int i = 0; i < 20; i++) {
		size_t used = stack_use(area + page, size, SIGUSR1);
		deepest = used > deepest ? used : deepest;
	}
	printf("altstack %s bare %zu with-shim %zu shim %zd of %d\n", mode, base, deepest, (ssize_t)(deepest - base),
	       SHIM_BUDGET);
	return deepest > base + SHIM_BUDGET;
}
