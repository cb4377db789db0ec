#include "test_ffd_util.h"
#include "ffd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#define WAIT_STEP_MS 10
#define WAIT_STEPS 500 /* 5 s in all, well under the tests' timeout */

void gate_make(struct gate *gate)
{
	int fds[2];
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
	gate->read_fd = fds[0];
	gate->write_fd = fds[1];
}

void gate_pass(const struct gate *gate)
{
	char byte;
	if (gate->write_fd >= 0)
		close(gate->write_fd);
	while (read(gate->read_fd, &byte, 1) < 0 && errno == EINTR)
		;
}

void gate_open(struct gate *gate)
{
	if (gate->write_fd >= 0)
		close(gate->write_fd);
	gate->write_fd = -1;
}

void gate_drop(struct gate *gate)
{
	gate_open(gate);
	if (gate->read_fd >= 0)
		close(gate->read_fd);
	gate->read_fd = -1;
}

void child_exit_after_gate(const struct gate *gate, int code)
{
	if (gate)
		gate_pass(gate);
	_exit(code);
}

/* poll() with no descriptors is the bounded wait step. */
static void wait_step(void)
{
	poll(NULL, 0, WAIT_STEP_MS);
}

bool wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	for (int i = 0; i < WAIT_STEPS; i++) {
		int n = poll(&pfd, 1, WAIT_STEP_MS);
		if (n > 0)
			return true;
	}
	return false;
}

bool wait_reaped(pid_t pid)
{
	for (int i = 0; i < WAIT_STEPS; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
			return true;
		wait_step();
	}
	return false;
}

bool wait_counter(volatile int *counter, int target)
{
	for (int i = 0; i < WAIT_STEPS; i++) {
		if (*counter >= target)
			return true;
		wait_step();
	}
	return false;
}

int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	cr_assert_not_null(dir);
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL)
		if (entry->d_name[0] != '.')
			count++;
	closedir(dir);
	return count - 1; /* the directory's own descriptor */
}

bool fd_is_pidfd(int fd)
{
	char path[64], target[128];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strstr(target, "pidfd") != NULL;
}

bool fd_has_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

bool fd_is_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

static void install_filter(const struct sock_fprog *prog)
{
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog), 0, "seccomp: %s", strerror(errno));
}

void deny_syscall(long nr, int err)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(code) / sizeof(code[0])),
		.filter = code,
	};
	install_filter(&prog);
}

void trap_syscall(long nr, unsigned arg1)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 3),
		/* The low 32 bits of the 64-bit argument. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[1]) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(code) / sizeof(code[0])),
		.filter = code,
	};
	install_filter(&prog);
}
