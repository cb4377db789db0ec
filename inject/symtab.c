/* The symbol index: every loaded object and its function symbols, built
 * at plan load, so that caller= and lib= become address ranges per rule
 * and the hot path compares return addresses; the trace names callers with
 * a binary search.  No malloc and no file access in the common case.
 *
 * Rebuilt when a call comes from an address outside every indexed object
 * (a library dlopen()ed since) and after every dlclose (its ranges must not
 * match what is mapped there next).  A rebuild
 *   - never runs in a signal handler (the trampoline says when we are in
 *     one): there an unknown address is described as unknown and counted;
 *   - never runs in the child of a fork made while the parent had threads:
 *     glibc 2.36 does not reset the loader's lock in the child, and another
 *     thread may have held it;
 *   - holds the loader lock (dl_iterate_phdr) only to copy each object's
 *     name and range: the files are opened and read after;
 *   - publishes the new index with one atomic store, then unmaps the old
 *     index and the objects it alone held once no lookup is reading them. */
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/single_threaded.h>
#include "libc.h"
#include "symtab.h"

#define MAX_RANGES 4

struct rule_ranges {
	int n;
	uintptr_t lo[MAX_RANGES], hi[MAX_RANGES];
};

struct index {
	size_t bytes;                  /* of this mapping */
	unsigned long long adds, subs; /* dl_iterate_phdr's load and unload counts when built */
	size_t nobjects;
	struct rule_ranges callers[FC_MAX_RULES], libs[FC_MAX_RULES];
	struct fc_object *objects[]; /* nobjects of them */
};

static struct index *current;
static int readers;         /* lookups in flight, any thread or handler */
static int rebuilding;      /* one rebuild at a time; the others use what is there */
static int no_loader_lock;  /* this image is a fork child of a threaded parent */
static uintptr_t last_miss; /* an address known to be in no object (JIT code) */
static unsigned long long unknown_in_handler;

/* What the loader tells of one object, copied under its lock. */
struct seen {
	uintptr_t base, lo, hi;
	char path[256];
};

struct collect {
	struct seen *out;
	size_t cap, n;
	unsigned long long adds, subs;
};

/* With one thread (fc__one_thread), a reader and a rebuild can only meet
 * as a handler and the code it interrupted, and a handler never rebuilds:
 * a single unlocked instruction counts a reader (a handler cannot split
 * it) and no fence is needed (caller= pays two locked operations per call
 * else). */
static const struct index *acquire(void)
{
	if (fc__one_thread()) {
		__asm__ volatile("addl $1, %0" : "+m"(readers));
		return __atomic_load_n(&current, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&readers, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&current, __ATOMIC_SEQ_CST);
}

static void release(void)
{
	if (fc__one_thread())
		__asm__ volatile("subl $1, %0" : "+m"(readers));
	else
		__atomic_sub_fetch(&readers, 1, __ATOMIC_SEQ_CST);
}

static const struct fc_object *find_object(const struct index *idx, uintptr_t addr)
{
	for (size_t i = 0; idx && i < idx->nobjects; i++)
		if (addr >= idx->objects[i]->lo && addr < idx->objects[i]->hi)
			return idx->objects[i];
	return NULL;
}

/* Under the loader lock: names and ranges only, no file, no mmap. */
static int collect_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct collect *c = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_adds) + sizeof info->dlpi_subs) {
		c->adds = info->dlpi_adds;
		c->subs = info->dlpi_subs;
	}
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t seg = info->dlpi_addr + ph->p_vaddr;
		lo = seg < lo ? seg : lo;
		hi = seg + ph->p_memsz > hi ? seg + ph->p_memsz : hi;
	}
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	/* an object without a name is the main program (the first), or the
	 * vdso, which has no file */
	if (lo >= hi || (!*name && c->n > 0))
		return 0;
	if (c->n < c->cap) {
		struct seen *s = &c->out[c->n];
		s->base = info->dlpi_addr;
		s->lo = lo;
		s->hi = hi;
		strncpy(s->path, name, sizeof s->path - 1);
		s->path[sizeof s->path - 1] = 0;
	}
	c->n++; /* past cap too: the caller tries again with room */
	return 0;
}

