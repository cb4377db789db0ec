/* The fuzz targets' helpers (fuzz.h): inputs as strings and files, and the
 * checks of what the readers give back, written here on their own rather
 * than borrowed from the code under test, so a bug there cannot hide
 * itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"

void fc__fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

char *fc__fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort(); /* libFuzzer's rss limit is the judge of memory, not us */
	memcpy(text, data, size);
	text[size] = 0;
	return text;
}

static int input_fd[2] = { -1, -1 };
static char input_dir[64], input_path[2][96];

static void remove_input(void)
{
	if (input_path[0][0])
		unlink(input_path[0]);
	if (input_dir[0])
		rmdir(input_dir);
}

/* Made once per process: a fresh file per input would cost more than the
 * parse it feeds. */
static int open_input(int memfd)
{
	if (memfd) {
		input_fd[1] = memfd_create("fuzz-input", MFD_CLOEXEC);
		snprintf(input_path[1], sizeof input_path[1], "/proc/self/fd/%d", input_fd[1]);
		return input_fd[1];
	}
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(input_dir, sizeof input_dir, "%s/forkchaos-fuzz-XXXXXX", base);
	if (!mkdtemp(input_dir)) {
		input_dir[0] = 0;
		return -1;
	}
	snprintf(input_path[0], sizeof input_path[0], "%s/input", input_dir);
	input_fd[0] = open(input_path[0], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	atexit(remove_input);
	return input_fd[0];
}

const char *fc__fuzz_file(const uint8_t *data, size_t size, int memfd)
{
	memfd = !!memfd;
	int fd = input_fd[memfd] >= 0 ? input_fd[memfd] : open_input(memfd);
	if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		fprintf(stderr, "fuzz: cannot write the input file: %s\n", strerror(errno));
		abort();
	}
	return input_path[memfd];
}

/* RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF. */
int fc__fuzz_utf8(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i], need, cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			need = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			need = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (len - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

struct json {
	const char *p, *end;
	int depth;
};

static void json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int json_lit(struct json *j, const char *word)
{
	size_t len = strlen(word);
	if ((size_t)(j->end - j->p) < len || memcmp(j->p, word, len))
		return 0;
	j->p += len;
	return 1;
}

static int json_digits(struct json *j)
{
	const char *start = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static int json_number(struct json *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!json_digits(j))
		return 0;
	if (j->p < j->end && *j->p == '.' && (j->p++, !json_digits(j)))
		return 0;
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		return json_digits(j);
	}
	return 1;
}

static int json_string(struct json *j)
{
	const char *start = ++j->p;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20)
			return 0;
		if (c != '\\') {
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			return 0;
		if (*j->p == 'u') {
			for (int k = 1; k <= 4; k++)
				if (j->p + k >= j->end || !strchr("0123456789abcdefABCDEF", j->p[k]) || !j->p[k])
					return 0;
			j->p += 5;
		} else if (*j->p && strchr("\"\\/bfnrt", *j->p)) {
			j->p++;
		} else {
			return 0;
		}
	}
	return j->p < j->end && fc__fuzz_utf8(start, (size_t)(j->p++ - start));
}

static int json_value(struct json *j);

/* An array (CLOSE ']') or an object (CLOSE '}', each member "key": value). */
static int json_list(struct json *j, char close)
{
	if (++j->depth > 64)
		return 0;
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 1;
	}
	for (;;) {
		json_ws(j);
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"' || !json_string(j))
				return 0;
			json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return 0;
		}
		if (!json_value(j))
			return 0;
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 1;
		}
		return 0;
	}
}

static int json_value(struct json *j)
{
	json_ws(j);
	if (j->p >= j->end)
		return 0;
	switch (*j->p) {
	case '{': return json_list(j, '}');
	case '[': return json_list(j, ']');
	case '"': return json_string(j);
	case 't': return json_lit(j, "true");
	case 'f': return json_lit(j, "false");
	case 'n': return json_lit(j, "null");
	default: return json_number(j);
	}
}

int fc__fuzz_json(const char *text, size_t len)
{
	struct json j = { text, text + len, 0 };
	if (!json_value(&j))
		return 0;
	json_ws(&j);
	return j.p == j.end;
}
