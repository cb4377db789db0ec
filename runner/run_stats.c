/* What each rule did, as the target's processes counted it in the stats
 * region, and why a rule that matched nothing likely did not. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "run_stats.h"

int fc_run_stats_open(struct fc_run_stats *rs, const struct fc_plan *plan, const char *plan_text)
{
	memset(rs, 0, sizeof *rs);
	rs->fd = -1;
	rs->plan = plan;
	rs->plan_text = plan_text ? plan_text : "";
	rs->size = FC_STATS_SIZE(FC_STATS_SLOTS);
	/* A memfd, reached by the target's processes through our /proc entry:
	 * nothing of it is left in any folder, whatever ends this process. */
	rs->fd = memfd_create("forkchaos-stats", MFD_CLOEXEC);
	if (rs->fd < 0 || ftruncate(rs->fd, (off_t)rs->size) < 0)
		goto fail;
	rs->map = mmap(NULL, rs->size, PROT_READ | PROT_WRITE, MAP_SHARED, rs->fd, 0);
	if (rs->map == MAP_FAILED)
		goto fail;
	snprintf(rs->path, sizeof rs->path, "/proc/%d/fd/%d", (int)getpid(), rs->fd);
	rs->map->nslots = FC_STATS_SLOTS;
	rs->map->version = FC_STATS_VERSION;
	/* the magic last: a process that maps it early sees all or nothing */
	__atomic_store_n(&rs->map->magic, FC_STATS_MAGIC, __ATOMIC_RELEASE);
	return 0;
fail:;
	int err = errno;
	rs->map = NULL;
	fc_run_stats_close(rs);
	errno = err;
	return -1;
}

void fc_run_stats_close(struct fc_run_stats *rs)
{
	if (rs->map)
		munmap(rs->map, rs->size);
	rs->map = NULL;
	if (rs->fd >= 0)
		close(rs->fd);
	rs->fd = -1;
	rs->path[0] = 0;
}

static void rule_text(const struct fc_run_stats *rs, int r, char *buf, size_t len)
{
	const struct fc_rule *rule = &rs->plan->rules[r];
	snprintf(buf, len, "rule %d `%.*s`", r + 1, rule->text_len, rs->plan_text + rule->text_off);
}

void fc_run_stats_notes(struct fc_run_stats *rs, FILE *out)
{
	static const struct {
		unsigned note;
		const char *what;
	} notes[] = {
		{ FC_NOTE_CALLER_UNRESOLVED,
		  "its caller= names no function in the objects loaded at start (a stripped binary, "
		  "a static function without a symbol table, or a library loaded later): it may never fire" },
		{ FC_NOTE_LIB_UNRESOLVED,
		  "its lib= names no object loaded at start (it may be dlopen()ed later): it may never fire" },
		{ FC_NOTE_SITE_UNRESOLVED,
		  "its caller=OBJECT+0xOFFSET names no address of an object loaded at start (a library loaded later, "
		  "or a site of another build of it): it may never fire" },
		{ FC_NOTE_EINTR_NOHANG,
		  "it injected EINTR into a WNOHANG wait, which never blocks and so is never interrupted; "
		  "at=exit would report EINTR after the real call, losing what it reaped" },
	};
	if (!rs->map)
		return;
	for (int r = 0; r < rs->plan->nrules && r < FC_MAX_RULES; r++) {
		unsigned seen = __atomic_load_n(&rs->map->notes[r], __ATOMIC_ACQUIRE), printed = seen >> 16;
		for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
			if (!(seen & notes[i].note) || (printed & notes[i].note))
				continue;
			char text[FC_PLAN_MAX + 32];
			rule_text(rs, r, text, sizeof text);
			fprintf(out, "forkchaos: warning: %s: %s\n", text, notes[i].what);
			/* the launcher's own mark, in the high half */
			__atomic_fetch_or(&rs->map->notes[r], notes[i].note << 16, __ATOMIC_RELAXED);
		}
	}
	fflush(out);
}

