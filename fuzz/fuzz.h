/* What the fuzz targets share (fuzz/README.md).  Each target is one
 * LLVMFuzzerTestOneInput: libFuzzer's main drives it in `make fuzz`, and
 * fuzz/replay.c's main drives the same code over the corpus in `make check`
 * (built with the ordinary compiler, and with SAN= when given). */
#ifndef FC_FUZZ_H
#define FC_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: says which, on stderr, and aborts, so that libFuzzer
 * saves the input and the replay fails (a plain return would pass). */
#define FC_FUZZ_ASSERT(cond)                                      \
	do {                                                      \
		if (!(cond))                                      \
			fc__fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)
_Noreturn void fc__fuzz_fail(const char *file, int line, const char *what);

/* DATA as a NUL-terminated string in a buffer of its own (malloc'd, SIZE + 1
 * bytes: a read past it is a read past the input); NUL bytes in DATA cut it
 * where a C caller's string would end. */
char *fc__fuzz_text(const uint8_t *data, size_t size);

/* DATA as the contents of a file, for the readers that take a path.
 * Returns the path, valid until the next call; the file is rewritten in
 * place, so a run costs no file creation.  MEMFD: a memfd read through
 * /proc/self/fd/N; otherwise a file in a private folder on a tmpfs, for the
 * readers that resolve their path (realpath of a memfd's link fails). */
const char *fc__fuzz_file(const uint8_t *data, size_t size, int memfd);

/* 1 when TEXT (LEN bytes) is valid UTF-8. */
int fc__fuzz_utf8(const char *text, size_t len);

/* 1 when TEXT (LEN bytes) is one JSON value (RFC 8259), whitespace around
 * it allowed, nesting at most 64 deep. */
int fc__fuzz_json(const char *text, size_t len);
#endif
