/* Finding the shim, checking that it is one, and naming it so that
 * LD_PRELOAD reads it whole. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elf_probe.h"
#include "install_path.h"
#include "proc.h"
#include "shim_path.h"

const char *fc_find_shim(char *buf, size_t len)
{
	const char *env = getenv("FORKCHAOS_SHIM");
	if (env && *env) {
		if (!realpath(env, buf))
			return NULL;
		return buf;
	}
	return fc_place_find(FC_PLACE_SHIM, buf, len);
}

int fc_shim_verify(const char *path, char *why, size_t len)
{
	struct fc_elf shim, self;
	if (fc_elf_read(path, &shim) < 0) {
		snprintf(why, len, "cannot be read (%s)", strerror(errno));
		return -1;
	}
	if (!shim.is_elf) {
		snprintf(why, len, "not an ELF file");
		return -1;
	}
	/* the loader skips a library of another word size or machine */
	if (fc_elf_read("/proc/self/exe", &self) == 0 && (shim.elf_class != self.elf_class || shim.machine != self.machine)) {
		snprintf(why, len, "an ELF file for another machine or word size (class %d, machine %d; forkchaos is %d, %d)",
			 shim.elf_class, shim.machine, self.elf_class, self.machine);
		return -1;
	}
	if (shim.type != ET_DYN) {
		snprintf(why, len, "a program, not a shared library");
		return -1;
	}
	int marked = fc_elf_defines(path, FC_SHIM_ABI_SYMBOL);
	if (marked == 1)
		return 0;
	if (shim.has_interp)
		snprintf(why, len, "a program (it has an ELF interpreter), not the forkchaos shim");
	else if (marked == 0)
		snprintf(why, len, "a shared library that does not export %s: not the forkchaos shim, or one of another version",
			 FC_SHIM_ABI_SYMBOL);
	else
		snprintf(why, len, "a shared object whose dynamic symbol table cannot be read");
	return -1;
}

const char *fc_shim_preload_path(const char *shim, char *buf, size_t len, int *fd)
{
	*fd = -1;
	/* glibc's loader splits LD_PRELOAD at each space and colon */
	if (!strpbrk(shim, " :"))
		return shim;
	*fd = open(shim, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	snprintf(buf, len, "/proc/%d/fd/%d", (int)getpid(), *fd);
	return buf;
}
