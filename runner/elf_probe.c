/* ELF headers read with pread(2), every offset and size checked against
 * the file: the file may be anything a user names (a script, a truncated
 * build, a hostile binary), and none of it may crash the launcher. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elf_probe.h"

/* A symbol table larger than this is not a library we would preload. */
#define MAX_TABLE (64u << 20)

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t got = off <= INT64_MAX ? pread(fd, buf, len, (off_t)off) : -1;
	return got == (ssize_t)len ? 0 : -1;
}

/* The program headers' PT_INTERP, for either word size. */
static int find_interp(int fd, const unsigned char *ident, uint64_t phoff, unsigned phnum, unsigned phentsize)
{
	size_t want = ident[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (phentsize < want)
		return 0;
	for (unsigned i = 0; i < phnum && i < 4096; i++) {
		union {
			Elf64_Phdr p64;
			Elf32_Phdr p32;
		} ph;
		if (read_at(fd, &ph, want, phoff + (uint64_t)i * phentsize) < 0)
			return 0;
		uint32_t type = ident[EI_CLASS] == ELFCLASS64 ? ph.p64.p_type : ph.p32.p_type;
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

int fc_elf_read(const char *path, struct fc_elf *e)
{
	union {
		Elf64_Ehdr h64;
		Elf32_Ehdr h32;
	} h;
	memset(e, 0, sizeof *e);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = pread(fd, &h, sizeof h, 0);
	const unsigned char *ident = h.h64.e_ident;
	if (got >= (ssize_t)sizeof(Elf32_Ehdr) && !memcmp(ident, ELFMAG, SELFMAG) && ident[EI_DATA] == ELFDATA2LSB) {
		int is64 = ident[EI_CLASS] == ELFCLASS64;
		if (is64 && got < (ssize_t)sizeof(Elf64_Ehdr)) {
			close(fd);
			return 0;
		}
		e->is_elf = 1;
		e->elf_class = ident[EI_CLASS];
		e->type = is64 ? h.h64.e_type : h.h32.e_type;
		e->machine = is64 ? h.h64.e_machine : h.h32.e_machine;
		e->has_interp = is64 ? find_interp(fd, ident, h.h64.e_phoff, h.h64.e_phnum, h.h64.e_phentsize)
				     : find_interp(fd, ident, h.h32.e_phoff, h.h32.e_phnum, h.h32.e_phentsize);
	}
	close(fd);
	return 0;
}

static void *read_section(int fd, const Elf64_Shdr *sh, uint64_t file_size)
{
	if (sh->sh_size == 0 || sh->sh_size > MAX_TABLE || sh->sh_offset > file_size || sh->sh_size > file_size - sh->sh_offset)
		return NULL;
	void *buf = malloc(sh->sh_size + 1);
	if (buf && read_at(fd, buf, sh->sh_size, sh->sh_offset) < 0) {
		free(buf);
		return NULL;
	}
	if (buf)
		((char *)buf)[sh->sh_size] = 0; /* a last name without its NUL ends here */
	return buf;
}

static int table_defines(const Elf64_Sym *syms, size_t nsyms, const char *names, size_t names_len, const char *symbol)
{
	for (size_t i = 0; i < nsyms; i++)
		if (syms[i].st_shndx != SHN_UNDEF && syms[i].st_name < names_len && !strcmp(names + syms[i].st_name, symbol))
			return 1;
	return 0;
}

int fc_elf_defines(const char *path, const char *symbol)
{
	Elf64_Ehdr h;
	struct stat st;
	int found = -1, fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || read_at(fd, &h, sizeof h, 0) < 0 || memcmp(h.e_ident, ELFMAG, SELFMAG) ||
	    h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_shentsize != sizeof(Elf64_Shdr) || h.e_shnum == 0)
		goto out;
	for (unsigned i = 0; i < h.e_shnum && found < 0; i++) {
		Elf64_Shdr sh, names_sh;
		if (read_at(fd, &sh, sizeof sh, h.e_shoff + (uint64_t)i * sizeof sh) < 0)
			break;
		if (sh.sh_type != SHT_DYNSYM || sh.sh_link >= h.e_shnum ||
		    read_at(fd, &names_sh, sizeof names_sh, h.e_shoff + (uint64_t)sh.sh_link * sizeof sh) < 0)
			continue;
		Elf64_Sym *syms = read_section(fd, &sh, (uint64_t)st.st_size);
		char *names = read_section(fd, &names_sh, (uint64_t)st.st_size);
		if (syms && names)
			found = table_defines(syms, sh.sh_size / sizeof *syms, names, names_sh.sh_size, symbol);
		free(syms);
		free(names);
	}
out:
	close(fd);
	return found;
}
