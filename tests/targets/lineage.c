/* lineage: a target for the runner's view of a process tree, run under
 * `forkchaos run` and `forkchaos check`: descendants it leaves behind
 * (zombie or alive), an orphan that dies by its own signal, and a process
 * stuck spinning or blocked in a function with a name.  Subcommands: the
 * table at the end (`lineage --help`). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "targets.h"

/* Read until every write end is closed: the holders are gone. */
static void drain(int fd)
{
	char byte;
	while (read(fd, &byte, 1) > 0)
		;
}

/* A child that exits at once and is never waited for (a zombie when we
 * exit), and one that pauses forever (alive): both strays.  We exit once
 * the first is dead (its pipe end closed) and the second has started. */
static int do_strays(const struct sub_args *args)
{
	int gone[2], started[2];
	if (pipe(gone) < 0 || pipe(started) < 0)
		return 2;
	if (fork() == 0) {
		close(gone[0]);
		_exit(0);
	}
	close(gone[1]);
	if (fork() == 0) {
		close(started[0]);
		close(started[1]); /* the parent sees EOF: started */
		for (;;)
			pause();
	}
	close(started[1]);
	drain(gone[0]);
	drain(started[0]);
	/* RACE: the first child closed its end before it became a zombie;
	 * wait with WNOWAIT until it is one, leaving it unreaped */
	siginfo_t info;
	waitid(P_ALL, 0, &info, WEXITED | WNOWAIT);
	return 0;
}

/* Double fork: the grandchild, an orphan the runner inherits, aborts; we
 * exit once it is dead (the pipe's last write end closed with it). */
static int do_orphan_crash(const struct sub_args *args)
{
	int dead[2];
	if (pipe(dead) < 0)
		return 2;
	pid_t child = fork();
	if (child == 0) {
		if (fork() == 0) {
			close(dead[0]);
			signal(SIGABRT, SIG_DFL);
			raise(SIGABRT);
			_exit(100);
		}
		_exit(0);
	}
	close(dead[1]);
	waitpid(child, NULL, 0);
	drain(dead[0]);
	return 0;
}

static volatile unsigned long spins;

/* Spins where the stuck message must find it: by name. */
__attribute__((noinline)) static void spin_forever(void)
{
	for (;;)
		spins++;
}

static int do_spin(const struct sub_args *args)
{
	spin_forever();
	return 0;
}

__attribute__((noinline)) static void *blocked_in_pause(void *unused)
{
	for (;;)
		pause();
	return NULL;
}

/* Two threads: this one spinning, another blocked in pause(). */
static int do_spin_and_block(const struct sub_args *args)
{
	pthread_t thread;
	if (pthread_create(&thread, NULL, blocked_in_pause, NULL) != 0)
		return 2;
	spin_forever();
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "strays", do_strays, "", "leave a zombie child and a live one behind" },
	{ "orphan-crash", do_orphan_crash, "", "a double-forked grandchild aborts; exit 0 once it is dead" },
	{ "spin", do_spin, "", "spin forever in spin_forever()" },
	{ "spin-and-block", do_spin_and_block, "", "spin in spin_forever(), a second thread blocked in pause()" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("lineage", subcommands);
}
