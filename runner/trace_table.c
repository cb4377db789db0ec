/* Keyed counters and interned strings for the trace summary (a trace of a
 * few thousand lines folds into a few dozen rows, so one small open
 * addressing table serves every section), and the model's records of
 * processes and children, found by pid through such a table. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "trace_model.h"

void *fc__grow(void *array, size_t *cap, size_t len, size_t size)
{
	if (array && len < *cap)
		return array;
	size_t want = *cap && array ? *cap * 2 : 16;
	void *grown = realloc(array, want * size);
	if (grown)
		*cap = want;
	return grown;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
	return h;
}

static uint64_t key_hash(const struct fc__key *k)
{
	uint64_t h = 0;
	for (int i = 0; i < 3; i++)
		h = mix(h, (uintptr_t)k->s[i]);
	return mix(mix(h, (uint64_t)k->i[0]), (uint64_t)k->i[1]);
}

static int key_eq(const struct fc__key *a, const struct fc__key *b)
{
	return a->s[0] == b->s[0] && a->s[1] == b->s[1] && a->s[2] == b->s[2] && a->i[0] == b->i[0] && a->i[1] == b->i[1];
}

/* The slot that holds KEY, or the empty slot where it would go. */
static size_t probe(const struct fc__table *t, const struct fc__key *key)
{
	size_t mask = t->nslots - 1, at = key_hash(key) & mask;
	while (t->slots[at] && !key_eq(&t->rows[t->slots[at] - 1].k, key))
		at = (at + 1) & mask;
	return at;
}

static int rehash(struct fc__table *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 64;
	size_t *slots = calloc(nslots, sizeof *slots);
	if (!slots)
		return -1;
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	for (size_t r = 0; r < t->len; r++)
		t->slots[probe(t, &t->rows[r].k)] = r + 1;
	return 0;
}

struct fc__row *fc__table_find(const struct fc__table *t, const struct fc__key *key)
{
	if (!t->nslots)
		return NULL;
	size_t at = probe(t, key);
	return t->slots[at] ? &t->rows[t->slots[at] - 1] : NULL;
}

struct fc__row *fc__table_at(struct fc__table *t, const struct fc__key *key, int *added)
{
	struct fc__row *row = fc__table_find(t, key);
	if (added)
		*added = !row;
	if (row)
		return row;
	/* at most half full, so that a probe always ends */
	if ((t->len + 1) * 2 > t->nslots && rehash(t) < 0)
		return NULL;
	struct fc__row *rows = fc__grow(t->rows, &t->cap, t->len, sizeof *t->rows);
	if (!rows)
		return NULL;
	t->rows = rows;
	row = &t->rows[t->len];
	memset(row, 0, sizeof *row);
	row->k = *key;
	row->order = t->len++;
	t->slots[probe(t, key)] = t->len;
	return row;
}

static int by_count(const void *a, const void *b)
{
	const struct fc__row *x = *(struct fc__row *const *)a, *y = *(struct fc__row *const *)b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct fc__row **fc__table_sorted(const struct fc__table *t)
{
	struct fc__row **sorted = malloc((t->len + 1) * sizeof *sorted);
	if (!sorted)
		return NULL;
	for (size_t r = 0; r < t->len; r++)
		sorted[r] = &t->rows[r];
	qsort(sorted, t->len, sizeof *sorted, by_count);
	return sorted;
}

void fc__table_free(struct fc__table *t)
{
	free(t->rows);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

static uint64_t text_hash(const char *s)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static size_t text_probe(char **slots, size_t nslots, const char *s)
{
	size_t at = text_hash(s) & (nslots - 1);
	while (slots[at] && strcmp(slots[at], s))
		at = (at + 1) & (nslots - 1);
	return at;
}

const char *fc__intern(struct fc__strings *st, const char *s)
{
	if (!s)
		return NULL;
	if ((st->len + 1) * 2 > st->nslots) {
		size_t nslots = st->nslots ? st->nslots * 2 : 256;
		char **slots = calloc(nslots, sizeof *slots);
		if (!slots)
			return NULL;
		for (size_t i = 0; i < st->nslots; i++)
			if (st->slots[i])
				slots[text_probe(slots, nslots, st->slots[i])] = st->slots[i];
		free(st->slots);
		st->slots = slots;
		st->nslots = nslots;
	}
	size_t at = text_probe(st->slots, st->nslots, s);
	if (!st->slots[at]) {
		if (!(st->slots[at] = strdup(s)))
			return NULL;
		st->len++;
	}
	return st->slots[at];
}

void fc__strings_free(struct fc__strings *st)
{
	for (size_t i = 0; i < st->nslots; i++)
		free(st->slots[i]);
	free(st->slots);
	memset(st, 0, sizeof *st);
}

static long long find_index(const struct fc__table *t, long long pid)
{
	struct fc__key k = { .i = { pid } };
	const struct fc__row *row = fc__table_find(t, &k);
	return row ? row->n : -1;
}

struct fc__proc *fc__model_proc(const struct fc__model *m, long long pid)
{
	long long i = find_index(&m->proc_index, pid);
	return i < 0 ? NULL : &m->procs[i];
}

struct fc__child *fc__model_child(const struct fc__model *m, long long pid)
{
	long long i = find_index(&m->child_index, pid);
	return i < 0 ? NULL : &m->children[i];
}

/* PID's row in INDEX; when new (*ADDED), its n is NEXT: the index that
 * the caller's new record takes. */
static struct fc__row *index_at(struct fc__table *index, long long pid, size_t next, int *added)
{
	struct fc__key k = { .i = { pid } };
	struct fc__row *row = fc__table_at(index, &k, added);
	if (row && *added)
		row->n = (long long)next;
	return row;
}

struct fc__proc *fc__proc_at(struct fc__model *m, long long pid)
{
	int added;
	struct fc__row *row = index_at(&m->proc_index, pid, m->nprocs, &added);
	if (!row)
		return NULL;
	if (added) {
		struct fc__proc *procs = fc__grow(m->procs, &m->procs_cap, m->nprocs, sizeof *procs);
		if (!procs)
			return NULL;
		m->procs = procs;
		procs[m->nprocs++] = (struct fc__proc){ .pid = pid };
	}
	return &m->procs[row->n];
}

struct fc__child *fc__child_at(struct fc__model *m, long long pid, long long parent)
{
	int added;
	struct fc__row *row = index_at(&m->child_index, pid, m->nchildren, &added);
	struct fc__child *children = row && added ? fc__grow(m->children, &m->children_cap, m->nchildren, sizeof *children)
						  : NULL;
	if (!row || (added && !children))
		return NULL;
	if (added) {
		m->children = children;
		children[m->nchildren++] = (struct fc__child){ .pid = pid, .parent = parent };
	}
	struct fc__proc *p = fc__proc_at(m, pid);
	if (!p)
		return NULL;
	if (!p->ppid)
		p->ppid = parent;
	return &m->children[row->n];
}
