/* Fuzz target: the trace reader and summary (runner/trace_read.c,
 * trace_model.c, trace_table.c, trace_explain.c, trace_sections.c,
 * trace_emit.c): `forkchaos trace FILE` on a trace that a killed, full-disk
 * or hostile target left.  The first byte picks the options (the rows per
 * list, --pid, --json); the rest is the trace.  Besides not crashing:
 * every line the reader accepts holds valid UTF-8 strings and arrays inside
 * its items; the --json summary is one valid JSON value and the text one
 * valid UTF-8 without control characters, whatever bytes the trace holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "trace_explain.h"
#include "trace_read.h"

static void check_line(const struct fc_jline *l)
{
	FC_FUZZ_ASSERT(l->nfields >= 0 && l->nfields <= FC_JLINE_FIELDS);
	FC_FUZZ_ASSERT(l->nitems >= 0 && l->nitems <= FC_JLINE_ITEMS);
	for (int i = 0; i < l->nfields; i++) {
		const struct fc_jval *v = &l->vals[i];
		FC_FUZZ_ASSERT(fc__fuzz_utf8(l->keys[i], strlen(l->keys[i])));
		FC_FUZZ_ASSERT(fc_jline_get(l, l->keys[i]) && fc_jline_get(l, l->keys[i]) <= v);
		if (v->type == FC_J_STR)
			FC_FUZZ_ASSERT(fc__fuzz_utf8(v->str, strlen(v->str)));
		if (v->type != FC_J_ARR)
			continue;
		FC_FUZZ_ASSERT(v->first >= 0 && v->count >= 0 && v->first + v->count <= l->nitems);
		for (int k = v->first; k < v->first + v->count; k++)
			FC_FUZZ_ASSERT(l->items[k].type != FC_J_STR || fc__fuzz_utf8(l->items[k].str, strlen(l->items[k].str)));
	}
}

/* Every line on its own, as fc_trace_next hands it over. */
static void lines(const uint8_t *data, size_t size)
{
	static struct fc_jline l;
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
		char *line = fc__fuzz_text(data + at, len);
		if (fc_jline_parse(&l, line, len) == 0)
			check_line(&l);
		free(line);
		at += len + 1;
	}
}

/* The text a person reads on a terminal: a hostile target's names (its
 * exe, a caller's symbol) must not reach it as escape sequences. */
static int printable(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)text[i] < 0x20 && text[i] != '\n') || text[i] == 0x7f)
			return 0;
	return fc__fuzz_utf8(text, len);
}

static void summary(const char *path, const struct fc_explain_opts *opts)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		abort();
	int rc = fc_trace_explain(path, out, opts);
	fclose(out);
	FC_FUZZ_ASSERT(rc == 0 || rc == 2);
	if (rc == 0)
		FC_FUZZ_ASSERT(opts->json ? fc__fuzz_json(text, len) : printable(text, len));
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *quiet;
	if (!size)
		return 0;
	/* its refusals ("not a forkchaos trace") are expected here: quieted,
	 * while a sanitizer's report still reaches fd 2 */
	if (!quiet)
		quiet = fopen("/dev/null", "we");
	FILE *saved = stderr;
	uint8_t how = data[0];
	struct fc_explain_opts opts = { .max_rows = 1 + (how & 7), .pid = how & 8 ? 1 + (how >> 4) : 0 };
	const char *path = fc__fuzz_file(data + 1, size - 1, 1);
	stderr = quiet;
	opts.json = 1;
	summary(path, &opts);
	opts.json = 0;
	summary(path, &opts);
	stderr = saved;
	lines(data + 1, size - 1);
	return 0;
}
