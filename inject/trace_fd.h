/* The trace's descriptor and its writes (trace_fd.c), for the line
 * formatters of trace.c. */
#ifndef FC_TRACE_FD_H
#define FC_TRACE_FD_H
#include <stddef.h>
#include <stdint.h>
#include "shim.h"

/* One whole line, or nothing (past --trace-max: nothing more from this
 * process after its trace-stopped line). */
void fc__trace_write(const char *buf, size_t len) FC_HIDDEN;
void fc__trace_header(void) FC_HIDDEN;
void fc__trace_exec_line(void) FC_HIDDEN;
void fc__trace_stopped_line(char *buf, size_t len, size_t *used, uint64_t bytes) FC_HIDDEN;
#endif
