/* hostile_clone: clone(NULL, stack, SIGCHLD, NULL) fails with EINVAL in
 * glibc, which checks the function before making anything (issue 9,
 * finding 4).  Under the shim it must fail the same way, not make a child
 * that calls address 0.  Prints what clone returned and, if it made a
 * child, how that child ended. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include "hostile.h"

#define STACK_SIZE (64 * 1024)

int main(void)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return 2;
	int (*no_function)(void *) = NULL;
	int pid = clone(no_function, stack + STACK_SIZE, SIGCHLD, NULL);
	int err = errno;
	printf("clone %d %s\n", pid < 0 ? -1 : 1, pid < 0 ? strerrorname_np(err) : "made-a-child");
	if (pid > 0) {
		int status;
		waitpid(pid, &status, 0);
		printf("child %s %d\n", WIFSIGNALED(status) ? "killed" : "exited",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	return 0;
}
