/* forkchaos: the command-line entry point. */
#include <stdio.h>
#include <string.h>
#include "forkchaos.h"
#include "plan.h"

#ifndef FC_VERSION
#define FC_VERSION "0.1.0"
#endif

static const char usage_title[] = "forkchaos " FC_VERSION " - fault injection and race replay for fork/signal code\n\n";
static const char usage_head[] = "PLAN (--plan or $FORKCHAOS_PLAN):  RULE[;RULE...]   RULE := CALLS:ITEM[:ITEM...]\n"
				 "  one line of at most 16383 bytes; blanks may stand around ':' ';' ',' '=' and\n"
				 "  nowhere else.  --plan-file FILE: one rule or more (';') per line, # comments.\n"
				 "  CALLS     name[,name...] | %proc | %fd | %signal | %wait | %mem\n"
				 "            | sys_NAME (a syscall by name) | syscall:nr=N: under `forkchaos run`\n"
				 "              the syscall wherever it is made (inside glibc, static binaries:\n"
				 "              seccomp, no_new_privs); elsewhere, or via=api, through syscall(2)\n"
				 "  numbers   decimal, or hex after 0x; a leading 0 is refused (never octal)\n"
				 "  actions   error=ERRNO      fail with ERRNO (any name glibc knows, ENOTSUP and\n"
				 "                             EWOULDBLOCK too, or 1 to 4095), the real call skipped\n"
				 "            retval=N         return N (any long), the real call skipped\n"
				 "            delay=DUR        sleep before the call (DUR: 10ns, 5us, 50ms, 1s)\n"
				 "            delay_exit=DUR   sleep after the call\n"
				 "            wait_child=DUR   after the call, wait (at most DUR) until the child it\n"
				 "                             made (or the last child) has died: holds a window open\n"
				 "            signal=SIG[@self|@thread|@process|@parent|@child|@other]\n"
				 "                             send SIG (default to the calling thread; @other:\n"
				 "                             another thread of the process, if any); SIG: a\n"
				 "                             name with or without SIG (SIGCHLD, CHLD, SIGIO,\n"
				 "                             SIGCLD...), SIGRTMIN+N, SIGRTMAX-N, or 1 to 64\n"
				 "            reap=any         reap every child dead at that moment, as waitpid(-1)\n"
				 "                             in another component would (a foreign reaper)\n"
				 "            child_death=exit|kill  a helper child dies there (exits, or SIGKILL):\n"
				 "                             a real SIGCHLD with a reapable child, reaped after\n"
				 "            oldact=ign|dfl|ign-siginfo|dfl-siginfo|handler|handler-siginfo\n"
				 "                             sigaction only: the prior disposition its oldact\n"
				 "                             reports, as another component could have left it\n"
				 "                             (handler: a no-op one of the shim's)\n"
				 "            at=enter|inside|exit\n"
				 "                             where signal=, reap=, child_death=, error= and\n"
				 "                             retval= act: before the call (default), inside\n"
				 "                             it (the kernel's work done, the\n"
				 "                             caller's output, e.g. sigaction's oldact, not yet\n"
				 "                             filled), or after it (the call happened, its result is\n"
				 "                             replaced)\n"
				 "  selectors when=FIRST[..LAST][+STEP]  the Nth matching calls, counted per process\n"
				 "                             and rule; a forked child counts from 1 again\n"
				 "            prob=P seed=S    fire with probability P (0.25 or 25%), deterministic\n"
				 "                             per seed (0 to 2^64-1) and fork lineage\n"
				 "            caller=SYMBOL [depth=N]  only calls made from SYMBOL (or from it within\n"
				 "                             N frames)\n"
				 "            caller=OBJECT+0xOFFSET  only the call at that site, as a trace's\n"
				 "                             `site` names it (libffd.so+0x1f3c), in any run\n"
				 "            lib=SONAME       only calls made from that library (prefix match)\n"
				 "            proc=parent|child|any    the target's first process, or its descendants\n"
				 "            sig=SIG          the signal argument of sigaction/signal/kill/raise\n"
				 "            fd=N             the fd argument of read/write/close/fcntl/dup*\n"
				 "            via=api|syscall  sys_NAME rules: at syscall(2) only, or at the syscall\n"
				 "                             itself (the default for rules of syscalls only that act\n"
				 "                             at enter; at=exit and delay_exit= are refused there)\n"
				 "  Every rule whose selectors match a call counts it; the first rule (in plan\n"
				 "  order) whose when=/prob= also fire acts on it, the others do not.\n"
				 "\n"
				 "examples:\n"
				 "  forkchaos run --plan 'pipe2:when=3:error=EMFILE' -- ./app\n"
				 "  forkchaos run --plan 'fork:when=2:error=EAGAIN;%wait:delay=20ms' -- ./app\n"
				 "  forkchaos run --plan 'sigaction:sig=SIGCHLD:at=inside:signal=SIGCHLD' -- ./app\n"
				 "  forkchaos run --plan 'sys_clone3:error=ENOSYS' --trace t.jsonl -- ./app\n"
				 "  forkchaos run --plan 'sys_clone3,sys_clone:when=2:error=EAGAIN' -- make -j2\n"
				 "  forkchaos run --plan 'close:caller=ffd_close:at=exit:error=EINTR' -- ./app\n"
				 "\n"
				 "exit codes: 0 all held, 1 an invariant failed, 2 usage or harness error (bad\n"
				 "plan, missing target), 3 interrupted; `run` passes on CMD's own status (128+N\n"
				 "for death by signal N, 124 on timeout).\n";