void fc_run_stats_totals(const struct fc_run_stats *rs, int rule, uint64_t *matched, uint64_t *acted, int *procs)
{
	*matched = *acted = 0;
	*procs = 0;
	if (!rs->map)
		return;
	uint32_t slots = rs->map->claimed < rs->map->nslots ? rs->map->claimed : rs->map->nslots;
	for (uint32_t s = 0; s < slots; s++) {
		const struct fc_stats_slot *slot = &rs->map->slots[s];
		*matched += slot->matched[rule];
		*acted += slot->acted[rule];
		*procs += slot->matched[rule] > 0;
	}
}

static int seen(const struct fc_run_stats *rs, int id)
{
	return rs->map->calls_seen[id / 64] >> (id % 64) & 1;
}

static int names_any(const struct fc_rule *rule, const int *ids)
{
	for (; *ids >= 0; ids++)
		if (fc_rule_has_call(rule, *ids))
			return 1;
	return 0;
}

/* Why a rule likely matched nothing, from what the processes did see. */
static const char *why_unmatched(const struct fc_run_stats *rs, int r)
{
	static const int made_in_glibc[] = { FC_ID_fork,      FC_ID__Fork,       FC_ID_clone,     FC_ID_pipe,       FC_ID_pipe2,
					     FC_ID_sigaction, FC_ID_sigprocmask, FC_ID_sys_clone, FC_ID_sys_clone3, -1 };
	const struct fc_rule *rule = &rs->plan->rules[r];
	unsigned notes = rs->map->notes[r];
	if (rs->syscall_layer && rule->via == FC_VIA_SYSCALL)
		return "no process of the command made that syscall with those arguments and selectors (the supervisor "
		       "sees every one it names)";
	if (rs->map->images == 0)
		return "no process of the command loaded the shim (a static binary, a setuid program, or LD_PRELOAD removed "
		       "before exec)";
	if (notes & FC_NOTE_CALLER_UNRESOLVED)
		return "its caller= names no function the shim could find (a stripped binary, or a static function without "
		       "a symbol table)";
	if (notes & FC_NOTE_LIB_UNRESOLVED)
		return "its lib= names no object that was loaded";
	if (notes & FC_NOTE_SITE_UNRESOLVED)
		return "its caller=OBJECT+0xOFFSET names no address of an object that was loaded";
	if (names_any(rule, made_in_glibc) && (seen(rs, FC_ID_posix_spawn) || seen(rs, FC_ID_posix_spawnp)))
		return "the command spawns with posix_spawn, which makes its clone, pipe2 and sigaction calls inside glibc, "
		       "out of any LD_PRELOAD shim's reach (make and Python do): name posix_spawn or posix_spawnp, or the "
		       "syscalls themselves (sys_clone3,sys_clone)";
	if (names_any(rule, made_in_glibc) && seen(rs, FC_ID_vfork))
		return "the command spawns with vfork (dash does): name vfork";
	return "no call matched its selectors (no such call site was reached, or it is made inside glibc: fork(), "
	       "system(), popen() and pthread_create() make theirs where no LD_PRELOAD shim sees them)";
}

void fc_run_stats_summary(struct fc_run_stats *rs, FILE *out)
{
	if (!rs->map)
		return;
	fc_run_stats_notes(rs, out);
	for (int r = 0; r < rs->plan->nrules && r < FC_MAX_RULES; r++) {
		uint64_t matched, acted;
		int procs;
		char text[FC_PLAN_MAX + 32];
		rule_text(rs, r, text, sizeof text);
		fc_run_stats_totals(rs, r, &matched, &acted, &procs);
		if (!matched) {
			fprintf(out, "forkchaos: warning: %s matched no call: %s\n", text, why_unmatched(rs, r));
			continue;
		}
		fprintf(out, "forkchaos: %s: matched %llu call%s in %d process%s, acted on %llu\n", text,
			(unsigned long long)matched, matched == 1 ? "" : "s", procs, procs == 1 ? "" : "es",
			(unsigned long long)acted);
	}
	if (rs->map->claimed > rs->map->nslots)
		fprintf(out, "forkchaos: note: %u processes loaded the shim; the counts above are of the first %u\n",
			rs->map->claimed, rs->map->nslots);
	if (rs->map->trace_stopped)
		fprintf(out, "forkchaos: note: the trace reached --trace-max; %u process(es) stopped tracing\n",
			rs->map->trace_stopped);
	fflush(out);
}
