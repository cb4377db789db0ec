/* sites: call sites that name themselves without symbols (caller=OBJECT+
 * 0xOFFSET).  Built stripped (sites-stripped, tests.mk) so that no function
 * of the program has a name; linked with libsites.so, whose one function
 * makes two calls.  Each subcommand prints one "what ret errno" line per
 * call; `where` prints the load bases, which ASLR moves between runs. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "sites.h"
#include "targets.h"

static void report(const char *what, int ret, int err)
{
	printf("%s %d %s\n", what, ret, ret < 0 ? strerrorname_np(err) : "OK");
	fflush(stdout);
}

static int do_exe(const struct sub_args *args)
{
	int err;
	int ret = pipe_once(&err);
	report("exe1", ret, err);
	ret = pipe_once(&err);
	report("exe2", ret, err);
	return 0;
}

static int do_lib(const struct sub_args *args)
{
	int ret[2], err[2];
	sites_lib_pipes(ret, err);
	report("lib1", ret[0], err[0]);
	report("lib2", ret[1], err[1]);
	return 0;
}

static void *base_of(void *fn)
{
	Dl_info info;
	return dladdr(fn, &info) ? info.dli_fbase : NULL;
}

static int do_where(const struct sub_args *args)
{
	printf("where %p %p\n", base_of((void *)do_where), base_of((void *)sites_lib_pipes));
	return 0;
}

static int do_all(const struct sub_args *args)
{
	do_where(args);
	do_exe(args);
	return do_lib(args);
}

/* A call made in a signal handler (raise: delivered before it returns). */
static volatile sig_atomic_t handler_ret, handler_err;
static int (*late_pipe)(void);

static void on_usr1(int sig)
{
	int err;
	handler_ret = late_pipe ? late_pipe() : pipe_once(&err);
	handler_err = late_pipe ? errno : err;
}

static int raise_usr1(const char *what)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || raise(SIGUSR1) != 0)
		return 1;
	report(what, handler_ret, handler_err);
	return 0;
}

static int do_handler(const struct sub_args *args)
{
	return raise_usr1("handler");
}

/* A library dlopen()ed after the index was built: in a handler the index
 * is not rebuilt, so its call has no site there; outside one it has. */
static int do_late(const struct sub_args *args)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigaction(SIGUSR2, &sa, NULL); /* a traced call: the index is built now, before the dlopen */
	void *handle = dlopen(args->word, RTLD_NOW);
	late_pipe = handle ? (int (*)(void))dlsym(handle, "fcprobe_lib_pipe") : NULL;
	if (!late_pipe) {
		fprintf(stderr, "sites: %s\n", dlerror());
		return 1;
	}
	if (raise_usr1("late-handler"))
		return 1;
	int ret = late_pipe();
	report("late", ret, errno);
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "exe", do_exe, "", "pipe2 from two sites of the program" },
	{ "lib", do_lib, "", "pipe2 from two sites of one function of libsites.so" },
	{ "where", do_where, "", "the load bases of the program and of libsites.so" },
	{ "all", do_all, "", "where, exe and lib" },
	{ "handler", do_handler, "", "pipe2 from a SIGUSR1 handler of the program" },
	{ "late", do_late, "PATH", "pipe from libfcprobe.so at PATH, dlopen()ed late, in a handler and out of one" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("sites", subcommands);
}
