/* Helpers shared by the libffd Criterion tests.  No sleeps: children are
 * held and released with pipes, and kernel-side effects are awaited with
 * bounded poll() loops. */
#ifndef TEST_FFD_UTIL_H
#define TEST_FFD_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

/* Both paths, by the flag that selects them. */
#define PATH_PIDFD 0
#define PATH_GENERIC FFD_USE_FORK

/* A gate holds children until the parent opens it (closes the write end). */
struct gate {
	int read_fd;
	int write_fd;
};

void gate_make(struct gate *gate);
/* In the child: async-signal-safe; returns when the gate opens. */
void gate_pass(const struct gate *gate);
void gate_open(struct gate *gate);
void gate_drop(struct gate *gate);

/* Child side of ffd_fork: wait at the gate (if any) and _exit(code). */
void child_exit_after_gate(const struct gate *gate, int code);

/* Wait (bounded, about 5 s) until fd is readable; false on timeout. */
bool wait_readable(int fd);
/* Wait (bounded) until pid is no longer a child of ours, i.e. reaped. */
bool wait_reaped(pid_t pid);
/* Wait (bounded) until *counter >= target. */
bool wait_counter(volatile int *counter, int target);

int count_open_fds(void);
bool fd_is_pidfd(int fd);
bool fd_has_cloexec(int fd);
bool fd_is_nonblocking(int fd);

/* Make system call nr fail with err in this process (a seccomp filter, the
 * way a sandbox hides pidfd support).  Criterion runs each test in its own
 * process, so the filter dies with the test. */
void deny_syscall(long nr, int err);
/* Deliver SIGSYS instead of making system call nr when its second argument
 * is arg1 (other calls of nr go through): a handler can then act in the
 * middle of a library call, and answer for the kernel. */
void trap_syscall(long nr, unsigned arg1);

#endif
