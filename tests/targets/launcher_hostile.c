/* launcher_hostile: a command that turns on whatever runs it (issue 10,
 * item 4), for tests/test_run_signals.c.  Its parent under `forkchaos run`
 * is forkchaos' supervisor; before that was the launcher itself. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "targets.h"

/* Every signal whose default action ends a process, but the faults and
 * SIGKILL: what a careless or hostile command may send its parent. */
static const int fatal[] = { SIGHUP,    SIGINT,  SIGQUIT, SIGTRAP,   SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
			     SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,  SIGSYS };

static void hang(void)
{
	for (;;)
		pause();
}

/* Until our parent is no longer PARENT (bounded: 10 s). */
static void await_new_parent(pid_t parent)
{
	struct timespec tick = { 0, 1000000 };
	for (int i = 0; i < 10000 && getppid() == parent; i++)
		nanosleep(&tick, NULL);
}

static int signal_parent(const struct sub_args *args)
{
	pid_t parent = getppid();
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		kill(parent, fatal[i]);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		kill(parent, sig);
	printf("signalled %d\n", (int)parent);
	return (int)args->n;
}

static int stop_parent(const struct sub_args *args)
{
	(void)args;
	kill(getppid(), SIGSTOP);
	hang();
	return 0;
}

static int kill_parent(const struct sub_args *args)
{
	pid_t parent = getppid();
	kill(parent, SIGKILL);
	await_new_parent(parent);
	if (!strcmp(args->word, "hang"))
		hang();
	return args->k;
}

/* Writes "ROOT CHILD" to FILE (whole: written beside it and renamed),
 * both processes then wait forever. */
static int tree(const struct sub_args *args)
{
	char tmp[4200];
	pid_t child = fork();
	if (child == 0)
		hang();
	snprintf(tmp, sizeof tmp, "%s.tmp", args->word);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d %d\n", (int)getpid(), (int)child) < 0 || fclose(f) != 0 || rename(tmp, args->word) < 0)
		return 1;
	hang();
	return 0;
}

/* Creates FILE, reads stdin to its end, exits with the second argument. */
static int wait_stdin(const struct sub_args *args)
{
	char buf[256];
	int fd = open(args->word, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	while (read(0, buf, sizeof buf) > 0)
		;
	return args->k;
}

/* The signal mask and the ignored signals it started with. */
static int signal_state(const struct sub_args *args)
{
	char line[256];
	(void)args;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			fputs(line, stdout);
	fclose(f);
	return 0;
}

static const struct subcommand table[] = {
	{ "signal-parent", signal_parent, "[CODE]", "send the parent every fatal signal, then exit CODE" },
	{ "stop-parent", stop_parent, "", "SIGSTOP the parent, then wait forever" },
	{ "kill-parent", kill_parent, "exit|hang [CODE]", "SIGKILL the parent, then exit CODE or wait forever" },
	{ "tree", tree, "FILE", "fork a child, write both pids to FILE, wait forever" },
	{ "wait-stdin", wait_stdin, "FILE [CODE]", "create FILE, read stdin to its end, exit CODE" },
	{ "signal-state", signal_state, "", "print SigBlk and SigIgn from /proc/self/status" },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return SUB_MAIN("launcher_hostile", table);
}
