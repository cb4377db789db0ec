/* --plan-file FILE: a plan written one rule per line, with # comments.
 * The reader is the plan parser's (inject/plan.c, fc_plan_file_read); the
 * one in runner/plan_file.c stands in, weak, until that one is linked. */
#ifndef FC_PLAN_FILE_H
#define FC_PLAN_FILE_H
#include <stddef.h>

/* The plan text of the file at PATH into BUF (LEN bytes, NUL-terminated):
 * its rules joined by ';'.  0, or -1 and ERR (one line) when it cannot be
 * read or does not fit. */
int fc_plan_file_read(const char *path, char *buf, size_t len, char *err, size_t errlen);
#endif
