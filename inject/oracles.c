/* The oracles the shim computes inside the target, for any program, with
 * no help from it (FORKCHAOS_ORACLES names them; the launcher judges their
 * lines, written to $FORKCHAOS_REPORT like a driver's observations):
 *
 *   fds           leak FD KIND CALL SITE       a descriptor open at the first
 *                                              process's exit that was not at
 *                                              its start, with the call that
 *                                              made it
 *   double-close  double-close FD CALL SITE    close() of a descriptor that
 *                                              was not open (EBADF), not injected
 *   eintr         intr CALL SITE SIG HANDLER RESTART
 *                                              a blocking call's EINTR that no
 *                                              rule injected, and the handler
 *                                              that caused it
 *   chained, errno: the handlers' lines (handlers.c)
 *   watched LIST  the first process's last word: the shim watched these,
 *                 so "no line" means "nothing seen", not "not looked"
 *
 * Fields never hold spaces (a path's are written %20); each kind is written
 * once per site, so that a loop does not flood the report. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include "libc.h"
#include "shim.h"
#include "stats.h"

#define FD_SITES 4096
#define SEEN_SITES 256

/* The call that made each descriptor (fds), as the hooks saw it. */
static struct {
	uint16_t id;
	uintptr_t ra;
} fd_made[FD_SITES];

/* Sites already written, per kind: a small open-addressed set. */
static uintptr_t written[SEEN_SITES];

static const struct {
	const char *name;
	unsigned bit;
} oracle_names[] = {
	{ "fds", FC_ORC_FDS },     { "double-close", FC_ORC_DOUBLE_CLOSE },
	{ "eintr", FC_ORC_EINTR }, { "chained", FC_ORC_CHAINED },
	{ "errno", FC_ORC_ERRNO },
};

void fc__oracles_parse(const char *list)
{
	unsigned on = 0;
	for (const char *item = list; item && *item;) {
		size_t len = strcspn(item, ",");
		for (size_t i = 0; i < sizeof oracle_names / sizeof oracle_names[0]; i++)
			if (strlen(oracle_names[i].name) == len && !strncmp(item, oracle_names[i].name, len))
				on |= oracle_names[i].bit;
		item += len + (item[len] == ',');
	}
	fc__state.oracles = on;
	if (on & (FC_ORC_CHAINED | FC_ORC_ERRNO | FC_ORC_EINTR))
		fc__state.track_handlers = 1;
}

/* ---- the line writer ---- */

struct line {
	char text[512];
	size_t used;
};

static void put(struct line *l, const char *word)
{
	if (l->used && l->used + 1 < sizeof l->text)
		l->text[l->used++] = ' ';
	for (const char *p = word && *word ? word : "?"; *p && l->used + 4 < sizeof l->text; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch == '%' || ch >= 0x7f) { /* one field: no space, no control byte */
			static const char hex[] = "0123456789ABCDEF";
			l->text[l->used++] = '%';
			l->text[l->used++] = hex[ch >> 4];
			l->text[l->used++] = hex[ch & 15];
		} else {
			l->text[l->used++] = (char)ch;
		}
	}
	l->text[l->used] = 0;
}

static void put_num(struct line *l, long long value)
{
	char num[24];
	if (value < 0) {
		char neg[26] = "-";
		put(l, strcat(neg, fc__u64_text((uint64_t)-value, num)));
		return;
	}
	put(l, fc__u64_text((uint64_t)value, num));
}

static void put_site(struct line *l, void *ra)
{
	char name[96];
	const char *site = ra ? fc__symtab_describe(ra, name, sizeof name) : NULL;
	put(l, site ? site : "?");
}

static void send_line(struct line *l)
{
	if (l->used + 1 < sizeof l->text)
		l->text[l->used++] = '\n';
	fc__observe(l->text, l->used);
}

