/* The symbol index: every loaded object's function symbols (.symtab, so
 * static functions too; .dynsym when stripped), read from the ELF files at
 * plan load.  caller= and lib= are resolved here to address ranges per rule,
 * so the hot path compares return addresses, and the trace names callers
 * with a binary search: no malloc and no file access in the common case.
 *
 * An address outside every indexed object means a library was loaded since
 * (a dlopen): the index is rebuilt then, once per new load (dl_iterate_phdr's
 * dlpi_adds tells), without malloc (memory comes from mmap) so that it is
 * safe even when the call comes from a signal handler.  dlopen itself is not
 * wrapped: glibc resolves a dlopen's RUNPATH and $ORIGIN from its return
 * address, which a wrapper would change.  A rebuild publishes a new index
 * with one atomic store; old ones are never freed, so a reader never sees a
 * torn one. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libc.h"
#include "shim.h"

#define MAX_OBJECTS 256
#define MAX_RANGES 4

struct sym {
	uintptr_t start, end;
	const char *name; /* in the file's mapping, kept for good */
};

struct object {
	uintptr_t base, lo, hi; /* load bias; the span of its PT_LOAD segments */
	char path[256];
	const struct sym *syms;
	size_t nsyms;
};

struct rule_ranges {
	int n;
	uintptr_t lo[MAX_RANGES], hi[MAX_RANGES];
};

struct index {
	unsigned long long adds; /* dl_iterate_phdr's load count when built */
	int nobjects;
	struct object objects[MAX_OBJECTS];
	struct rule_ranges callers[FC_MAX_RULES], libs[FC_MAX_RULES];
};

static struct index *current;

/* Memory for the index, straight from mmap: async-signal-safe. */
static void *map_zeroed(size_t size)
{
	void *mem = fc__mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return mem == (void *)-1 ? NULL : mem;
}

static void sift_down(struct sym *a, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && a[child + 1].start > a[child].start)
			child++;
		if (a[root].start >= a[child].start)
			return;
		struct sym tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
	}
}

/* In place, no allocation (qsort may call malloc). */
static void sort_by_start(struct sym *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n; end-- > 1;) {
		struct sym tmp = a[0];
		a[0] = a[end];
		a[end] = tmp;
		sift_down(a, 0, end);
	}
}

/* Read the function symbols of OBJ's file; the file stays mapped, as the
 * names point into it. */
static void load_symbols(struct object *obj)
{
	int fd = fc__open(obj->path, O_RDONLY | O_CLOEXEC, 0);
	struct stat st;
	if (fd < 0)
		return;
	if (fc__sys(SYS_fstat, fd, &st, 0) < 0 || (size_t)st.st_size < sizeof(ElfW(Ehdr))) {
		fc__close(fd);
		return;
	}
	const unsigned char *file = fc__mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	fc__close(fd);
	if (file == (void *)-1)
		return;
	const ElfW(Ehdr) *eh = (const void *)file;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > (size_t)st.st_size) {
		fc__munmap((void *)file, (size_t)st.st_size);
		return;
	}
	const ElfW(Shdr) *sh = (const void *)(file + eh->e_shoff);
	const ElfW(Shdr) *table = NULL;
	for (int pass = 0; pass < 2 && !table; pass++)
		for (int i = 0; i < eh->e_shnum; i++)
			if (sh[i].sh_type == (pass ? SHT_DYNSYM : SHT_SYMTAB) && sh[i].sh_link < eh->e_shnum)
				table = &sh[i];
	if (!table || table->sh_offset + table->sh_size > (size_t)st.st_size) {
		fc__munmap((void *)file, (size_t)st.st_size);
		return;
	}
	const ElfW(Shdr) *strs = &sh[table->sh_link];
	const ElfW(Sym) *syms = (const void *)(file + table->sh_offset);
	size_t count = table->sh_size / sizeof(ElfW(Sym)), kept = 0;
	struct sym *out = map_zeroed(count * sizeof *out);
	if (!out) {
		fc__munmap((void *)file, (size_t)st.st_size);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		int type = ELF64_ST_TYPE(syms[i].st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || syms[i].st_size == 0 || syms[i].st_shndx == SHN_UNDEF ||
		    syms[i].st_name >= strs->sh_size)
			continue;
		out[kept].start = obj->base + syms[i].st_value;
		out[kept].end = out[kept].start + syms[i].st_size;
		out[kept].name = (const char *)file + strs->sh_offset + syms[i].st_name;
		kept++;
	}
	sort_by_start(out, kept);
	obj->syms = out;
	obj->nsyms = kept;
}

static const struct object *find_object(const struct index *idx, uintptr_t addr)
{
	for (int i = 0; idx && i < idx->nobjects; i++)
		if (addr >= idx->objects[i].lo && addr < idx->objects[i].hi)
			return &idx->objects[i];
	return NULL;
}

