/* The plain lifecycles, no plan needed: children one after another, many
 * alive at once, from several threads.  Every status must come exactly
 * once, and no descriptor or child may stay behind. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "ffdriver.h"

/* N children one after another, each waited and closed; ours stays the
 * chained SIGCHLD handler (and, on the pidfd path, the only one). */
int fc__lifecycle(const struct fc__args *args)
{
	int n = args->num[0];
	fc__install_old_handler();
	int before = obs_fd_count();
	for (int id = 1; id <= n; id++) {
		int fd = fc__held_child_spawned(args->path_flags, id, NULL, NULL);
		if (fd < 0)
			continue;
		if (id == 1 && !(args->path_flags & FFD_USE_FORK))
			/* the pidfd path installs no handler: ours is still in place */
			obs("flag sigchld-handler ours %s", fc__old_handler_in_place() ? "ours" : "replaced");
		if (fc__reap_reported(id, fd) < 0)
			obs("result ffd_close -1 %s 0", obs_errno(errno));
		fc__settle_old_handler(id, 2000);
	}
	obs("chain %d %d", (int)fc__old_calls, n);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* N children alive at once (libffd's table must grow), held until all are
 * made, then all waited. */
int fc__burst(const struct fc__args *args)
{
	int n = args->num[0];
	int *fds = calloc((size_t)n, sizeof *fds);
	struct fc__gate go;
	int before = obs_fd_count();
	if (!fds)
		obs_die("out of memory");
	fc__gate_make(&go);
	for (int id = 1; id <= n; id++)
		fds[id - 1] = fc__held_child_spawned(args->path_flags, id, &go, NULL);
	fc__gate_open(&go); /* every child reads EOF and exits */
	for (int id = 1; id <= n; id++)
		if (fds[id - 1] >= 0)
			fc__reap_reported(id, fds[id - 1]);
	obs("fds %d %d", before, obs_fd_count());
	free(fds);
	return 0;
}

struct thread_job {
	int first_id, count, path_flags;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	for (int id = job->first_id; id < job->first_id + job->count; id++) {
		int fd = fc__held_child_spawned(job->path_flags, id, NULL, NULL);
		if (fd >= 0)
			fc__reap_reported(id, fd);
	}
	return NULL;
}

/* T threads, N children each, one after another in each thread. */
int fc__threads(const struct fc__args *args)
{
	pthread_t tids[16];
	struct thread_job jobs[16];
	int nthreads = args->num[0], per_thread = args->num[1];
	int before = obs_fd_count();
	if (nthreads < 1 || nthreads > 16)
		obs_die("threads: 1 to 16 threads");
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (struct thread_job){ 1 + t * per_thread, per_thread, args->path_flags };
		pthread_create(&tids[t], NULL, thread_main, &jobs[t]);
	}
	for (int t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}
