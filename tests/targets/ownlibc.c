/* ownlibc: a program with its own getenv, setenv, malloc and close, as
 * bash (getenv/setenv), programs with their own allocators, and wrappers of
 * close have: the shim must read its environment and make its own calls
 * without reaching any of them.  `ownlibc pipes N` makes N pipe2 calls,
 * closes the ends that were made, and prints how often its own close and
 * getenv ran. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int own_close_calls, own_getenv_calls;

/* Everything unset, as bash's own getenv answers before its variable table
 * is filled. */
char *getenv(const char *name)
{
	own_getenv_calls++;
	return NULL;
}

int setenv(const char *name, const char *value, int overwrite)
{
	errno = EINVAL;
	return -1;
}

int close(int fd)
{
	own_close_calls++;
	return (int)syscall(SYS_close, fd);
}

/* A bump allocator: no free. */
static _Alignas(16) char arena[1 << 22];
static size_t arena_used;

void *malloc(size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size > sizeof arena - arena_used) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = arena + arena_used;
	arena_used += size;
	return p;
}

void free(void *p)
{
}

void *calloc(size_t n, size_t size)
{
	void *p = n && size > ((size_t)-1) / n ? NULL : malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *old, size_t size)
{
	void *p = malloc(size);
	if (p && old)
		memmove(p, old, size); /* the arena is contiguous: reading past is harmless */
	return p;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 1, made = 0;
	for (int i = 1; i <= n; i++) {
		int fds[2];
		int ret = pipe2(fds, O_CLOEXEC);
		printf("pipe2 %d %d %s\n", i, ret, ret < 0 ? strerrorname_np(errno) : "OK");
		if (ret == 0) {
			close(fds[0]);
			close(fds[1]);
			made += 2;
		}
	}
	printf("own-close-calls %d of %d\n", own_close_calls, made);
	return 0;
}
