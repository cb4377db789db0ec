/* Hand-written wrappers for the OWN lines of calls.def: the calls whose
 * difference from the generated skeleton is more than a step.  vfork's
 * child runs on our caller's stack, clone's child starts in a function of
 * the caller's, closefrom returns nothing, execl's arguments are a list. */
#include <dlfcn.h>
#include <sched.h>
#include <stdarg.h>
#include <unistd.h>
#include "hooks.h"

#define RA __builtin_return_address(0)

/* ---- vfork: decided here, passed through by a tail jump (vfork.S) ---- */

/* Returns 1 when the call is answered without vfork (*out holds the value),
 * 0 to pass through.  The vfork child runs on our caller's stack and shares
 * our memory: nothing after the real vfork may run in a C frame of ours. */
int fc__vfork_enter(long *out, void *ra) FC_HIDDEN;
int fc__vfork_enter(long *out, void *ra)
{
	struct fc_call c;
	if (FC_UNLIKELY(!fc__real_vfork)) /* called before our constructor ran */
		fc__real_vfork = FC_REAL(vfork);
	if (fc__state.active)
		__atomic_store_n(&fc__state.vforked, 1, __ATOMIC_RELAXED); /* handlers.c */
	if (!fc__enter(&c, FC_ID_vfork, -1, -1, -1, ra))
		return 0;
	if (fc__pre(&c, out))
		return 1;
	c.ret_unknown = 1;
	fc__trace_event(&c, 0, 0);
	FC_ERRNO_BACK(c.saved_errno);
	return 0;
}

/* ---- clone: without CLONE_VM the child is a forked process ---- */

struct clone_target {
	int (*fn)(void *);
	void *arg;
};

static int clone_trampoline(void *target)
{
	/* Runs in the child, on its own copy of our memory. */
	struct clone_target *t = target;
	fc__after_fork_child();
	return t->fn(t->arg);
}

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	int (*real)(int (*)(void *), void *, int, void *, ...) = FC_REAL(clone);
	struct fc_call c;
	long ret;
	va_list ap;
	va_start(ap, arg);
	void *ptid = va_arg(ap, void *), *tls = va_arg(ap, void *), *ctid = va_arg(ap, void *);
	va_end(ap);

	int active = fc__enter(&c, FC_ID_clone, -1, -1, -1, RA);
	if (active && fc__pre(&c, &ret))
		return (int)ret;
	int result;
	if (flags & CLONE_VM)
		fc__shares_vm(); /* a raw thread: glibc's single-threaded flag stays 1 */
	if ((flags & CLONE_VM) || !fc__state.active || !fn) {
		/* no trampoline for a NULL fn: glibc's own EINVAL */
		result = real(fn, stack, flags, arg, ptid, tls, ctid);
	} else {
		/* A stack local is valid in the child: it gets a copy of it. */
		struct clone_target target = { fn, arg };
		fc__before_fork();
		result = real(clone_trampoline, stack, flags, &target, ptid, tls, ctid);
	}
	if (result > 0 && !(flags & CLONE_THREAD))
		fc__note_child(result);
	return active ? (int)fc__post(&c, result) : result;
}

/* ---- closefrom: the RANGE of its line, by hand for a void call ---- */

void closefrom(int lowfd)
{
	void (*real)(int) = FC_REAL(closefrom);
	struct fc_call c;
	long ret;
	int hit = fc__trace_range_begin(lowfd < 0 ? 0 : (unsigned)lowfd, ~0u, 0);
	if (FC_LIKELY(!fc__enter(&c, FC_ID_closefrom, -1, -1, lowfd, RA))) {
		real(lowfd);
		fc__trace_range_end(hit);
	} else if (!fc__pre(&c, &ret)) {
		real(lowfd);
		fc__trace_range_end(hit); /* before its line: the call is traced */
		fc__post(&c, 0);
	} else {
		fc__trace_range_end(hit);
	}
}

/* ---- execl, execlp, execle: a list of strings, for the v-form ---- */

/* The words of the list from ARG to its NULL. */
static size_t list_length(const char *arg, va_list ap)
{
	size_t n = 0;
	for (const char *word = arg; word; word = va_arg(ap, const char *))
		n++;
	return n;
}

/* Fill ARGV with the N words and the NULL; return what follows the NULL
 * (execle's envp) when the list has it, else the process's environment. */
static char *const *list_collect(char **argv, size_t n, const char *arg, va_list ap, int envp_follows)
{
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)(i == 0 ? arg : va_arg(ap, const char *));
	if (n > 0)
		(void)va_arg(ap, const char *); /* the NULL that ends the list */
	argv[n] = NULL;
	return envp_follows ? va_arg(ap, char *const *) : environ;
}

/* The generated skeleton (wrap_gen.c), but for the call ID over the real
 * v-form REAL that the l-form stands for. */
static int exec_list(int id, void *ra, int (*real)(const char *, char *const[], char *const[]), const char *path,
		     char *const argv[], char *const envp[])
{
	FC_LOCALS(int);
	if (FC_LIKELY(!fc__armed[id]))
		return real(path, argv, envp);
	FC_SLOW_PATH(int, id, -1, ra, 0, real(path, argv, envp), EXECS(path, envp));
}

/* Where this differs from a generated wrapper: the list is collected into
 * an array on our stack (no malloc: this may be a vfork child), and the
 * real call is the v-form over it (execve, or execvpe for execlp, with
 * the environment), as glibc's own l-forms do. */
#define EXEC_LIST(name, v_form, envp_follows)                                          \
	int name(const char *path, const char *arg, ...)                               \
	{                                                                              \
		va_list ap;                                                            \
		va_start(ap, arg);                                                     \
		size_t n = list_length(arg, ap);                                       \
		va_end(ap);                                                            \
		char *argv[n + 1];                                                     \
		va_start(ap, arg);                                                     \
		char *const *envp = list_collect(argv, n, arg, ap, envp_follows);      \
		va_end(ap);                                                            \
		return exec_list(FC_ID_##name, RA, FC_REAL(v_form), path, argv, envp); \
	}
EXEC_LIST(execl, execve, 0)
EXEC_LIST(execlp, execvpe, 0)
EXEC_LIST(execle, execve, 1)

/* ---- dlclose: the objects it unloads leave the symbol index ---- */

/* Not a tail jump like vfork's: dlclose does not look at its caller (dlopen
 * does, for $ORIGIN and RUNPATH, which is why dlopen is not wrapped). */
int dlclose(void *handle)
{
	static int (*real)(void *);
	if (FC_UNLIKELY(!real)) {
		fc__guard++;
		real = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
		fc__guard--;
	}
	int result = real ? real(handle) : -1;
	if (fc__state.active && fc__state.index_used) {
		int err = errno;
		fc__symtab_refresh(); /* what dlclose unmapped must not match what is mapped there next */
		errno = err;
	}
	return result;
}
