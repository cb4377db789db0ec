/* Call-site identification for caller=, lib= and the trace's "caller".
 *
 * A return address is turned into its function's [start, end) range and
 * name once, with libunwind (it reads .symtab too, so static functions have
 * names), and kept in a small lock-free cache; later calls from the same
 * function cost a scan of that cache, not a lookup (libunwind's name lookup
 * costs tens of microseconds).  libunwind and dladdr may allocate or call
 * wrapped functions: they run under the recursion guard. */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>
#include <string.h>
#include "shim.h"

#define PROC_CACHE_SLOTS 256
#define PROC_NAME_MAX 64

struct proc_range {
	uintptr_t start, end;
	int ready; /* release-stored after the rest is written */
	char name[PROC_NAME_MAX];
};

static struct proc_range proc_cache[PROC_CACHE_SLOTS];
static unsigned proc_cache_used;

static const struct proc_range *cache_find(uintptr_t ip)
{
	unsigned used = __atomic_load_n(&proc_cache_used, __ATOMIC_ACQUIRE);
	if (used > PROC_CACHE_SLOTS)
		used = PROC_CACHE_SLOTS;
	for (unsigned i = 0; i < used; i++) {
		const struct proc_range *range = &proc_cache[i];
		if (__atomic_load_n(&range->ready, __ATOMIC_ACQUIRE) && ip >= range->start && ip < range->end)
			return range;
	}
	return NULL;
}

/* Resolve IP into OUT; 0 on success.  Tries libunwind, then dladdr. */
static int resolve(uintptr_t ip, struct proc_range *out)
{
	unw_word_t offset = 0;
	unw_proc_info_t info;
	int named, ranged;

	fc__guard++;
	unw_accessors_t *access = unw_get_accessors(unw_local_addr_space);
	out->name[0] = 0;
	named = access && access->get_proc_name &&
		access->get_proc_name(unw_local_addr_space, ip, out->name, sizeof out->name, &offset, NULL) == 0;
	ranged = unw_get_proc_info_by_ip(unw_local_addr_space, ip, &info, NULL) == 0 && info.start_ip <= ip &&
		 ip < info.end_ip;
	if (ranged) {
		out->start = info.start_ip;
		out->end = info.end_ip;
	} else if (named) {
		out->start = ip - offset;
		out->end = ip + 1;
	}
	if (!named) {
		Dl_info dl;
		ElfW(Sym) *sym = NULL;
		if (dladdr1((void *)ip, &dl, (void **)&sym, RTLD_DL_SYMENT) && dl.dli_sname && sym &&
		    ip < (uintptr_t)dl.dli_saddr + sym->st_size) {
			strncpy(out->name, dl.dli_sname, sizeof out->name - 1);
			out->name[sizeof out->name - 1] = 0;
			out->start = (uintptr_t)dl.dli_saddr;
			out->end = out->start + sym->st_size;
			named = ranged = 1;
		}
	}
	fc__guard--;
	return named && (ranged || out->end > out->start) ? 0 : -1;
}

static const struct proc_range *lookup(uintptr_t ip, struct proc_range *scratch)
{
	const struct proc_range *hit = cache_find(ip);
	if (hit)
		return hit;
	if (resolve(ip, scratch) < 0)
		return NULL;
	unsigned slot = __atomic_fetch_add(&proc_cache_used, 1, __ATOMIC_ACQ_REL);
	if (slot >= PROC_CACHE_SLOTS)
		return scratch; /* cache full: still correct, just slower */
	struct proc_range *entry = &proc_cache[slot];
	entry->start = scratch->start;
	entry->end = scratch->end;
	memcpy(entry->name, scratch->name, sizeof entry->name);
	__atomic_store_n(&entry->ready, 1, __ATOMIC_RELEASE);
	return entry;
}

static int frame_is(const struct fc_rule *rule, void *ra)
{
	struct proc_range scratch;
	/* ra - 1: a call as a function's last instruction returns past its end */
	const struct proc_range *range = lookup((uintptr_t)ra - 1, &scratch);
	return range && strcmp(range->name, rule->caller) == 0;
}

int fc__caller_matches(const struct fc_rule *rule, void *ra)
{
	if (rule->depth <= 1)
		return frame_is(rule, ra);
	void *frames[40];
	fc__guard++;
	int nframes = unw_backtrace(frames, sizeof frames / sizeof frames[0]);
	fc__guard--;
	int first = 0;
	while (first < nframes && frames[first] != ra)
		first++;
	if (first == nframes)
		return frame_is(rule, ra);
	for (int i = first; i < nframes && i < first + rule->depth; i++)
		if (frame_is(rule, frames[i]))
			return 1;
	return 0;
}

/* lib=: the file name of the object holding the call site starts with the
 * rule's text (lib=libffd matches libffd.so.1 and the defect variants), or
 * equals it when it is a path. */
int fc__lib_matches(const struct fc_rule *rule, void *ra)
{
	Dl_info dl;
	fc__guard++;
	int found = dladdr(ra, &dl) && dl.dli_fname;
	fc__guard--;
	if (!found)
		return 0;
	if (strchr(rule->lib, '/'))
		return strcmp(dl.dli_fname, rule->lib) == 0;
	const char *base = strrchr(dl.dli_fname, '/');
	base = base ? base + 1 : dl.dli_fname;
	return strncmp(base, rule->lib, strlen(rule->lib)) == 0;
}

const char *fc__caller_name(void *ra, char *buf, size_t len)
{
	struct proc_range scratch;
	const struct proc_range *range = lookup((uintptr_t)ra - 1, &scratch);
	if (!range || !range->name[0])
		return NULL;
	strncpy(buf, range->name, len - 1);
	buf[len - 1] = 0;
	return buf;
}