static void add_range(struct rule_ranges *ranges, uintptr_t lo, uintptr_t hi)
{
	if (ranges->n < MAX_RANGES) {
		ranges->lo[ranges->n] = lo;
		ranges->hi[ranges->n] = hi;
		ranges->n++;
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* caller=OBJECT+0xOFFSET: the one byte before the return address, in each
 * object of that file name (the lookups compare RA - 1), so that the hot
 * path and depth= treat a site as a function one byte long. */
static void resolve_site(struct rule_ranges *ranges, const struct fc_rule *rule, const struct fc_object *obj)
{
	const char *name = base_name(obj->path);
	uintptr_t ra = obj->base + (uintptr_t)rule->site_off;
	if (strlen(name) == (size_t)rule->site_len && !memcmp(name, rule->caller, (size_t)rule->site_len) && ra > obj->lo &&
	    ra <= obj->hi)
		add_range(ranges, ra - 1, ra);
}

/* caller=NAME: every function of that name, in every object (a site: its
 * one address in each object of its name); lib=NAME: every object whose
 * file name starts with NAME (or is NAME, for a path). */
static void resolve_rules(struct index *idx)
{
	const struct fc_plan *plan = &fc__state.plan;
	for (int r = 0; r < plan->nrules; r++) {
		const struct fc_rule *rule = &plan->rules[r];
		for (size_t i = 0; i < idx->nobjects; i++) {
			const struct fc_object *obj = idx->objects[i];
			if (rule->lib[0] &&
			    (strchr(rule->lib, '/') ? !strcmp(obj->path, rule->lib)
						    : !strncmp(base_name(obj->path), rule->lib, strlen(rule->lib))))
				add_range(&idx->libs[r], obj->lo, obj->hi);
			if (rule->site_len) {
				resolve_site(&idx->callers[r], rule, obj);
				continue;
			}
			for (size_t k = 0; rule->caller[0] && k < obj->nsyms; k++)
				if (!strcmp(obj->syms[k].name, rule->caller))
					add_range(&idx->callers[r], obj->syms[k].start, obj->syms[k].end);
		}
	}
}

/* The objects the loader has now, or NULL (no memory, or no room twice). */
static struct seen *take_census(struct collect *c)
{
	for (size_t cap = 128; cap <= (1u << 20); cap *= 4) {
		*c = (struct collect){ .out = fc__map_zeroed(cap * sizeof *c->out), .cap = cap };
		if (!c->out)
			return NULL;
		fc__dl_iterate_phdr(collect_object, c);
		if (c->n <= cap)
			return c->out;
		fc__munmap(c->out, cap * sizeof *c->out);
	}
	return NULL;
}

static struct fc_object *reuse_or_load(const struct index *old, struct seen *s, int first)
{
	if (first && !s->path[0]) {
		long n = fc__readlink("/proc/self/exe", s->path, sizeof s->path - 1);
		s->path[n > 0 ? n : 0] = 0;
	}
	/* an object indexed before keeps its record: files are read once */
	for (size_t i = 0; old && i < old->nobjects; i++) {
		struct fc_object *obj = old->objects[i];
		if (obj->base == s->base && obj->lo == s->lo && !strcmp(obj->path, s->path)) {
			obj->kept = 1;
			return obj;
		}
	}
	return fc__object_load(s->path, s->base, s->lo, s->hi);
}

/* RACE: index-free: a lookup that loaded the old index before the swap may
 * still read it; it is unmapped once no lookup is in flight, and kept for
 * good (a leak, not a crash) if one never ends (a handler stuck in it). */
static void retire(struct index *old)
{
	for (int spins = 0; __atomic_load_n(&readers, __ATOMIC_SEQ_CST) > 0; spins++)
		if (spins > 100000)
			return;
		else
			fc__sys(SYS_sched_yield, 0, 0, 0);
	for (size_t i = 0; i < old->nobjects; i++)
		if (!old->objects[i]->kept)
			fc__object_free(old->objects[i]);
	fc__munmap(old, old->bytes);
}

void fc__symtab_refresh(void)
{
	struct collect c;
	if (no_loader_lock || __atomic_exchange_n(&rebuilding, 1, __ATOMIC_ACQUIRE))
		return;
	/* set first: a fork child of a build in flight (a handler's fork)
	 * must still reset `rebuilding` (life.c) */
	fc__state.index_used = 1;
	fc__guard++;
	struct seen *census = take_census(&c);
	size_t bytes = sizeof(struct index) + c.n * sizeof(struct fc_object *);
	struct index *idx = census ? fc__map_zeroed(bytes) : NULL;
	struct index *old = __atomic_load_n(&current, __ATOMIC_SEQ_CST);
	if (idx) {
		idx->bytes = bytes;
		idx->adds = c.adds;
		idx->subs = c.subs;
		for (size_t i = 0; i < c.n; i++) {
			struct fc_object *obj = reuse_or_load(old, &census[i], i == 0);
			if (obj)
				idx->objects[idx->nobjects++] = obj;
		}
		resolve_rules(idx);
		__atomic_store_n(&current, idx, __ATOMIC_SEQ_CST);
		if (old)
			retire(old);
		for (size_t i = 0; i < idx->nobjects; i++)
			idx->objects[i]->kept = 0;
	}
	if (census)
		fc__munmap(census, c.cap * sizeof *census);
	fc__guard--;
	__atomic_store_n(&rebuilding, 0, __ATOMIC_RELEASE);
}

static int count_loads(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *counts = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_adds) + sizeof info->dlpi_subs) {
		counts[0] = info->dlpi_adds;
		counts[1] = info->dlpi_subs;
	}
	return 1; /* the first object says it all: the lock is let go at once */
}

/* The index to look ADDR up in, acquired (the caller releases it).  An
 * address in no indexed object means a library was loaded since, unless
 * we may not look (a handler, a guarded section, a fork child of threads)
 * or it is code outside every object (a JIT) seen before. */
