/* Code addresses of a trapped call, named from outside the target: its
 * executable mappings (/proc/PID/maps), each file's function symbols
 * (.symtab, or .dynsym when stripped), and the return addresses above the
 * call, found by scanning its stack for words that point just past a call
 * instruction (the kernel gives the stack pointer in /proc/TID/syscall; no
 * unwinder runs from outside without ptrace).  For caller=, lib=, the
 * trace's "caller", and the shim's own calls, which are not the target's. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>
#include "seccomp_int.h"

#define MAX_OBJECTS 256
#define SCAN_BYTES 4096 /* of stack, above the call */
#define CANDIDATES 64   /* words checked for a call before them, at once */

struct sym {
	uint64_t start, end;
	const char *name;
};

/* A file, by path and identity, its symbols read once. */
static struct object {
	char path[256];
	uint64_t dev, ino;
	int loaded;
	struct sym *syms;
	size_t nsyms;
	Elf64_Phdr loads[8]; /* PT_LOAD: file offsets to addresses */
	int nloads;
} objects[MAX_OBJECTS];
static int nobjects;

static int by_start(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static const Elf64_Shdr *symbol_table(const unsigned char *file, size_t size, const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff), *dyn = NULL;
	if (eh->e_shoff == 0 || eh->e_shentsize != sizeof *sh || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof *sh > size)
		return NULL;
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB && sh[i].sh_size)
			return &sh[i];
		if (sh[i].sh_type == SHT_DYNSYM)
			dyn = &sh[i];
	}
	return dyn;
}

static void load_symbols(struct object *o)
{
	o->loaded = 1;
	int fd = open(o->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t size = (size_t)st.st_size;
	const unsigned char *file = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof *ph > size)
		return;
	for (int i = 0; i < eh->e_phnum && o->nloads < 8; i++)
		if (ph[i].p_type == PT_LOAD)
			o->loads[o->nloads++] = ph[i];
	const Elf64_Shdr *tab = symbol_table(file, size, eh), *shdrs = (const Elf64_Shdr *)(file + eh->e_shoff);
	if (!tab || tab->sh_link >= eh->e_shnum || tab->sh_offset + tab->sh_size > size)
		return;
	const Elf64_Shdr *strs = &shdrs[tab->sh_link];
	if (strs->sh_offset + strs->sh_size > size)
		return;
	const Elf64_Sym *s = (const Elf64_Sym *)(file + tab->sh_offset);
	size_t n = tab->sh_size / sizeof *s;
	o->syms = calloc(n ? n : 1, sizeof *o->syms);
	for (size_t i = 0; o->syms && i < n; i++) {
		int type = ELF64_ST_TYPE(s[i].st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !s[i].st_value || s[i].st_shndx == SHN_UNDEF ||
		    s[i].st_name >= strs->sh_size)
			continue;
		o->syms[o->nsyms++] = (struct sym){ s[i].st_value, s[i].st_value + (s[i].st_size ? s[i].st_size : 1),
						    (const char *)file + strs->sh_offset + s[i].st_name };
	}
	qsort(o->syms, o->nsyms, sizeof *o->syms, by_start);
}

static int object_for(const char *path, uint64_t dev, uint64_t ino)
{
	for (int i = 0; i < nobjects; i++)
		if (objects[i].dev == dev && objects[i].ino == ino && !strcmp(objects[i].path, path))
			return i;
	if (nobjects == MAX_OBJECTS || strlen(path) >= sizeof objects[0].path)
		return -1;
	struct object *o = &objects[nobjects];
	snprintf(o->path, sizeof o->path, "%s", path);
	o->dev = dev;
	o->ino = ino;
	return nobjects++;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

struct fc_sys_maps *fc__sys_maps_read(pid_t pid, uint64_t shim_dev, uint64_t shim_ino)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	struct fc_sys_maps *m = f ? calloc(1, sizeof *m) : NULL;
	if (!m) {
		if (f)
			fclose(f);
		return NULL;
	}
	m->shim = m->loader = -1;
	while (m->n < FC_SYS_MAPS && fgets(line, sizeof line, f)) {
		unsigned long lo, hi, off, ino;
		unsigned major, minor;
		char perms[8], file[400] = "";
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %399[^\n]", &lo, &hi, perms, &off, &major, &minor, &ino, file) < 7 ||
		    perms[2] != 'x')
			continue;
		char *name = file + strspn(file, " ");
		uint64_t dev = makedev(major, minor);
		m->m[m->n].lo = lo;
		m->m[m->n].hi = hi;
		m->m[m->n].off = off;
		m->m[m->n].obj = name[0] == '/' ? object_for(name, dev, ino) : -1;
		if (m->m[m->n].obj >= 0 &&
		    ((shim_ino && dev == shim_dev && ino == shim_ino) ||
		     (!shim_ino && !strncmp(base_name(name), "libforkchaos", 12))))
			m->shim = m->m[m->n].obj;
		if (m->m[m->n].obj >= 0 && !strncmp(base_name(name), "ld-linux", 8))
			m->loader = m->m[m->n].obj;
		m->n++;
	}
	fclose(f);
	return m;
}

