/* hostile_sigmask sigprocmask|pthread_sigmask|sigaction: the caller's
 * output must be byte for byte what libc writes (issue 9, finding 14).
 * The output (the old mask, or oldact's sa_mask) is filled with 0xa5
 * first; the kernel writes 8 bytes of a sigset_t's 128.  Prints how many of
 * bytes 8..127 changed and a hash of them: under at=inside the shim once
 * copied its whole private set, of which bytes 8..127 were its stack.  The
 * test compares the line with the program's own run without the shim. */
#include <signal.h>
#include "hostile.h"

#define FILL 0xa5

static int usr2_seen;

static void on_usr2(int sig)
{
	usr2_seen++;
}

/* Bytes 8..127: how many differ from the fill, and what they are (FNV-1a),
 * to compare with the run without the shim. */
static int report(const char *call, int ret, const sigset_t *out)
{
	const unsigned char *bytes = (const unsigned char *)out;
	unsigned hash = 2166136261u;
	int changed = 0;
	for (size_t i = 8; i < sizeof(sigset_t); i++) {
		changed += bytes[i] != FILL;
		hash = (hash ^ bytes[i]) * 16777619u;
	}
	printf("%s ret %d bytes-8-127 changed %d hash %08x usr2 %d\n", call, ret, changed, hash, usr2_seen);
	return 0;
}

static int mask_call(int (*fn)(int, const sigset_t *, sigset_t *), const char *name)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	memset(&old, FILL, sizeof old);
	int ret = fn(SIG_BLOCK, &set, &old);
	return report(name, ret, &old);
}

static int do_sigprocmask(const struct sub_args *args)
{
	return mask_call(sigprocmask, "sigprocmask");
}

static int do_pthread_sigmask(const struct sub_args *args)
{
	return mask_call(pthread_sigmask, "pthread_sigmask");
}

static int do_sigaction(const struct sub_args *args)
{
	struct sigaction act = { .sa_handler = SIG_IGN }, old;
	memset(&old, FILL, sizeof old);
	int ret = sigaction(SIGHUP, &act, &old);
	return report("sigaction", ret, &old.sa_mask);
}

static const struct subcommand subcommands[] = {
	{ "sigprocmask", do_sigprocmask, "", "sigprocmask(SIG_BLOCK) into a filled old set" },
	{ "pthread_sigmask", do_pthread_sigmask, "", "pthread_sigmask(SIG_BLOCK) into a filled old set" },
	{ "sigaction", do_sigaction, "", "sigaction(SIGHUP) into a filled oldact" },
};

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigaction(SIGUSR2, &sa, NULL);
	return SUB_MAIN("hostile_sigmask", subcommands);
}
