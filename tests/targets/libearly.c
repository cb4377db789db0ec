/* A library whose constructor vforks: it runs before the shim's own
 * constructor when the program links it (so the shim must cope unready). */
#include <sys/wait.h>
#include <unistd.h>

int early_status = -1;

__attribute__((constructor)) static void early_vfork(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(5);
	int status;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		early_status = WEXITSTATUS(status);
}