struct fc_sys_maps *fc__sys_maps_copy(const struct fc_sys_maps *m)
{
	struct fc_sys_maps *copy = malloc(sizeof *copy);
	if (copy)
		memcpy(copy, m, sizeof *copy);
	return copy;
}

static int mapping_of(const struct fc_sys_maps *m, uint64_t addr)
{
	for (int i = 0; i < m->n; i++)
		if (addr >= m->m[i].lo && addr < m->m[i].hi)
			return i;
	return -1;
}

int fc__sys_maps_unknown(const struct fc_sys_maps *m, uint64_t ip)
{
	return mapping_of(m, ip - 1) < 0;
}

int fc__sys_not_the_program(const struct fc_sys_maps *m, uint64_t ip)
{
	int i = mapping_of(m, ip - 1);
	return i >= 0 && m->m[i].obj >= 0 && (m->m[i].obj == m->shim || m->m[i].obj == m->loader);
}

/* The object of ADDR and ADDR as the object's own address (what its
 * symbols and addr2line use); NULL when in none. */
static struct object *resolve(const struct fc_sys_maps *m, uint64_t addr, uint64_t *vaddr)
{
	int i = mapping_of(m, addr);
	if (i < 0 || m->m[i].obj < 0)
		return NULL;
	struct object *o = &objects[m->m[i].obj];
	if (!o->loaded)
		load_symbols(o);
	uint64_t file_off = addr - m->m[i].lo + m->m[i].off;
	*vaddr = file_off;
	for (int k = 0; k < o->nloads; k++)
		if (file_off >= o->loads[k].p_offset && file_off < o->loads[k].p_offset + o->loads[k].p_filesz)
			*vaddr = file_off - o->loads[k].p_offset + o->loads[k].p_vaddr;
	return o;
}