static const struct sym *find_sym(const struct object *obj, uintptr_t addr)
{
	size_t lo = 0, hi = obj->nsyms;
	while (lo < hi) { /* the last symbol starting at or below addr */
		size_t mid = (lo + hi) / 2;
		if (obj->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* symbols may nest (aliases, local labels): look back a little */
	for (size_t k = lo, steps = 0; k > 0 && steps < 8; k--, steps++)
		if (addr < obj->syms[k - 1].end)
			return &obj->syms[k - 1];
	return NULL;
}

static int collect_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct index *idx = arg;
	const struct index *old = current;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs))
		idx->adds = info->dlpi_adds;
	if (idx->nobjects == MAX_OBJECTS)
		return 1;
	struct object *obj = &idx->objects[idx->nobjects];
	memset(obj, 0, sizeof *obj);
	obj->base = info->dlpi_addr;
	obj->lo = UINTPTR_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		obj->lo = lo < obj->lo ? lo : obj->lo;
		obj->hi = hi > obj->hi ? hi : obj->hi;
	}
	if (obj->lo >= obj->hi)
		return 0;
	const char *name = info->dlpi_name;
	if (!name || !*name) {
		/* the main program (or the vdso, which has no file) */
		if (idx->nobjects > 0)
			return 0;
		long n = fc__readlink("/proc/self/exe", obj->path, sizeof obj->path - 1);
		obj->path[n > 0 ? n : 0] = 0;
	} else {
		strncpy(obj->path, name, sizeof obj->path - 1);
	}
	/* An object indexed before keeps its symbols: files are read once. */
	for (int i = 0; old && i < old->nobjects; i++) {
		if (old->objects[i].base == obj->base && !strcmp(old->objects[i].path, obj->path)) {
			obj->syms = old->objects[i].syms;
			obj->nsyms = old->objects[i].nsyms;
			idx->nobjects++;
			return 0;
		}
	}
	load_symbols(obj);
	idx->nobjects++;
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

/* caller=NAME: every function of that name, in every object; lib=NAME:
 * every object whose file name starts with NAME (or is NAME, for a path). */
static void resolve_rules(struct index *idx)
{
	const struct fc_plan *plan = &fc__state.plan;
	for (int r = 0; r < plan->nrules; r++) {
		const struct fc_rule *rule = &plan->rules[r];
		for (int i = 0; i < idx->nobjects; i++) {
			const struct object *obj = &idx->objects[i];
			if (rule->lib[0] &&
			    (strchr(rule->lib, '/') ? !strcmp(obj->path, rule->lib)
						    : !strncmp(base_name(obj->path), rule->lib, strlen(rule->lib))))
				add_range(&idx->libs[r], obj->lo, obj->hi);
			for (size_t k = 0; rule->caller[0] && k < obj->nsyms; k++)
				if (!strcmp(obj->syms[k].name, rule->caller))
					add_range(&idx->callers[r], obj->syms[k].start, obj->syms[k].end);
		}
	}
}

void fc__symtab_refresh(void)
{
	fc__guard++;
	struct index *idx = map_zeroed(sizeof *idx);
	if (idx) {
		fc__dl_iterate_phdr(collect_object, idx);
		resolve_rules(idx);
		__atomic_store_n(&current, idx, __ATOMIC_RELEASE);
	}
	fc__guard--;
}

static int count_loads(struct dl_phdr_info *info, size_t size, void *arg)
{
	*(unsigned long long *)arg = size >= offsetof(struct dl_phdr_info, dlpi_subs) ? info->dlpi_adds : 0;
	return 1;
}

/* ADDR is in no indexed object: rebuild if objects were loaded since.  Under
 * the guard a nested call (from this very rebuild) does not recurse. */
static const struct index *index_for(uintptr_t addr)
{
	const struct index *idx = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
	if (find_object(idx, addr) || fc__guard)
		return idx;
	unsigned long long adds = 0;
	fc__guard++;
	fc__dl_iterate_phdr(count_loads, &adds);
	fc__guard--;
	if (!idx || adds != idx->adds)
		fc__symtab_refresh();
	return __atomic_load_n(&current, __ATOMIC_ACQUIRE);
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
	return idx && in_ranges(&idx->callers[rule], (uintptr_t)ra - 1);
}

int fc__lib_in_rule(int rule, void *ra)
{
	const struct index *idx = index_for((uintptr_t)ra - 1);
	return idx && in_ranges(&idx->libs[rule], (uintptr_t)ra - 1);
}

/* "function", or "object+0xOFFSET" when the function has no symbol. */
const char *fc__symtab_describe(void *ra, char *buf, size_t len)
{
	uintptr_t addr = (uintptr_t)ra - 1;
	const struct object *obj = find_object(index_for(addr), addr);
	if (!obj)
		return NULL;
	const struct sym *sym = find_sym(obj, addr);
	if (sym)
		return sym->name;
	static const char hex[] = "0123456789abcdef";
	char digits[20];
	int n = 0;
	uintptr_t offset = addr + 1 - obj->base;
	do
		digits[n++] = hex[offset & 15];
	while ((offset >>= 4));
	size_t used = 0;
	for (const char *p = base_name(obj->path); *p && used + 4 < len; p++)
		buf[used++] = *p;
	for (const char *p = "+0x"; *p && used + 1 < len; p++)
		buf[used++] = *p;
	while (n && used + 1 < len)
		buf[used++] = digits[--n];
	buf[used] = 0;
	return buf;
}

int fc__symtab_resolved(int rule, int callers)
{
	const struct index *idx = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
	return idx ? (callers ? idx->callers[rule].n : idx->libs[rule].n) : 0;
}
