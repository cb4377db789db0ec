/* The symbol index's pieces (symtab.c, symtab_elf.c): one record per
 * loaded object with its function symbols, read from its ELF file. */
#ifndef FC_SYMTAB_H
#define FC_SYMTAB_H
#include <stddef.h>
#include <stdint.h>
#include "shim.h"

struct fc_sym {
	uintptr_t start, end;
	const char *name; /* in the file's mapping */
};

/* One object, in an mmap of its own, shared by the indexes that follow
 * each other while it stays loaded; unmapped (file, symbols, record) when
 * an index without it has replaced every index with it. */
struct fc_object {
	uintptr_t base, lo, hi; /* load bias; the span of its PT_LOAD segments */
	char path[256];
	const struct fc_sym *syms;
	size_t nsyms, syms_bytes;
	const void *file;
	size_t file_bytes;
	int kept; /* rebuild's mark: the new index holds it */
};

/* Memory straight from mmap: async-signal-safe, freed with fc__unmap. */
void *fc__map_zeroed(size_t size) FC_HIDDEN;
/* A record for an object at BASE..: its symbols read from PATH (none when
 * the file cannot be read: the object is still known by its range). */
struct fc_object *fc__object_load(const char *path, uintptr_t base, uintptr_t lo, uintptr_t hi) FC_HIDDEN;
void fc__object_free(struct fc_object *obj) FC_HIDDEN;
/* The function whose range holds ADDR, or NULL. */
const struct fc_sym *fc__object_sym(const struct fc_object *obj, uintptr_t addr) FC_HIDDEN;
#endif
