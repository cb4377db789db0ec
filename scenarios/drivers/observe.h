/* What every driver shares: the library under test, loaded from
 * $FORKCHAOS_LIB, and the observation report ($FORKCHAOS_REPORT), written
 * one line per write(2) as scenarios/README.md describes. */
#ifndef FC_OBSERVE_H
#define FC_OBSERVE_H
#include <stdint.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "ffd.h"

/* The libffd API, resolved from the library chosen at run time. */
struct ffd_api {
	int (*fork)(int flags, pid_t *ppid);
	int (*spawn)(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
	int (*wait)(int fd, struct ffd_info *info, int options, struct rusage *ru);
	int (*close)(int fd);
};

/* Load the library (exit 2 with a message when it cannot). */
void obs_load(struct ffd_api *api);
/* Append one observation line (printf format, newline added). */
void obs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open descriptors of this process, from /proc/self/fd. */
int obs_fd_count(void);
/* "exited:N", "killed:SIG", "dumped:SIG" for a struct ffd_info. */
const char *obs_status(const struct ffd_info *info, char *buf, size_t len);
/* An errno as its name ("0" for none). */
const char *obs_errno(int err);
/* A libffd call that should have worked failed: that is an observation
 * (result CALL -1 ERRNO 0, judged by api-errno), so exit 0; the pattern
 * cannot go on. */
void obs_library_failed(const char *call) __attribute__((noreturn));
/* The driver cannot run its pattern (not the library's doing): say why and
 * exit 2, a harness error. */
void obs_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#endif