/* 1 the first time KIND is seen at RA in this process. */
static int first_time(unsigned kind, uintptr_t ra)
{
	uintptr_t key = (ra ^ ((uintptr_t)kind << 56)) | 1;
	for (unsigned i = 0, h = (unsigned)(key * 0x9e3779b97f4a7c15ull >> 40) % SEEN_SITES; i < SEEN_SITES;
	     i++, h = (h + 1) % SEEN_SITES) {
		uintptr_t slot = __atomic_load_n(&written[h], __ATOMIC_RELAXED);
		if (slot == key)
			return 0;
		if (!slot && __atomic_compare_exchange_n(&written[h], &slot, key, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return 1;
		if (slot == key)
			return 0;
	}
	return 0; /* the set is full: enough said */
}

/* ---- what the hooks tell (seen.c, actions.c) ---- */

void fc__oracle_fd_made(const struct fc_call *c, int fd)
{
	if ((fc__state.oracles & FC_ORC_FDS) && fd >= 0 && fd < FD_SITES) {
		fd_made[fd].id = (uint16_t)c->id;
		fd_made[fd].ra = (uintptr_t)c->ra;
	}
}

/* ERR of the call that just ran in this thread was the syscall-level
 * supervisor's injection (stats.h): taken once. */
static int injected_below(int err)
{
	if (!fc__stats || (err != EINTR && err != EBADF))
		return 0;
	pid_t tid = fc__gettid();
	__typeof__(fc__stats->sys_injected[0]) *slot = &fc__stats->sys_injected[(unsigned)tid % FC_STATS_SYS_SLOTS];
	if (__atomic_load_n(&slot->tid, __ATOMIC_ACQUIRE) != tid || slot->err != err)
		return 0;
	__atomic_store_n(&slot->tid, 0, __ATOMIC_RELAXED);
	return 1;
}

/* After every intercepted call that ran (not injected). */
void fc__oracle_after(const struct fc_call *c, long ret, int err)
{
	unsigned flags = fc_calls[c->id].flags, on = fc__state.oracles;
	if (!on || c->injected || c->child_side || injected_below(err))
		return;
	/* close(-1) is a no-op some programs make on purpose (dash): it can
	 * close nobody's descriptor */
	if ((on & FC_ORC_DOUBLE_CLOSE) && (flags & FC_F_CLOSES) && err == EBADF && c->fd >= 0 &&
	    first_time(1, (uintptr_t)c->ra)) {
		struct line l = { .used = 0 };
		put(&l, "double-close");
		put_num(&l, c->fd);
		put(&l, fc_calls[c->id].name);
		put_site(&l, c->ra);
		send_line(&l);
	}
	if ((on & FC_ORC_EINTR) && (flags & FC_F_BLOCKING) && !(flags & (FC_F_EINTR_NORMAL | FC_F_NO_RESTART)) && err == EINTR &&
	    first_time(2, (uintptr_t)c->ra)) {
		struct fc_last_handler h;
		char name[96];
		fc__last_handler(&h);
		struct line l = { .used = 0 };
		put(&l, "intr");
		put(&l, fc_calls[c->id].name);
		put_site(&l, c->ra);
		put_num(&l, h.sig);
		put(&l, h.fn ? fc__symtab_describe((char *)h.fn + 1, name, sizeof name) : "?");
		put_num(&l, h.restart);
		send_line(&l);
	}
	(void)ret;
}

/* ---- fds: the first process's descriptors at its start and its end ---- */

/* The descriptors open now, as a bitmap of FD_SITES bits. */
static void census(uint64_t *open)
{
	/* static: the start and the end of the first process, once each, not
	 * on the stack a handler may run on */
	static char buf[2048];
	memset(open, 0, FD_SITES / 8);
	int dir = fc__open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dir < 0)
		return;
	for (long got; (got = fc__sys(SYS_getdents64, dir, buf, sizeof buf)) > 0;) {
		for (long at = 0; at < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + at);
			uint64_t fd;
			if (fc__parse_u64(d->d_name, &fd) && fd < FD_SITES && (int)fd != dir)
				open[fd / 64] |= 1ull << (fd % 64);
			at += d->d_reclen;
		}
	}
	fc__close(dir);
}

static int is_root(void)
{
	return fc__getpid() == fc__state.root_pid;
}

void fc__oracles_start(void)
{
	if (!(fc__state.oracles & FC_ORC_FDS) || !is_root())
		return;
	/* the first image of the first process counts: one that it execs
	 * inherits its descriptors, not a new start (the stats region keeps
	 * the first census; without one, each image starts its own) */
	static uint64_t own[FD_SITES / 64];
	uint64_t *start = fc__stats ? fc__stats->root_fds : own;
	if (fc__stats && __atomic_exchange_n(&fc__stats->root_census, 1, __ATOMIC_ACQ_REL))
		return;
	census(start);
	fc__state.root_start_fds = start;
}

