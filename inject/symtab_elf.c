/* An object's function symbols, read from its ELF file (.symtab, so static
 * functions too; .dynsym when stripped) into a sorted array, with raw
 * system calls and mmap only: no malloc, no stdio, no lock. */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "libc.h"
#include "symtab.h"

void *fc__map_zeroed(size_t size)
{
	void *mem = fc__mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return mem == (void *)-1 ? NULL : mem;
}

static void sift_down(struct fc_sym *a, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && a[child + 1].start > a[child].start)
			child++;
		if (a[root].start >= a[child].start)
			return;
		struct fc_sym tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
	}
}

/* In place, no allocation (qsort may call malloc). */
static void sort_by_start(struct fc_sym *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n; end-- > 1;) {
		struct fc_sym tmp = a[0];
		a[0] = a[end];
		a[end] = tmp;
		sift_down(a, 0, end);
	}
}

/* The file stays mapped while the object is indexed: the names point in. */
static void load_symbols(struct fc_object *obj)
{
	struct stat st;
	int fd = fc__open(obj->path, O_RDONLY | O_CLOEXEC, 0);
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
	obj->file = file;
	obj->file_bytes = (size_t)st.st_size;
	const ElfW(Ehdr) *eh = (const void *)file;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > (size_t)st.st_size)
		return;
	const ElfW(Shdr) *sh = (const void *)(file + eh->e_shoff);
	const ElfW(Shdr) *table = NULL;
	for (int pass = 0; pass < 2 && !table; pass++)
		for (int i = 0; i < eh->e_shnum; i++)
			if (sh[i].sh_type == (pass ? SHT_DYNSYM : SHT_SYMTAB) && sh[i].sh_link < eh->e_shnum)
				table = &sh[i];
	if (!table || table->sh_offset + table->sh_size > (size_t)st.st_size)
		return;
	const ElfW(Shdr) *strs = &sh[table->sh_link];
	const ElfW(Sym) *syms = (const void *)(file + table->sh_offset);
	size_t count = table->sh_size / sizeof(ElfW(Sym)), kept = 0;
	struct fc_sym *out = fc__map_zeroed(count * sizeof *out);
	if (!out)
		return;
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
	obj->syms_bytes = count * sizeof *out;
}

struct fc_object *fc__object_load(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi)
{
	struct fc_object *obj = fc__map_zeroed(sizeof *obj);
	if (!obj)
		return NULL;
	obj->base = base;
	obj->lo = lo;
	obj->hi = hi;
	strncpy(obj->path, path, sizeof obj->path - 1);
	load_symbols(obj);
	return obj;
}

void fc__object_free(struct fc_object *obj)
{
	if (obj->syms)
		fc__munmap((void *)obj->syms, obj->syms_bytes ? obj->syms_bytes : 1);
	if (obj->file)
		fc__munmap((void *)obj->file, obj->file_bytes);
	fc__munmap(obj, sizeof *obj);
}

const struct fc_sym *fc__object_sym(const struct fc_object *obj, uintptr_t addr)
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
