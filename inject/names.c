/* Name lookups for the plan parser: calls, errnos, signals, syscalls,
 * durations.  Used at plan load only, never on the hot path. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include "plan.h"

static const struct {
	const char *name;
	long nr;
} sys_names[] = {
#define X(n) { #n, SYS_##n },
#include "sysnames.def"
#undef X
};

static bool span_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static bool span_number(const char *s, size_t len, long *out)
{
	char buf[32];
	char *end;
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	errno = 0;
	*out = strtol(buf, &end, 0);
	return *end == 0 && errno == 0;
}

int fc_call_lookup(const char *name, size_t len)
{
	for (int id = 0; id < FC_NCALLS; id++)
		if (span_is(name, len, fc_calls[id].name))
			return id;
	return -1;
}

/* sys_NAME of any syscall the kernel headers know: its number, or -1. */
long fc_sysname_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof sys_names / sizeof sys_names[0]; i++)
		if (span_is(name, len, sys_names[i].name))
			return sys_names[i].nr;
	return -1;
}

int fc_errno_lookup(const char *name, size_t len)
{
	long num;
	if (span_number(name, len, &num))
		return num > 0 && num < 4096 ? (int)num : -1;
	if (span_is(name, len, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	if (span_is(name, len, "EDEADLOCK"))
		return EDEADLOCK;
	for (int e = 1; e < 200; e++) {
		const char *known = strerrorname_np(e);
		if (known && span_is(name, len, known))
			return e;
	}
	return -1;
}

int fc_signal_lookup(const char *name, size_t len)
{
	long num;
	if (span_number(name, len, &num))
		return num > 0 && num < NSIG ? (int)num : -1;
	if (len > 3 && memcmp(name, "SIG", 3) == 0) {
		name += 3;
		len -= 3;
	}
	/* N compared with the room left, not added first: SIGRTMIN + a huge N
	 * overflowed and wrapped to 33, a signal glibc keeps for itself */
	if (len > 6 && memcmp(name, "RTMIN+", 6) == 0 && span_number(name + 6, len - 6, &num))
		return num >= 0 && num <= SIGRTMAX - SIGRTMIN ? (int)(SIGRTMIN + num) : -1;
	if (span_is(name, len, "RTMIN"))
		return SIGRTMIN;
	if (span_is(name, len, "RTMAX"))
		return SIGRTMAX;
	for (int s = 1; s < SIGRTMIN; s++) {
		const char *abbrev = sigabbrev_np(s);
		if (abbrev && span_is(name, len, abbrev))
			return s;
	}
	return -1;
}

/* DUR: a whole number with ns, us, ms or s, at most 24 hours (longer is a
 * typo, and a sum with the clock must not wrap). */
int fc_duration_parse(const char *s, size_t len, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t scale;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "s", 1000000000 },
	};
	size_t digits = 0;
	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (digits == 0 || digits > 12)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (!span_is(s + digits, len - digits, units[i].unit))
			continue;
		uint64_t value = 0;
		for (size_t k = 0; k < digits; k++)
			value = value * 10 + (uint64_t)(s[k] - '0');
		if (value > 86400ull * 1000000000u / units[i].scale)
			return -1;
		*ns = value * units[i].scale;
		return 0;
	}
	return -1;
}
