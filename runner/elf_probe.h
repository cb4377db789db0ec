/* What the launcher needs to know of an ELF file before it runs anything:
 * whether the dynamic loader will run for a command (a PT_INTERP), whether
 * its word size and machine match the shim's, and whether a library exports
 * a symbol (the shim's ABI marker). */
#ifndef FC_ELF_PROBE_H
#define FC_ELF_PROBE_H
#include <stddef.h>

struct fc_elf {
	int is_elf;     /* the ELF magic; every other field is 0 without it */
	int elf_class;  /* ELFCLASS32 or ELFCLASS64 */
	int machine;    /* e_machine */
	int type;       /* ET_EXEC, ET_DYN, ... */
	int has_interp; /* a PT_INTERP: the dynamic loader runs (and reads LD_PRELOAD) */
};

/* Reads PATH's ELF header and program headers into *E.  Returns 0 (also
 * for a file that is not ELF: E->is_elf 0), or -1 with errno. */
int fc_elf_read(const char *path, struct fc_elf *e);
/* 1 when the 64-bit ELF shared object at PATH defines SYMBOL in its dynamic
 * symbol table (.dynsym), 0 when it does not, -1 when that table cannot be
 * read (not ELF64, no section headers). */
int fc_elf_defines(const char *path, const char *symbol);
#endif