static void kind_of(int fd, char *buf, size_t len)
{
	char link[64] = "/proc/self/fd/", num[24];
	strcat(link, fc__u64_text((uint64_t)fd, num));
	long n = fc__readlink(link, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	/* "pipe:[123]" -> pipe, "anon_inode:[eventfd]" -> eventfd */
	static const char *kinds[][2] = { { "pipe:", "pipe" },
					  { "socket:", "socket" },
					  { "anon_inode:[eventfd]", "eventfd" },
					  { "anon_inode:[pidfd]", "pidfd" },
					  { "anon_inode:[signalfd]", "signalfd" },
					  { "anon_inode:[timerfd]", "timerfd" },
					  { "anon_inode:[eventpoll]", "epoll" } };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strncmp(buf, kinds[i][0], strlen(kinds[i][0]))) {
			strcpy(buf, kinds[i][1]);
			return;
		}
}

static void report_leaks(void)
{
	static uint64_t now[FD_SITES / 64]; /* once per process: see census() */
	const uint64_t *start = fc__state.root_start_fds ? fc__state.root_start_fds : (fc__stats ? fc__stats->root_fds : NULL);
	if (!start)
		return;
	census(now);
	for (int fd = 0; fd < FD_SITES; fd++) {
		if (!(now[fd / 64] >> (fd % 64) & 1) || (start[fd / 64] >> (fd % 64) & 1) || fd == fc__state.trace_fd)
			continue;
		static char what[512];
		kind_of(fd, what, sizeof what);
		if (fc__state.report_path[0] && !strcmp(what, fc__state.report_path))
			continue; /* the run's own report, which a driver keeps open */
		struct line l = { .used = 0 };
		put(&l, "leak");
		put_num(&l, fd);
		put(&l, what);
		put(&l, fd_made[fd].ra ? fc_calls[fd_made[fd].id].name : "?");
		put_site(&l, (void *)fd_made[fd].ra);
		send_line(&l);
	}
}

/* The first process's end (not an exec: its descriptors go on). */
FC_FORK_PATH void fc__oracles_end(int execs)
{
	if (!fc__state.oracles || execs || !is_root())
		return;
	if (fc__state.oracles & FC_ORC_FDS)
		report_leaks();
	struct line l = { .used = 0 };
	put(&l, "watched");
	char list[128] = "";
	for (size_t i = 0; i < sizeof oracle_names / sizeof oracle_names[0]; i++)
		if (fc__state.oracles & oracle_names[i].bit) {
			if (list[0])
				strcat(list, ",");
			strcat(list, oracle_names[i].name);
		}
	put(&l, list);
	send_line(&l);
}

/* ---- the handlers' lines (handlers.c calls these) ---- */

static void put_fn(struct line *l, const void *fn)
{
	char name[96];
	const char *sym = fn ? fc__symtab_describe((char *)fn + 1, name, sizeof name) : NULL;
	put(l, sym ? sym : "?");
}

/* chained (a): a handler installed over a real one that nobody read. */
void fc__handler_lost(int sig, const void *fn, const void *old, void *site)
{
	if (!first_time(3, (uintptr_t)fn ^ (uintptr_t)old))
		return;
	struct line l = { .used = 0 };
	put(&l, "handler-lost");
	put_num(&l, sig);
	put_fn(&l, fn);
	put_fn(&l, old);
	put_site(&l, site);
	send_line(&l);
}

/* After a handler ran: errno (errno) and its chain (chained (b)). */
void fc__handler_returned(struct fc_disposition *d, int sig, int errno_before, int chain_missed)
{
	int errno_after = errno;
	if ((fc__state.oracles & FC_ORC_ERRNO) && errno_after != errno_before && !d->errno_said) {
		d->errno_said = 1;
		struct line l = { .used = 0 };
		put(&l, "handler-errno");
		put_num(&l, sig);
		put_fn(&l, d->fn);
		put_num(&l, errno_before);
		put_num(&l, errno_after);
		send_line(&l);
	}
	if (chain_missed && !d->chain_said) {
		d->chain_said = 1;
		struct line l = { .used = 0 };
		put(&l, "handler-unchained");
		put_num(&l, sig);
		put_fn(&l, d->fn);
		put_fn(&l, d->pred ? d->pred->fn : NULL);
		put_site(&l, d->site);
		send_line(&l);
	}
	FC_ERRNO_BACK(errno_after);
}
