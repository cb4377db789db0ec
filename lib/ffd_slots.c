/* The lock-free slot table of the generic path: one slot per child, found by
 * the SIGCHLD handler by walking a list of fixed-size blocks. */
#include "ffd_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct ffd__block ffd__first_block;

/* Only FREE slots are taken.  Slots inherited through fork from the parent
 * process (owner is another pid) stay as they are in the child: nothing in
 * the child completes them and ffd__slot_each skips them; the child simply
 * grows its table if it needs more. */
static int slot_take(struct ffd__slot *slot, pid_t self)
{
	int state = FFD__SLOT_FREE;
	if (!atomic_compare_exchange_strong(&slot->state, &state, FFD__SLOT_RESERVED))
		return 0;
	atomic_store_explicit(&slot->owner, self, memory_order_relaxed);
	atomic_store_explicit(&slot->pid, 0, memory_order_relaxed);
	atomic_store_explicit(&slot->read_fd, -1, memory_order_relaxed);
	atomic_store_explicit(&slot->write_fd, -1, memory_order_relaxed);
	atomic_store_explicit(&slot->consumed, 0, memory_order_relaxed);
	return 1;
}

struct ffd__slot *ffd__slot_reserve(void)
{
	pid_t self = getpid();
	struct ffd__block *block = &ffd__first_block;

	for (;;) {
		for (int i = 0; i < FFD__BLOCK_SLOTS; i++)
			if (slot_take(&block->slots[i], self))
				return &block->slots[i];

		struct ffd__block *next = atomic_load_explicit(&block->next, memory_order_acquire);
		if (next) {
			block = next;
			continue;
		}
		/* RACE: block-append: every slot is busy: append a block.  calloc
         * leaves every slot FREE; the block becomes visible only through the
         * release CAS on the tail's next pointer, so a handler walking the
         * list sees it complete or not at all, and of two threads appending
         * at once exactly one block is linked (the other is freed unseen). */
		struct ffd__block *fresh = calloc(1, sizeof(*fresh));
		if (!fresh)
			return NULL; /* errno is ENOMEM */
		struct ffd__block *expected = NULL;
		if (atomic_compare_exchange_strong_explicit(&block->next, &expected, fresh, memory_order_acq_rel,
							    memory_order_acquire)) {
			block = fresh;
		} else {
			/* Another thread appended first: use its block. */
			free(fresh);
			block = expected;
		}
	}
}

void ffd__slot_release(struct ffd__slot *slot)
{
	atomic_store_explicit(&slot->pid, 0, memory_order_relaxed);
	atomic_store_explicit(&slot->read_fd, -1, memory_order_relaxed);
	atomic_store_explicit(&slot->write_fd, -1, memory_order_relaxed);
	atomic_store_explicit(&slot->state, FFD__SLOT_FREE, memory_order_release);
}

/* The first slot of this process (slots inherited through fork belong to
 * the parent) whose state is in STATES for which FN returns non-NULL; FN
 * sees every such slot until then.  Lock-free and async-signal-safe: the
 * handler walks the table with it. */
struct ffd__slot *ffd__slot_each(unsigned states, struct ffd__slot *(*fn)(struct ffd__slot *, void *), void *arg)
{
	pid_t self = getpid();
	for (struct ffd__block *block = &ffd__first_block; block;
	     block = atomic_load_explicit(&block->next, memory_order_acquire)) {
		for (int i = 0; i < FFD__BLOCK_SLOTS; i++) {
			struct ffd__slot *slot = &block->slots[i];
			int state = atomic_load_explicit(&slot->state, memory_order_acquire);
			if (!(states & FFD__STATE_BIT(state)))
				continue;
			/* RACE: inherited-slots: a fork copies the table with slots
			 * in flight (RESERVED, LIVE, or CLAIMED by a thread the child
			 * does not have).  Their owner is the parent: the child's
			 * handler, ffd_wait and ffd_close never touch them. */
			if (atomic_load_explicit(&slot->owner, memory_order_relaxed) != self)
				continue;
			struct ffd__slot *found = fn(slot, arg);
			if (found)
				return found;
		}
	}
	return NULL;
}

static struct ffd__slot *reads_from(struct ffd__slot *slot, void *fd)
{
	return atomic_load_explicit(&slot->read_fd, memory_order_relaxed) == *(int *)fd ? slot : NULL;
}

/* The slot whose death pipe read end is fd, or NULL (then fd is a pidfd or
 * not ours).  ORPHAN slots are skipped: their read end was closed and the
 * number may already belong to a newer slot. */
struct ffd__slot *ffd__slot_find(int fd)
{
	if (fd < 0)
		return NULL;
	return ffd__slot_each(FFD__STATE_BIT(FFD__SLOT_LIVE) | FFD__STATE_BIT(FFD__SLOT_CLAIMED) | FFD__STATE_BIT(FFD__SLOT_DONE),
			      reads_from, &fd);
}
