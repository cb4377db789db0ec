/* Name lookups for the plan parser: calls, errnos, signals, syscalls,
 * durations, numbers.  Used at plan load only, never on the hot path, and
 * inside the target's constructor too: no strtol (base 0 reads 010 as
 * octal), nothing but glibc's own name tables and snprintf. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include "plan_parse.h"

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

const char *fc_sysname_of(long nr, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof sys_names / sizeof sys_names[0]; i++)
		if (sys_names[i].nr == nr) {
			snprintf(buf, len, "sys_%s", sys_names[i].name);
			return buf;
		}
	return NULL;
}

/* ---- numbers: decimal, or hex after 0x; never octal ---- */

static int digit_value(char c, unsigned base)
{
	unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0')
		: c >= 'a' && c <= 'f'    ? (unsigned)(c - 'a' + 10)
		: c >= 'A' && c <= 'F'    ? (unsigned)(c - 'A' + 10)
					  : 99u;
	return v < base ? (int)v : -1;
}

/* strtol with base 0 read error=010 as errno 8: here a leading 0 is refused
 * rather than read one way or the other, and hex needs its 0x.  At most 20
 * decimal or 16 hex digits, so that the item's text stays short (the
 * trace's "injected" holds every action of a rule). */
int fc__num_parse(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t at = 0, most = 20;
	uint64_t value = 0;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		at = 2;
		most = 16;
	}
	if (at == len)
		return FC_NUM_NOT;
	for (size_t i = at; i < len; i++)
		if (digit_value(s[i], base) < 0)
			return FC_NUM_NOT;
	if (base == 10 && len > 1 && s[0] == '0')
		return FC_NUM_OCTAL;
	if (len - at > most)
		return FC_NUM_BIG;
	for (size_t i = at; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i], base);
		if (value > (UINT64_MAX - d) / base)
			return FC_NUM_BIG;
		value = value * base + d;
	}
	*out = value;
	return FC_NUM_OK;
}

const char *fc__num_why(int status)
{
	switch (status) {
	case FC_NUM_OCTAL:
		return "a leading 0 is refused, not read as octal: write the number in decimal without it, or in hex after 0x "
		       "(8 or 0x8, not 010)";
	case FC_NUM_BIG: return "above 18446744073709551615 (2^64-1; in hex, at most 16 digits after 0x)";
	default: return "not a number: a decimal number, or hex after 0x";
	}
}

/* ---- errnos and signals: glibc's own names, and the aliases it has for
 * some of them (ENOTSUP is EOPNOTSUPP, SIGCLD is SIGCHLD...) ---- */

struct alias {
	const char *name;
	int value;
};
static const struct alias errno_aliases[] = { { "EWOULDBLOCK", EWOULDBLOCK },
					      { "EDEADLOCK", EDEADLOCK },
					      { "ENOTSUP", ENOTSUP } };
static const struct alias signal_aliases[] = { { "IO", SIGIO }, { "POLL", SIGPOLL }, { "CLD", SIGCHLD }, { "IOT", SIGIOT } };

static int alias_lookup(const struct alias *aliases, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (span_is(name, len, aliases[i].name))
			return aliases[i].value;
	return -1;
}

static bool starts_with_digit(const char *s, size_t len)
{
	return len && s[0] >= '0' && s[0] <= '9';
}

/* A number from LO to HI in S; else -1 and why in WHY. */
static int number_in(const char *s, size_t len, long lo, long hi, const char *what, char *why, size_t whylen)
{
	uint64_t num;
	int status = fc__num_parse(s, len, &num);
	if (status == FC_NUM_OK && num >= (uint64_t)lo && num <= (uint64_t)hi)
		return (int)num;
	if (status == FC_NUM_OK || status == FC_NUM_BIG)
		snprintf(why, whylen, "%s from %ld to %ld", what, lo, hi);
	else
		snprintf(why, whylen, "%s", fc__num_why(status));
	return -1;
}

int fc__errno_parse(const char *name, size_t len, char *why, size_t whylen)
{
	if (starts_with_digit(name, len))
		return number_in(name, len, 1, FC_ERRNO_MAX, "errno numbers go", why, whylen);
	int e = alias_lookup(errno_aliases, sizeof errno_aliases / sizeof errno_aliases[0], name, len);
	for (int k = 1; e < 0 && k <= FC_ERRNO_MAX; k++) {
		const char *known = strerrorname_np(k);
		if (known && span_is(name, len, known))
			e = k;
	}
	if (e < 0)
		snprintf(why, whylen,
			 "unknown name; any glibc knows is accepted (EMFILE, ENOTSUP, EWOULDBLOCK...), or a number from 1 to %d",
			 FC_ERRNO_MAX);
	return e;
}

int fc_errno_lookup(const char *name, size_t len)
{
	char why[160];
	return fc__errno_parse(name, len, why, sizeof why);
}

/* SIGRTMIN+N or SIGRTMAX-N (SIG already gone): the signal, or -1 and why;
 * -2 when NAME is neither form. */
static int realtime(const char *name, size_t len, char *why, size_t whylen)
{
	bool from_min = len > 6 && memcmp(name, "RTMIN+", 6) == 0, from_max = len > 6 && memcmp(name, "RTMAX-", 6) == 0;
	if (!from_min && !from_max)
		return -2;
	int n = number_in(name + 6, len - 6, 0, SIGRTMAX - SIGRTMIN, "SIGRTMIN+N and SIGRTMAX-N take N", why, whylen);
	if (n < 0)
		return -1;
	return from_min ? SIGRTMIN + n : SIGRTMAX - n;
}

int fc__signal_parse(const char *name, size_t len, char *why, size_t whylen)
{
	if (starts_with_digit(name, len))
		return number_in(name, len, 1, NSIG - 1, "signal numbers go", why, whylen);
	if (len > 3 && memcmp(name, "SIG", 3) == 0) {
		name += 3;
		len -= 3;
	}
	int rt = realtime(name, len, why, whylen);
	if (rt != -2)
		return rt;
	if (span_is(name, len, "RTMIN"))
		return SIGRTMIN;
	if (span_is(name, len, "RTMAX"))
		return SIGRTMAX;
	int s = alias_lookup(signal_aliases, sizeof signal_aliases / sizeof signal_aliases[0], name, len);
	for (int k = 1; s < 0 && k < SIGRTMIN; k++) {
		const char *abbrev = sigabbrev_np(k);
		if (abbrev && span_is(name, len, abbrev))
			s = k;
	}
	if (s < 0)
		snprintf(why, whylen,
			 "unknown name; any glibc knows is accepted, with or without SIG (SIGCHLD, CHLD, SIGIO, SIGCLD...), and "
			 "SIGRTMIN+N, SIGRTMAX-N, or a number from 1 to %d",
			 NSIG - 1);
	return s;
}

int fc_signal_lookup(const char *name, size_t len)
{
	char why[200];
	return fc__signal_parse(name, len, why, sizeof why);
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
