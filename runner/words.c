/* Words and durations as a shell and `forkchaos run` read them back: the
 * reproduce lines of check and sweep are built from these. */
#include <stdio.h>
#include <string.h>
#include "words.h"

void fc_shell_word_put(FILE *f, const char *word)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+";
	if (*word && strspn(word, plain) == strlen(word)) {
		fputs(word, f);
		return;
	}
	/* single quotes; a quote inside closes them, adds an escaped one and
	 * reopens */
	fputc('\'', f);
	for (const char *c = word; *c; c++)
		if (*c == '\'')
			fputs("'\\''", f);
		else
			fputc(*c, f);
	fputc('\'', f);
}

void fc_shell_word(char *out, size_t len, const char *word)
{
	FILE *f = len ? fmemopen(out, len, "w") : NULL;
	if (!f) {
		if (len)
			out[0] = 0;
		return;
	}
	setvbuf(f, NULL, _IONBF, 0);
	fc_shell_word_put(f, word);
	fclose(f); /* a word too long for OUT is cut, NUL-terminated */
}

void fc_duration_text(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = { { 1000000000u, "s" }, { 1000000u, "ms" }, { 1000u, "us" }, { 1u, "ns" } };
	size_t i = 0;
	while (ns % units[i].ns)
		i++;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns), units[i].unit);
}
