/* The parts of forkchaos, found beside the running binary: first as the
 * build tree lays them out (build/ or build/san/), then as `make install`
 * and the Debian package do (PREFIX/bin, PREFIX/lib/forkchaos,
 * PREFIX/libexec/forkchaos, PREFIX/share/forkchaos).  One table: a new
 * part is one row, a new layout one more candidate in each row. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "install_path.h"

#define FC_MAX_CANDIDATES 4
static const struct place {
	const char *candidates[FC_MAX_CANDIDATES]; /* relative to the binary's folder */
	const char *marker;                        /* a folder is the place if it holds this */
} places[FC_NPLACES] = {
	[FC_PLACE_SHIM] = { { "libforkchaos.so", "../lib/forkchaos/libforkchaos.so" } },
	[FC_PLACE_DRIVERS] = { { "drivers", "../libexec/forkchaos" } },
	/* the library under test beside its defect builds, with its symbol
	 * table (caller= of a static function needs it), whatever is done to
	 * the system's libffd.so.1 (a package strips it) */
	[FC_PLACE_LIBFFD] = { { "libffd.so", "../lib/forkchaos/libffd.so" } },
	[FC_PLACE_DEFECTS] = { { "defects", "../lib/forkchaos/defects" } },
	/* the source tree's scripts/ from build/ and from build/san/ */
	[FC_PLACE_SCRIPTS] = { { "../scripts", "../../scripts", "../share/forkchaos" }, "plots.sh" },
};

/* The folder of /proc/self/exe in BUF, or "" when it cannot be read. */
static const char *exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	return buf;
}

const char *fc_place_find(enum fc_place place, char *buf, size_t len)
{
	char dir[PATH_MAX], candidate[2 * PATH_MAX], real[PATH_MAX];
	if (place < 0 || place >= FC_NPLACES || !exe_dir(dir, sizeof dir)[0])
		return NULL;
	for (int i = 0; i < FC_MAX_CANDIDATES && places[place].candidates[i]; i++) {
		const char *marker = places[place].marker;
		snprintf(candidate, sizeof candidate, "%s/%s%s%s", dir, places[place].candidates[i], marker ? "/" : "",
			 marker ? marker : "");
		if (access(candidate, R_OK) < 0)
			continue;
		if (marker)
			*strrchr(candidate, '/') = 0;
		if (realpath(candidate, real) && strlen(real) < len) {
			memcpy(buf, real, strlen(real) + 1);
			return buf;
		}
	}
	return NULL;
}

const char *fc_place_tried(enum fc_place place, char *buf, size_t len)
{
	char dir[PATH_MAX];
	size_t used = 0;
	buf[0] = 0;
	if (place < 0 || place >= FC_NPLACES)
		return buf;
	exe_dir(dir, sizeof dir);
	for (int i = 0; i < FC_MAX_CANDIDATES && places[place].candidates[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%s", i ? " or " : "", dir, places[place].candidates[i]);
	return buf;
}
