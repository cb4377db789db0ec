/* hostile_plugin: a plugin host (issue 9, finding 11).  `reload N` loads
 * and unloads a plugin N times, each time at a new address (a placeholder
 * fills the place it had), calling it once per round: the
 * shim's symbol index must not grow with the rounds (every rebuild once
 * mapped 80 KiB and the file, never unmapped).  `swap` unloads alpha and
 * loads beta where alpha was: a caller=alpha rule must not fire on beta
 * (exit 1 when beta's call failed). */
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <stdint.h>
#include "hostile.h"

/* How many lines /proc/self/maps has and VmSize in KiB, leaving out the
 * host's own placeholders (anonymous PROT_NONE, PLACED_KB of them). */
static void memory_now(long placed_kb, long *maps, long *vmsize_kb)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	*maps = 0;
	while (f && fgets(line, sizeof line, f))
		if (strchr(line, '\n') && !strstr(line, " ---p 00000000 00:00 0 "))
			(*maps)++;
	if (f)
		fclose(f);
	f = fopen("/proc/self/status", "r");
	*vmsize_kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmSize:", 7))
			*vmsize_kb = atol(line + 7) - placed_kb;
	if (f)
		fclose(f);
}

struct span {
	uintptr_t base, lo, hi;
};

/* The pages the object at SPAN->base occupies (its PT_LOAD segments). */
static int find_span(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct span *span = arg;
	if (info->dlpi_addr != span->base)
		return 0;
	span->lo = UINTPTR_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (ph->p_type != PT_LOAD)
			continue;
		span->lo = lo < span->lo ? lo : span->lo;
		span->hi = hi > span->hi ? hi : span->hi;
	}
	span->lo &= ~(uintptr_t)4095;
	span->hi = (span->hi + 4095) & ~(uintptr_t)4095;
	return 1;
}

/* Load LIB, call FN in it, unload it; *SPAN is where it was. */
static int call_plugin(const char *lib, const char *fn, struct span *span, int *err)
{
	char path[PATH_MAX];
	struct link_map *map = NULL;
	snprintf(path, sizeof path, "%s/%s", hostile_dir(), lib);
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle || dlinfo(handle, RTLD_DI_LINKMAP, &map) < 0) {
		fprintf(stderr, "hostile_plugin: %s\n", dlerror());
		exit(2);
	}
	memset(span, 0, sizeof *span);
	span->base = map->l_addr;
	dl_iterate_phdr(find_span, span);
	int (*call)(void) = (int (*)(void))dlsym(handle, fn);
	int ret = call ? call() : -2;
	*err = errno;
	dlclose(handle);
	return ret;
}

static int reload(const struct sub_args *args)
{
	long rounds = args->word ? args->n : 1000, first = rounds / 10;
	long maps0 = 0, vm0 = 0, maps1, vm1, placed_kb = 0;
	struct span span, *placed = calloc((size_t)rounds, sizeof *placed);
	int err;
	for (long round = 1; round <= rounds; round++) {
		call_plugin("libhostile_plugin.so", "plugin", &span, &err);
		/* a placeholder where the plugin was: the next load is at a
		 * new address, out of every range an earlier index holds, as
		 * a host's other mappings would move it */
		if (mmap((void *)span.lo, span.hi - span.lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0) != MAP_FAILED) {
			placed[round - 1] = span;
			placed_kb += (long)(span.hi - span.lo) / 1024;
		}
		if (round == first)
			memory_now(placed_kb, &maps0, &vm0);
	}
	memory_now(placed_kb, &maps1, &vm1);
	for (long i = 0; i < rounds; i++)
		if (placed[i].hi)
			munmap((void *)placed[i].lo, placed[i].hi - placed[i].lo);
	free(placed);
	printf("reload rounds %ld maps %ld -> %ld vmsize-kb %ld -> %ld\n", rounds, maps0, maps1, vm0, vm1);
	/* flat: a few lines and 4 MiB of slack for the allocator and stdio */
	return maps1 - maps0 > 20 || vm1 - vm0 > 4096;
}

static int swap(const struct sub_args *args)
{
	struct span alpha_at, beta_at;
	int alpha_err, beta_err;
	int alpha = call_plugin("libhostile_alpha.so", "alpha", &alpha_at, &alpha_err);
	int beta = call_plugin("libhostile_beta.so", "beta", &beta_at, &beta_err);
	printf("alpha %d %s\n", alpha, alpha < 0 ? strerrorname_np(alpha_err) : "OK");
	printf("beta %d %s\n", beta, beta < 0 ? strerrorname_np(beta_err) : "OK");
	printf("same-address %s\n", alpha_at.base == beta_at.base ? "yes" : "no");
	/* no rule of a plan this is run under names beta */
	return beta < 0;
}

static const struct subcommand subcommands[] = {
	{ "reload", reload, "[N]", "load, call and unload a plugin N times (1000) at moving addresses; exit 1 if memory grew" },
	{ "swap", swap, "", "call alpha, unload it, load beta where it was and call it; exit 1 if beta failed" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("hostile_plugin", subcommands);
}