static const struct sym *sym_at(const struct object *o, uint64_t vaddr)
{
	size_t lo = 0, hi = o->nsyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (o->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the last symbol starting at or before VADDR, then those before it
	 * (an alias or a larger function may hold it) */
	for (size_t i = lo; i-- > 0 && lo - i <= 4;)
		if (vaddr < o->syms[i].end)
			return &o->syms[i];
	return NULL;
}

const char *fc__sys_describe(const struct fc_sys_maps *m, uint64_t ip, char *buf, size_t len)
{
	uint64_t vaddr;
	/* IP is past the syscall instruction: one byte back is inside it */
	const struct object *o = resolve(m, ip - 1, &vaddr);
	if (!o)
		return NULL;
	const struct sym *s = sym_at(o, vaddr);
	if (s)
		snprintf(buf, len, "%s", s->name);
	else
		snprintf(buf, len, "%s+0x%llx", base_name(o->path), (unsigned long long)vaddr + 1);
	return buf;
}

const char *fc__sys_site(const struct fc_sys_maps *m, uint64_t ip, char *buf, size_t len)
{
	uint64_t vaddr;
	const struct object *o = resolve(m, ip - 1, &vaddr);
	if (!o)
		return NULL;
	/* the shim's site is a return address, past its call; ours is IP,
	 * past the syscall instruction: both name the byte after the call */
	snprintf(buf, len, "%s+0x%llx", base_name(o->path), (unsigned long long)vaddr + 1);
	return buf;
}

int fc__sys_at_site(const struct fc_sys_maps *m, uint64_t ip, const char *object, size_t object_len, uint64_t off)
{
	uint64_t vaddr;
	const struct object *o = resolve(m, ip - 1, &vaddr);
	if (!o || vaddr + 1 != off)
		return 0;
	const char *name = base_name(o->path);
	return strlen(name) == object_len && !memcmp(name, object, object_len);
}

int fc__sys_in_lib(const struct fc_sys_maps *m, uint64_t ip, const char *lib)
{
	int i = mapping_of(m, ip - 1);
	if (i < 0 || m->m[i].obj < 0)
		return 0;
	const char *path = objects[m->m[i].obj].path;
	/* as the shim's lib=: a path is the object itself, a name a prefix of its base name */
	return strchr(lib, '/') ? !strcmp(path, lib) : !strncmp(base_name(path), lib, strlen(lib));
}

int fc__sys_in_function(const struct fc_sys_maps *m, uint64_t ip, const char *name)
{
	uint64_t vaddr;
	const struct object *o = resolve(m, ip - 1, &vaddr);
	/* any symbol of that name: glibc's aliases (fork, __fork, __libc_fork) */
	for (size_t i = 0; o && i < o->nsyms && o->syms[i].start <= vaddr; i++)
		if (vaddr < o->syms[i].end && !strcmp(o->syms[i].name, name))
			return 1;
	return 0;
}

/* The bytes before a return address hold a call: E8 rel32, or FF /2 with
 * a register, a disp8, a disp32 or a RIP-relative operand. */
static int after_call(const unsigned char b[8])
{
	int reg2_at7 = (b[7] & 0x38) == 0x10, reg2_at6 = (b[6] & 0x38) == 0x10, reg2_at3 = (b[3] & 0x38) == 0x10,
	    reg2_at2 = (b[2] & 0x38) == 0x10;
	return b[3] == 0xe8 || (b[6] == 0xff && reg2_at7 && ((b[7] >> 6) == 3 || (b[7] >> 6) == 0)) ||
		(b[5] == 0xff && reg2_at6 && ((b[6] >> 6) == 1 || (b[6] & 0xc7) == 0x04)) ||
		(b[2] == 0xff && reg2_at3 && ((b[3] >> 6) == 2 || (b[3] & 0xc7) == 0x05)) ||
		(b[1] == 0xff && reg2_at2 && (b[2] & 0xc7) == 0x84);
}

static uint64_t stack_pointer(pid_t tid)
{
	char text[512];
	ssize_t got = fc__sys_read_proc(tid, "syscall", text, sizeof text - 1);
	if (got <= 0)
		return 0;
	text[got] = 0;
	/* "NR ARG1 ... ARG6 SP PC" while it is in a syscall */
	unsigned long long f[9];
	if (sscanf(text, "%llu %llx %llx %llx %llx %llx %llx %llx %llx", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7],
		   &f[8]) != 9)
		return 0;
	return f[7];
}

int fc__sys_frames(const struct fc_sys_maps *m, pid_t tid, uint64_t ip, uint64_t *frames, int max)
{
	static uint64_t stack[SCAN_BYTES / 8];
	int n = 0;
	frames[n++] = ip;
	uint64_t sp = max > 1 ? stack_pointer(tid) : 0;
	struct iovec local = { stack, sizeof stack }, remote = { (void *)(uintptr_t)sp, sizeof stack };
	ssize_t got = sp ? syscall(SYS_process_vm_readv, tid, &local, 1, &remote, 1, 0) : -1;
	for (size_t w = 0; got > 0 && n < max && w < (size_t)got / 8;) {
		uint64_t cand[CANDIDATES];
		unsigned char code[CANDIDATES][8];
		struct iovec to[CANDIDATES], from[CANDIDATES];
		int k = 0;
		for (; w < (size_t)got / 8 && k < CANDIDATES; w++)
			if (mapping_of(m, stack[w] - 1) >= 0 && stack[w] >= 8) {
				cand[k] = stack[w];
				to[k] = (struct iovec){ code[k], 8 };
				from[k] = (struct iovec){ (void *)(uintptr_t)(stack[w] - 8), 8 };
				k++;
			}
		if (k == 0)
			break;
		ssize_t read_back = syscall(SYS_process_vm_readv, tid, to, k, from, k, 0);
		for (int i = 0; i < k && n < max && read_back >= (ssize_t)(8 * (i + 1)); i++)
			/* the shim's wrapper frames are not the program's callers */
			if (after_call(code[i]) && !fc__sys_not_the_program(m, cand[i]))
				frames[n++] = cand[i];
	}
	return n;
}
