/* Before a plan or a trace: will the command's first image load the shim?
 * The dynamic loader ignores LD_PRELOAD in a secure-mode (AT_SECURE)
 * image, never runs for a static one, and skips a library of another word
 * size; in each the plan would silently not be applied. */
#ifndef FC_PREFLIGHT_H
#define FC_PREFLIGHT_H
#include <stddef.h>

/* 0 when CMD (found on $PATH as execvp does) would load the shim at SHIM,
 * or cannot be found (exec then says why); else -1 and WHY, one line
 * naming the reason and what to do. */
int fc_preflight(const char *cmd, const char *shim, char *why, size_t len);
/* The same for a run under the syscall layer (LAYER_API_RULES >= 0): the
 * command runs with no_new_privs, so set-id bits and file capabilities
 * give it nothing and the shim acts; a static one is refused only when
 * LAYER_API_RULES rules need the shim. */
int fc_preflight_layer(const char *cmd, const char *shim, int layer_api_rules, char *why, size_t len);
/* 1 when CMD's first image is a static ELF program (no interpreter). */
int fc_preflight_is_static(const char *cmd);
#endif