static void print_calls(FILE *out)
{
	for (size_t k = 0; k < FC_NCLASSES; k++) {
		fprintf(out, "%s:\n", fc_classes[k].name);
		for (int id = 0; id < FC_NCALLS; id++)
			if (fc_calls[id].cls == fc_classes[k].cls)
				fprintf(out, "  %-22s errnos: %s\n", fc_calls[id].name, fc_calls[id].errnos);
	}
	fprintf(out,
		"syscall:nr=N and sys_NAME reach any other syscall(2) number; under `forkchaos run`, any\n"
		"syscall wherever it is made (via= in `forkchaos --help`).\n");
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis, *summary;
} commands[] = {
#define CMD(name, fn, synopsis, summary) { #name, fn, synopsis, summary },
#include "commands.def"
#undef CMD
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Not listed by --help: the bash completion's word lists (complete.c). */
int fc_cmd_complete(int argc, char **argv);
static const struct command hidden[] = {
	{ "complete", fc_cmd_complete, "WHAT", "the words the bash completion offers" },
};

static void print_usage(FILE *out)
{
	fputs(usage_title, out);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char head[96];
		snprintf(head, sizeof head, "forkchaos %s %s", commands[i].name, commands[i].synopsis);
		fprintf(out, "%s %-44s %s\n", i ? "      " : "usage:", head, commands[i].summary);
	}
	fputs("       forkchaos --version | --help\n"
	      "`forkchaos SUBCOMMAND --help` documents each subcommand's options.\n\n",
	      out);
	fputs(usage_head, out);
}

int fc_cmd_calls(int argc, char **argv)
{
	print_calls(stdout);
	return FC_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		printf("\nintercepted calls (forkchaos calls):\n");
		print_calls(stdout);
		return argc < 2 ? FC_EXIT_USAGE : FC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("forkchaos %s\n", FC_VERSION);
		return FC_EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (!strcmp(argv[1], hidden[i].name))
			return hidden[i].run(argc - 1, argv + 1);
	fprintf(stderr, "forkchaos: unknown subcommand '%s'; see `forkchaos --help`\n", argv[1]);
	return FC_EXIT_USAGE;
}
