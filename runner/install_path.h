/* Where forkchaos finds its parts: the shim, the drivers, the library under
 * test and its defect builds, the plot scripts.  Always relative to the
 * running binary (/proc/self/exe), so that one build works from its build
 * tree (build/forkchaos, build/san/forkchaos) and from any installed
 * prefix, moved or not (PREFIX/bin/forkchaos; docs/INSTALL.md has the
 * layout): no path of the build is compiled in. */
#ifndef FC_INSTALL_PATH_H
#define FC_INSTALL_PATH_H
#include <stddef.h>

enum fc_place {
	FC_PLACE_SHIM,    /* libforkchaos.so */
	FC_PLACE_DRIVERS, /* the folder of the scenario drivers (ffdriver...) */
	FC_PLACE_LIBFFD,  /* the library under test by default (check --lib), unstripped */
	FC_PLACE_DEFECTS, /* the folder of libffd-NAME.so (check --matrix) */
	FC_PLACE_SCRIPTS, /* the folder of plots.sh and plots/ (report) */
	FC_NPLACES
};

/* PLACE's absolute path (symbolic links resolved) in BUF: the first of its
 * candidates beside the binary that exists; NULL when none does. */
const char *fc_place_find(enum fc_place place, char *buf, size_t len);
/* Where PLACE was looked for, for a message: "DIR/drivers or
 * DIR/../libexec/forkchaos" with DIR the binary's folder. */
const char *fc_place_tried(enum fc_place place, char *buf, size_t len);
#endif
