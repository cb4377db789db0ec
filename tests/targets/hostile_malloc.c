/* hostile_malloc: four threads allocate, grow and free blocks that other
 * threads made, through malloc, calloc, realloc and free (issue 9, finding
 * 1).  Run with a malloc replacement (jemalloc, tcmalloc) preloaded before
 * or after the shim: every call must reach one allocator, never glibc's
 * for some and the replacement's for others.  Prints "malloc ok". */
#include <pthread.h>
#include <stdint.h>
#include "hostile.h"

#define SLOTS 256
#define ROUNDS 20000

static void *slots[SLOTS];

static void *churn(void *arg)
{
	uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
	for (int i = 0; i < ROUNDS; i++) {
		x = x * 1103515245u + 12345u;
		size_t size = (x >> 8) % 4096 + 1;
		void *mine = (x & 3) == 0 ? calloc(1, size) : malloc(size);
		if (!mine)
			return (void *)1;
		/* someone else's block, to grow or to free */
		void *theirs = __atomic_exchange_n(&slots[(x >> 20) % SLOTS], mine, __ATOMIC_ACQ_REL);
		if (theirs && (x & 4)) {
			void *grown = realloc(theirs, size * 2);
			if (!grown)
				return (void *)1;
			theirs = grown;
		}
		free(theirs);
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[4];
	void *bad = NULL, *result;
	for (uintptr_t i = 0; i < 4; i++)
		if (pthread_create(&threads[i], NULL, churn, (void *)(i + 1)))
			return 2;
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], &result);
		bad = bad ? bad : result;
	}
	for (int i = 0; i < SLOTS; i++)
		free(slots[i]);
	puts(bad ? "malloc failed" : "malloc ok");
	return bad != NULL;
}
