/* Shell words and durations for reproduce lines (words.c). */
#ifndef FC_WORDS_H
#define FC_WORDS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* WORD as a POSIX shell reads it back: as it is when it holds only
 * characters no shell treats specially, else single-quoted. */
void fc_shell_word_put(FILE *f, const char *word);
/* The same into OUT (cut to LEN, NUL-terminated). */
void fc_shell_word(char *out, size_t len, const char *word);
/* NS as `run --timeout` reads it: a whole number of the largest unit that
 * holds it exactly (1500ms, not 1.5s; 3600s). */
void fc_duration_text(uint64_t ns, char *buf, size_t len);
#endif
