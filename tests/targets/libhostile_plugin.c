/* The plugin the hostile_* reproducers dlopen() (issue 9, findings 5 and
 * 11): one function whose pipe() call comes from this object.  Built three
 * times from this file, the function named after the library:
 * libhostile_plugin.so (plugin(), copied 300 times by hostile_manylibs),
 * libhostile_alpha.so and libhostile_beta.so (alpha(), beta(): the same
 * code under two names, so that after dlclose(alpha) beta's function lands
 * where alpha's was). */
#include "targets.h"

#ifndef PLUGIN_FN
#define PLUGIN_FN plugin
#endif

/* 64 KiB of data: the plugin fits none of the small holes between the
 * loaded objects, so a mapping placed before dlopen() moves it. */
char hostile_plugin_pad[1 << 16];

int PLUGIN_FN(void)
{
	return pipe_closed(0);
}
