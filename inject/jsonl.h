/* Async-signal-safe JSON Lines formatting into a fixed buffer: no malloc,
 * no stdio, no locale.  Shared by the shim's trace and the launcher.
 *
 * A line that does not fit stays valid JSON: the last bytes of the buffer
 * are reserved for closing an open string, a "truncated":true member and
 * the closing brace; once a value does not fit, every later member is
 * dropped whole. */
#ifndef FC_JSONL_H
#define FC_JSONL_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FC_OUT_RESERVE 32

struct fc_out {
	char *pos, *end, *hard_end;
	int truncated;
};

static inline void fc_out_init(struct fc_out *out, char *buf, size_t len)
{
	out->pos = buf;
	out->hard_end = buf + len;
	out->end = buf + len - FC_OUT_RESERVE;
	out->truncated = 0;
}

static inline int fc_room(const struct fc_out *out, size_t need)
{
	return !out->truncated && (size_t)(out->end - out->pos) >= need;
}

static inline void fc_put_char(struct fc_out *out, char ch)
{
	if (fc_room(out, 1))
		*out->pos++ = ch;
	else
		out->truncated = 1;
}

static inline void fc_put_raw(struct fc_out *out, const char *s)
{
	if (!fc_room(out, strlen(s))) {
		out->truncated = 1;
		return;
	}
	while (*s)
		*out->pos++ = *s++;
}

/* A string may be cut short, but its closing quote is always written. */
static inline void fc_put_str(struct fc_out *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!fc_room(out, 2)) {
		out->truncated = 1;
		return;
	}
	*out->pos++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((size_t)(out->end - out->pos) < 7) {
			out->truncated = 1;
			break;
		}
		if (ch == '"' || ch == '\\') {
			*out->pos++ = '\\';
			*out->pos++ = (char)ch;
		} else if (ch < 0x20) {
			memcpy(out->pos, "\\u00", 4);
			out->pos += 4;
			*out->pos++ = hex[ch >> 4];
			*out->pos++ = hex[ch & 15];
		} else {
			*out->pos++ = (char)ch;
		}
	}
	*out->pos++ = '"'; /* from the reserve when cut short */
}

static inline void fc_put_u64(struct fc_out *out, uint64_t value)
{
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + value % 10);
	while ((value /= 10));
	if (!fc_room(out, (size_t)n)) {
		out->truncated = 1;
		return;
	}
	while (n)
		*out->pos++ = digits[--n];
}

static inline void fc_put_i64(struct fc_out *out, int64_t value)
{
	if (value < 0) {
		if (!fc_room(out, 21)) {
			out->truncated = 1;
			return;
		}
		*out->pos++ = '-';
		fc_put_u64(out, (uint64_t)0 - (uint64_t)value);
	} else {
		fc_put_u64(out, (uint64_t)value);
	}
}

/* ,"key":  -- only when the key and a short value fit, so a member is never
 * left without its value. */
static inline void fc_put_key(struct fc_out *out, const char *key)
{
	if (!fc_room(out, strlen(key) + 28)) {
		out->truncated = 1;
		return;
	}
	if (out->pos[-1] != '{')
		*out->pos++ = ',';
	fc_put_str(out, key);
	*out->pos++ = ':';
}

/* Close the object and the line; returns its length. */
static inline size_t fc_out_finish(struct fc_out *out, char *buf)
{
	static const char mark[] = ",\"truncated\":true";
	if (out->truncated) {
		memcpy(out->pos, mark, sizeof mark - 1);
		out->pos += sizeof mark - 1;
	}
	*out->pos++ = '}';
	*out->pos++ = '\n';
	return (size_t)(out->pos - buf);
}
/* A trace's first line begins so, whoever writes it first (the shim, or
 * the launcher's seccomp supervisor): the version, the plan, the seed. */
static inline void fc_put_trace_head(struct fc_out *out, const char *version, const char *plan, uint64_t seed)
{
	fc_put_char(out, '{');
	fc_put_key(out, "forkchaos");
	fc_put_str(out, version);
	fc_put_key(out, "plan");
	fc_put_str(out, plan);
	fc_put_key(out, "seed");
	fc_put_u64(out, seed);
}
#endif
