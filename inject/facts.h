/* The facts a line of calls.def or syscalls.def can state about its call,
 * named flags in strace's manner, some with an argument: an expression over
 * the call's parameters (calls.def) or its raw arguments a[0..5]
 * (syscalls.def).  Every fact is a bit in fc_calls[].flags (plan.h).
 *
 * FC_DATA facts only describe the call, to the parser, the engine and the
 * trace.  FC_HOOK facts also add one step to the generated wrapper
 * (hooks.h).  Whoever expands a table defines FC_DATA(kind) and
 * FC_HOOK(kind, ...) first: calls.c turns both into flag bits, hooks.h into
 * code.  Included after the system headers, so that these short names
 * cannot reach into them. */
#ifndef FC_FACTS_H
#define FC_FACTS_H

/* What the return value is (none of these: -1 with errno on failure). */
#define RET_FD FC_DATA(RET_FD)
#define RET_CHILD FC_DATA(RET_CHILD)
#define RET_ERRNO FC_DATA(RET_ERRNO)
#define RET_PTR FC_DATA(RET_PTR)
#define RET_HANDLER FC_DATA(RET_HANDLER)
/* What else the call does. */
#define BLOCKING FC_DATA(BLOCKING)
/* EINTR_NORMAL: EINTR is how the call returns (sigsuspend), not a fault. */
#define EINTR_NORMAL FC_DATA(EINTR_NORMAL)
/* NO_RESTART: the kernel never restarts it after a handler, SA_RESTART or
 * not (signal(7): poll, select, epoll_wait, the sleeps, sigtimedwait...):
 * EINTR there is routine, the caller's to retry; eintr does not judge it. */
#define NO_RESTART FC_DATA(NO_RESTART)
#define ENTER_ONLY FC_DATA(ENTER_ONLY)
/* LIMITS: the call may change RLIMIT_FSIZE, which the trace's writes
 * must stay under. */
#define LIMITS FC_HOOK(LIMITS, 1)
/* CLOSES: the call releases the descriptor its FD_ARG names (close). */
#define CLOSES FC_DATA(CLOSES)
/* FD_PAIR(p): on success p[0] and p[1] are two new descriptors (the trace's
 * "fds"). */
#define FD_PAIR(p) FC_HOOK(FD_PAIR, p)
/* REAPS(pid, options, statusp): the wait family with an int status (the
 * trace's wpid, options, reaped, status); statusp may be NULL.
 * REAPS_INFO(idtype, id, infop, options): the same for waitid's siginfo. */
#define REAPS(pid, options, statusp) FC_HOOK(REAPS, pid, options, statusp)
#define REAPS_INFO(idtype, id, infop, options) FC_HOOK(REAPS_INFO, idtype, id, infop, options)
/* HANDLER(h, flags): installs the disposition h (a handler, SIG_DFL or
 * SIG_IGN) with sa_flags FLAGS (-1: none given); FC_NO_HANDLER when the call
 * only queries. */
#define HANDLER(h, flags) FC_HOOK(HANDLER, h, flags)

/* HEADER("h"): the wrapper's types come from <h>; inject.mk collects every
 * HEADER of the tables into build/gen/call_headers.h. */
#define HEADER(h)

/* The argument that fd= (sig=) compares. */
#define FD_ARG(x) FC_HOOK(FD_ARG, x)
#define SIG_ARG(x) FC_HOOK(SIG_ARG, x)
/* GUARD(fd): the call may replace fd (dup2's newfd; -1: not this time): if
 * it is the trace's, the trace moves first.  A call ON the trace's number
 * (its FD_ARG: close, read, fcntl, dup2's oldfd...) gets EBADF instead, as
 * the target never opened it. */
#define GUARD(fd) FC_HOOK(GUARD, fd)
/* RANGE(first, last, spared): the call closes first..last unless spared;
 * the trace stops over the call and is reopened after. */
#define RANGE(first, last, spared) FC_HOOK(RANGE, first, last, spared)
/* INSIDE(out, n): the call fills n objects at out; at=inside holds them back
 * and signals between the kernel's work and the copy to the caller. */
#define INSIDE(out, n) FC_HOOK(INSIDE, out, n)
/* NOTE_CHILD(p): on success the new child's pid is at p (which the caller
 * may pass as NULL), noted for signal=...@child and wait_child=. */
#define NOTE_CHILD(p) FC_HOOK(NOTE_CHILD, p)
/* FORKS, FORKS_IF(cond): the call makes a process; its child starts the
 * counts again from 1 and its pid is noted. */
#define FORKS FC_HOOK(FORKS, 1)
#define FORKS_IF(cond) FC_HOOK(FORKS, cond)
/* TRAMPOLINE(sig, act, oldact): sigaction while the shim tracks handlers:
 * the kernel gets our trampoline, the target keeps seeing its own handler.
 * VIA(fn): signal() and friends go through FN then (handlers.c), which
 * does what glibc's would through the real sigaction.
 * SIGINTERRUPT(sig, flag): siginterrupt's effect on signal()'s SA_RESTART.
 * RAW_HANDLERS(sig, act, old): rt_sigaction through syscall(). */
#define TRAMPOLINE(sig, act, oldact) FC_HOOK(TRAMPOLINE, sig, act, oldact)
#define VIA(fn) FC_HOOK(VIA, fn)
#define SIGINTERRUPT(sig, flag) FC_HOOK(SIGINTERRUPT, sig, flag)
#define RAW_HANDLERS(sig, act, old) FC_HOOK(RAW_HANDLERS, sig, act, old)
/* SHARES_VM(cond): when COND, the call makes a thread (or a process that
 * shares our memory) that glibc does not know of: counts go atomic. */
#define SHARES_VM(cond) FC_HOOK(SHARES_VM, cond)
/* FORKS_ATFORK: fork() itself, whose child glibc hands to the atfork
 * handlers (life.c) before it returns: they count the fork and reset the
 * child; the wrapper only notes the pid. */
#define FORKS_ATFORK FC_HOOK(FORKS_ATFORK, 1)
/* VARARG(last): variadic after LAST; the one word that follows is passed
 * on as fc_vararg (what glibc's own fcntl does). */
#define VARARG(last) FC_HOOK(VARARG, last)
/* REAL(sym): the real call is SYM, linked directly. */
#define REAL(sym) FC_HOOK(REAL, sym)
/* BOOT(sym): while the shim looks for the real call (dlsym, which may
 * allocate), calls are answered by SYM: the allocator, which must be the
 * next one in the process (a malloc preloaded after us), not glibc's. */
#define BOOT(sym) FC_HOOK(BOOT, sym)
/* FROM_BOOT(p, size): realloc of such a block moves it to the real one. */
#define FROM_BOOT(p, size) FC_HOOK(FROM_BOOT, p, size)
/* EXECS(path, envp): on success the call replaces the process image and
 * never returns, so the shim says what it has to say of this image just
 * before it, and whether the next image will have the shim at all (PATH
 * statically linked, or ENVP without our LD_PRELOAD; NULL: not known). */
#define EXECS(path, envp) FC_HOOK(EXECS, path, envp)

#endif
