/* Fuzz target: the plan parser (inject/plan.c, plan_keys.c, names.c,
 * calls.c), the code that reads FORKCHAOS_PLAN inside every target the
 * shim is preloaded into, and --plan in the launcher.  Besides not
 * crashing: a refusal says why in one line; an accepted plan holds values
 * the engine can act on; the same text parses the same way twice; and the
 * name lookups, given a span, read nothing past it. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "plan.h"

static int bounded(const char *buf, size_t size)
{
	return memchr(buf, 0, size) != NULL;
}

static void check_rule(const char *text, const struct fc_rule *r)
{
	size_t len = strlen(text);
	FC_FUZZ_ASSERT(r->text_off >= 0 && r->text_len >= 0 && (size_t)r->text_off + (size_t)r->text_len <= len);
	FC_FUZZ_ASSERT(bounded(r->action_text, sizeof r->action_text));
	FC_FUZZ_ASSERT(bounded(r->caller, sizeof r->caller) && bounded(r->lib, sizeof r->lib));
	FC_FUZZ_ASSERT(r->n_nrs >= 0 && r->n_nrs <= FC_MAX_NRS);
	FC_FUZZ_ASSERT(r->at >= FC_AT_ENTER && r->at <= FC_AT_EXIT);
	FC_FUZZ_ASSERT(r->sigdest >= FC_DEST_SELF && r->sigdest <= FC_DEST_CHILD);
	FC_FUZZ_ASSERT(r->proc >= FC_PROC_ANY && r->proc <= FC_PROC_CHILD);
	FC_FUZZ_ASSERT(r->depth >= 0 && r->depth <= FC_MAX_DEPTH);
	FC_FUZZ_ASSERT(r->error >= 0 && r->error < 4096);
	/* a signal the kernel can send, or none */
	FC_FUZZ_ASSERT(r->signo >= 0 && r->signo < NSIG);
	/* sig=0 selects kill's existence probe */
	FC_FUZZ_ASSERT(r->sel_sig >= -1 && r->sel_sig < NSIG);
	FC_FUZZ_ASSERT(r->sel_fd >= -1 && r->sel_fd <= 1 << 30);
	FC_FUZZ_ASSERT(!(r->actions & FC_ACT_SIGNAL) || r->signo > 0);
	FC_FUZZ_ASSERT(!(r->actions & FC_ACT_ERROR) || r->error > 0);
	/* a rule acts on some call */
	uint64_t any = 0;
	for (size_t w = 0; w < FC_CALL_WORDS; w++)
		any |= r->calls[w];
	FC_FUZZ_ASSERT(any);
	FC_FUZZ_ASSERT(!r->has_when || r->when_last == 0 || r->when_last >= r->when_first);
}

/* The lookups take (pointer, length) spans of a plan: given the input
 * itself in a buffer of exactly its size, any read past the span is one
 * past the buffer, which AddressSanitizer reports. */
static void lookups(const uint8_t *data, size_t size)
{
	char *exact = malloc(size ? size : 1);
	if (!exact)
		abort();
	memcpy(exact, data, size);
	int id = fc_call_lookup(exact, size);
	FC_FUZZ_ASSERT(id == -1 || (id >= 0 && id < FC_NCALLS && strlen(fc_calls[id].name) == size));
	int err = fc_errno_lookup(exact, size);
	FC_FUZZ_ASSERT(err == -1 || (err > 0 && err < 4096));
	int sig = fc_signal_lookup(exact, size);
	FC_FUZZ_ASSERT(sig == -1 || (sig > 0 && sig < NSIG));
	/* SIGRTMIN+N and SIGRTMAX-N name real-time signals only, never one of
	 * those glibc keeps below SIGRTMIN for itself */
	size_t skip = size >= 3 && !memcmp(exact, "SIG", 3) ? 3 : 0;
	if (size - skip > 6 && (!memcmp(exact + skip, "RTMIN+", 6) || !memcmp(exact + skip, "RTMAX-", 6)))
		FC_FUZZ_ASSERT(sig == -1 || (sig >= SIGRTMIN && sig <= SIGRTMAX));
	long nr = fc_sysname_lookup(exact, size);
	FC_FUZZ_ASSERT(nr >= -1);
	uint64_t ns = 0;
	if (fc_duration_parse(exact, size, &ns) == 0)
		FC_FUZZ_ASSERT(ns <= 86400ull * 1000000000u);
	free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fc_plan plan, again;
	static char err[512], err2[512], tiny[12];
	static int devnull = -1;
	char *text = fc__fuzz_text(data, size);
	int rc = fc_plan_parse(text, &plan, err, sizeof err);
	FC_FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc < 0) {
		FC_FUZZ_ASSERT(err[0] && !strncmp(err, "bad plan", 8));
		/* issue 10: a newline in a
		 * plan is not echoed raw into the one-line message */
		FC_FUZZ_ASSERT(!strchr(err, '\n'));
	} else {
		FC_FUZZ_ASSERT(plan.nrules >= 0 && plan.nrules <= FC_MAX_RULES);
		for (int i = 0; i < plan.nrules; i++)
			check_rule(text, &plan.rules[i]);
		if (devnull < 0)
			devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		FC_FUZZ_ASSERT(fc_plan_warn(&plan, text, devnull) >= 0);
	}
	FC_FUZZ_ASSERT(fc_plan_parse(text, &again, err2, sizeof err2) == rc);
	FC_FUZZ_ASSERT(!memcmp(&plan, &again, sizeof plan) && !strcmp(err, err2));
	/* a short message buffer is cut, never overrun */
	fc_plan_parse(text, &again, tiny, sizeof tiny);
	FC_FUZZ_ASSERT(bounded(tiny, sizeof tiny));
	uint64_t set[FC_CALL_WORDS];
	fc_call_set_parse(text, set, err2, sizeof err2);
	lookups(data, size);
	free(text);
	return 0;
}
