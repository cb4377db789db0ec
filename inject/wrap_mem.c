/* The allocator: malloc, calloc and realloc are forwarded to the next
 * definition in the process (dlsym RTLD_NEXT), as every other wrapper is,
 * so that a malloc replacement preloaded after the shim (jemalloc,
 * tcmalloc) gets every allocation as it gets every free.  Forwarding to
 * glibc's own allocator instead, while free() reached the replacement,
 * crashed every program so preloaded.
 *
 * dlsym itself may allocate while it looks the allocator up: those few
 * allocations come from a small arena here (the BOOT of their lines in
 * calls.def), which free() below recognises and never hands on. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "shim.h"

#define ARENA_BYTES (64 * 1024)

/* Each block: its size in the word before it, 16-byte aligned. */
static _Alignas(16) unsigned char arena[ARENA_BYTES];
static size_t arena_used;

int fc__in_boot_arena(const void *p)
{
	return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

void *fc__boot_malloc(size_t size) FC_HIDDEN;
void *fc__boot_malloc(size_t size)
{
	size_t need = 16 + ((size + 15) & ~(size_t)15), at;
	do {
		at = __atomic_load_n(&arena_used, __ATOMIC_RELAXED);
		if (size > ARENA_BYTES || need > ARENA_BYTES - at) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!__atomic_compare_exchange_n(&arena_used, &at, at + need, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*(size_t *)(arena + at + 8) = size;
	return arena + at + 16;
}

void *fc__boot_calloc(size_t n, size_t size) FC_HIDDEN;
void *fc__boot_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return fc__boot_malloc(n * size); /* the arena is zeroed and never reused */
}

void *fc__boot_realloc(void *old, size_t size) FC_HIDDEN;
void *fc__boot_realloc(void *old, size_t size)
{
	void *p = fc__boot_malloc(size);
	if (p && old && fc__in_boot_arena(old)) {
		size_t was = ((size_t *)old)[-1];
		memcpy(p, old, was < size ? was : size);
	}
	return p;
}

/* realloc of an arena block once the allocator is known: a block of the
 * next allocator's, with the contents, and the arena's is let go. */
void *fc__boot_handoff(void *old, size_t size)
{
	void *(*next_malloc)(size_t) = FC_REAL(malloc);
	void *p = next_malloc ? next_malloc(size) : NULL;
	if (p) {
		size_t was = ((size_t *)old)[-1];
		memcpy(p, old, was < size ? was : size);
	}
	return p;
}

static void (*next_free)(void *);

/* Found at load, like the calls' real functions, so that the lazy lookup
 * below is for frees made before the constructors only. */
__attribute__((constructor(101))) static void resolve_free(void)
{
	if (next_free)
		return;
	fc__guard++;
	fc__resolving++;
	void (*real)(void *) = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	fc__resolving--;
	fc__guard--;
	__atomic_store_n(&next_free, real, __ATOMIC_RELAXED);
}

/* free: an arena block is never handed to the next allocator. */
void free(void *p)
{
	if (!p || fc__in_boot_arena(p))
		return;
	void (*real)(void *) = __atomic_load_n(&next_free, __ATOMIC_RELAXED);
	if (FC_UNLIKELY(!real)) {
		/* dlsym frees its last error string on the way: a free from
		 * inside the lookup is dropped (a leak, once) rather than looked
		 * up again for ever */
		if (fc__resolving)
			return;
		fc__guard++;
		fc__resolving++;
		real = (void (*)(void *))dlsym(RTLD_NEXT, "free");
		fc__resolving--;
		fc__guard--;
		if (!real)
			return; /* a leak, never a crash */
		__atomic_store_n(&next_free, real, __ATOMIC_RELAXED);
	}
	real(p);
}