static const struct index *index_for(uintptr_t addr)
{
	const struct index *idx = acquire();
	if (find_object(idx, addr) || fc__guard || addr == __atomic_load_n(&last_miss, __ATOMIC_RELAXED))
		return idx;
	if (fc__in_handler || no_loader_lock) {
		__atomic_add_fetch(&unknown_in_handler, fc__in_handler ? 1 : 0, __ATOMIC_RELAXED);
		return idx;
	}
	unsigned long long counts[2] = { 0, 0 };
	int stale = !idx;
	release();
	fc__guard++;
	fc__dl_iterate_phdr(count_loads, counts);
	fc__guard--;
	idx = acquire();
	stale |= idx && (counts[0] != idx->adds || counts[1] != idx->subs);
	if (!stale) {
		__atomic_store_n(&last_miss, addr, __ATOMIC_RELAXED);
		return idx;
	}
	release();
	fc__symtab_refresh();
	return acquire();
}

static int in_ranges(const struct rule_ranges *ranges, uintptr_t addr)
{
	for (int i = 0; i < ranges->n; i++)
		if (addr >= ranges->lo[i] && addr < ranges->hi[i])
			return 1;
	return 0;
}

/* RA - 1: a call that is a function's last instruction returns past its end. */
int fc__caller_in_rule(int rule, void *ra)
{
	const struct index *idx = index_for((uintptr_t)ra - 1);
	int hit = idx && in_ranges(&idx->callers[rule], (uintptr_t)ra - 1);
	release();
	return hit;
}

int fc__lib_in_rule(int rule, void *ra)
{
	const struct index *idx = index_for((uintptr_t)ra - 1);
	int hit = idx && in_ranges(&idx->libs[rule], (uintptr_t)ra - 1);
	release();
	return hit;
}

static size_t copy_text(char *buf, size_t used, size_t len, const char *text)
{
	while (*text && used + 1 < len)
		buf[used++] = *text++;
	buf[used] = 0;
	return used;
}

/* OBJECT+0xOFFSET of return address RA into BUF, OFFSET from the object's
 * load base; NULL when it does not fit whole (a cut one would name another
 * site). */
static const char *site_text(const struct fc_object *obj, uintptr_t ra, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char digits[2 * sizeof(uintptr_t)];
	int n = 0;
	uintptr_t offset = ra - obj->base;
	do
		digits[n++] = hex[offset & 15];
	while ((offset >>= 4));
	const char *name = base_name(obj->path);
	if (strlen(name) + 3 + (size_t)n >= len)
		return NULL;
	size_t used = copy_text(buf, 0, len, name);
	used = copy_text(buf, used, len, "+0x");
	while (n)
		buf[used++] = digits[--n];
	buf[used] = 0;
	return buf;
}

/* RA's caller and site in one lookup, each copied into its buffer (the
 * index may be replaced as soon as we let go of it); a NULL buffer is not
 * wanted.  One lookup also counts a call a handler made from an unknown
 * object once (index_for). */
unsigned fc__symtab_place(void *ra, char *name, size_t name_len, char *site, size_t site_len)
{
	uintptr_t addr = (uintptr_t)ra - 1;
	const struct index *idx = index_for(addr);
	const struct fc_object *obj = find_object(idx, addr);
	const struct fc_sym *sym = obj && name ? fc__object_sym(obj, addr) : NULL;
	unsigned found = 0;
	if (sym) {
		copy_text(name, 0, name_len, sym->name);
		found |= FC_PLACE_CALLER;
	} else if (obj && name && site_text(obj, (uintptr_t)ra, name, name_len)) {
		found |= FC_PLACE_CALLER;
	}
	if (obj && site && site_text(obj, (uintptr_t)ra, site, site_len))
		found |= FC_PLACE_SITE;
	release();
	return found;
}

const char *fc__symtab_describe(void *ra, char *buf, size_t len)
{
	return fc__symtab_place(ra, buf, len, NULL, 0) ? buf : NULL;
}

int fc__symtab_resolved(int rule, int callers)
{
	const struct index *idx = acquire();
	int n = idx ? (callers ? idx->callers[rule].n : idx->libs[rule].n) : 0;
	release();
	return n;
}

/* A fork child of a parent with threads: another thread may have held the
 * loader's lock, which glibc 2.36 does not reset in the child. */
FC_FORK_PATH void fc__symtab_after_fork(int parent_had_threads)
{
	if (parent_had_threads)
		no_loader_lock = 1;
	/* each written only when it must be: a page a fork child writes is a
	 * copy-on-write fault (a few µs on every fork a caller= rule sees) */
	if (rebuilding)
		rebuilding = 0;
	if (readers)
		readers = 0; /* the parent's lookups in other threads are not ours */
}

unsigned long long fc__symtab_unknown_in_handlers(void)
{
	return __atomic_load_n(&unknown_in_handler, __ATOMIC_RELAXED);
}
