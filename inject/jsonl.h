/* Async-signal-safe JSON Lines formatting into a fixed buffer: no malloc,
 * no stdio, no locale.  Shared by the shim's trace and the launcher. */
#ifndef FC_JSONL_H
#define FC_JSONL_H
#include <stddef.h>
#include <stdint.h>

struct fc_out {
	char *pos, *end;
	int truncated;
};

static inline void fc_out_init(struct fc_out *out, char *buf, size_t len)
{
	out->pos = buf;
	out->end = buf + len - 2; /* room for "}\n" */
	out->truncated = 0;
}

static inline void fc_put_char(struct fc_out *out, char ch)
{
	if (out->pos < out->end)
		*out->pos++ = ch;
	else
		out->truncated = 1;
}

static inline void fc_put_raw(struct fc_out *out, const char *s)
{
	while (*s)
		fc_put_char(out, *s++);
}

static inline void fc_put_str(struct fc_out *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	fc_put_char(out, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			fc_put_char(out, '\\');
			fc_put_char(out, (char)ch);
		} else if (ch < 0x20) {
			fc_put_raw(out, "\\u00");
			fc_put_char(out, hex[ch >> 4]);
			fc_put_char(out, hex[ch & 15]);
		} else {
			fc_put_char(out, (char)ch);
		}
	}
	fc_put_char(out, '"');
}

static inline void fc_put_u64(struct fc_out *out, uint64_t value)
{
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + value % 10);
	while ((value /= 10));
	while (n)
		fc_put_char(out, digits[--n]);
}

static inline void fc_put_i64(struct fc_out *out, int64_t value)
{
	if (value < 0) {
		fc_put_char(out, '-');
		fc_put_u64(out, (uint64_t)0 - (uint64_t)value);
	} else {
		fc_put_u64(out, (uint64_t)value);
	}
}

/* ,"key": */
static inline void fc_put_key(struct fc_out *out, const char *key)
{
	if (out->pos[-1] != '{')
		fc_put_char(out, ',');
	fc_put_str(out, key);
	fc_put_char(out, ':');
}

/* Close the object and the line; returns its length. */
static inline size_t fc_out_finish(struct fc_out *out, char *buf)
{
	out->end += 2;
	fc_put_char(out, '}');
	fc_put_char(out, '\n');
	return (size_t)(out->pos - buf);
}
#endif
