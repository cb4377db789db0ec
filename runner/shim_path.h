/* Which shim the launcher preloads, and whether it is ours: LD_PRELOAD
 * takes any file and the dynamic loader skips what it cannot use with a
 * warning, so a wrong --shim would run the command with no plan applied. */
#ifndef FC_SHIM_PATH_H
#define FC_SHIM_PATH_H
#include <stddef.h>

/* The symbol every libforkchaos.so exports (inject/shim.map.in). */
#define FC_SHIM_ABI_SYMBOL "forkchaos_shim_abi"

/* 0 when PATH is a shim this forkchaos can preload; else -1 and WHY says
 * what it is instead ("not an ELF file", "a program, not a library", ...). */
int fc_shim_verify(const char *path, char *why, size_t len);
/* A name for SHIM that LD_PRELOAD cannot split (it splits on spaces and
 * colons): SHIM itself when it has neither, else /proc/OUR-PID/fd/N in BUF
 * (64 bytes are enough), of a descriptor opened here (*FD, else -1),
 * valid while this process lives.  NULL with errno when SHIM cannot be
 * opened. */
const char *fc_shim_preload_path(const char *shim, char *buf, size_t len, int *fd);
#endif
