/* `run --trace FILE`: the trace is written to a new file of this run's own,
 * beside FILE, and put in FILE's place when the run is done.  Nothing is
 * ever written through a link or into a file that was there before; a run
 * that cannot start leaves FILE as it was; two runs given one FILE each
 * write their own, and the last to finish wins. */
#ifndef FC_TRACE_FILE_H
#define FC_TRACE_FILE_H
#include <limits.h>
#include <sys/types.h>

struct fc_trace_file {
	int fd;                  /* the new trace, unnamed (O_TMPFILE) or under TMP */
	int dir;                 /* FILE's folder */
	char name[NAME_MAX + 1]; /* FILE's name in it */
	char tmp[NAME_MAX + 1];  /* the new trace's name while it is written; "": unnamed */
	char path[64];           /* what the shim opens: /proc/OUR-PID/fd/FD, the same file
				 * whatever the command's working folder */
	int null_sink;           /* FILE is the null device: the shim traces, nothing is kept */
};

/* Checks DEST (not a link, a folder, a device or a pipe; its folder there)
 * and makes the new trace.  The null device itself is taken as it is: a
 * run traced for the shim's sake, whose trace nobody keeps.  -1 after a
 * message on stderr. */
int fc_trace_file_open(struct fc_trace_file *tf, const char *dest);
/* Puts the trace in DEST's place.  -1 after a message (it is then kept
 * under its temporary name, which the message gives). */
int fc_trace_file_commit(struct fc_trace_file *tf, const char *dest);
/* Drops the new trace; DEST stays as it was.  (void *: an abandon hook.) */
void fc_trace_file_discard(void *tf);
/* Bytes written to the new trace so far. */
off_t fc_trace_file_size(const struct fc_trace_file *tf);
#endif
