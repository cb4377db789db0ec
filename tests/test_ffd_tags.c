/* The lists that libffd's sources and documents claim to follow, checked
 * against them: every race window of lib/windows.def and every race of
 * lib/README.md's tag tables is closed at a `RACE:` line in lib/, every tag
 * there is listed, and lib/DEFECTS.md's table and the defect branches follow
 * lib/defects.def.  The two lists are compiled in; the sources and the
 * documents are read from the tree (FFD_TEST_ROOT, set by lib.mk). */
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#ifndef FFD_TEST_ROOT
#define FFD_TEST_ROOT "."
#endif

struct window {
	int n;
	const char *slug;
};

static const struct window windows[] = {
#define W(n, slug, text) { n, #slug },
#include "windows.def"
#undef W
};
#define N_WINDOWS (sizeof(windows) / sizeof(windows[0]))

struct defect {
	const char *id;
	int window;
	int review;
};

static const struct defect defects[] = {
#define D(id, window, review, what) { #id, window, review },
#include "defects.def"
#undef D
};
#define N_DEFECTS (sizeof(defects) / sizeof(defects[0]))

/* Enough for every table row and tag the tree has, with room to grow. */
#define MAX_ITEMS 64
#define ITEM_LEN 80

struct items {
	int n;
	char text[MAX_ITEMS][ITEM_LEN];
};

static int items_has(const struct items *items, const char *text)
{
	for (int i = 0; i < items->n; i++)
		if (!strcmp(items->text[i], text))
			return 1;
	return 0;
}

static void items_add(struct items *items, const char *text, size_t len)
{
	cr_assert_lt(items->n, MAX_ITEMS, "more than %d items: raise MAX_ITEMS", MAX_ITEMS);
	cr_assert_lt(len, (size_t)ITEM_LEN, "item too long: %.*s", (int)len, text);
	memcpy(items->text[items->n], text, len);
	items->text[items->n][len] = '\0';
	items->n++;
}

/* The whole file, NUL-terminated; appended to *buf (which may be NULL). */
static char *slurp_into(char *buf, const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	size_t used = buf ? strlen(buf) : 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = realloc(buf, used + n + 1);
		cr_assert_not_null(buf);
		memcpy(buf + used, chunk, n);
		used += n;
		buf[used] = '\0';
	}
	fclose(f);
	return buf;
}

static char *read_doc(const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", FFD_TEST_ROOT, rel);
	return slurp_into(NULL, path);
}

/* Every .c and .h file of lib/, one after the other. */
static char *read_lib_sources(void)
{
	glob_t g;
	char pattern[4096];
	snprintf(pattern, sizeof(pattern), "%s/lib/*.[ch]", FFD_TEST_ROOT);
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no sources match %s", pattern);
	char *all = NULL;
	for (size_t i = 0; i < g.gl_pathc; i++)
		all = slurp_into(all, g.gl_pathv[i]);
	globfree(&g);
	return all;
}

/* Every `RACE:` of the sources: the windows it names (`RACE: window N`)
 * and its tag (`RACE: tag: ...`, tag in [a-z0-9-]); a RACE: with neither
 * lands in `malformed`. */
struct tags {
	int window[MAX_ITEMS];
	struct items names;
	struct items malformed;
};

static void scan_tags(const char *src, struct tags *tags)
{
	memset(tags, 0, sizeof(*tags));
	static const char marker[] = "RACE: ";
	for (const char *p = strstr(src, marker); p; p = strstr(p, marker)) {
		p += strlen(marker);
		int n;
		if (sscanf(p, "window %d", &n) == 1) {
			if (n > 0 && n < MAX_ITEMS)
				tags->window[n] = 1;
			continue;
		}
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (len > 0 && p[len] == ':')
			items_add(&tags->names, p, len);
		else
			items_add(&tags->malformed, p, strcspn(p, "\n") < 40 ? strcspn(p, "\n") : 40);
	}
}

static const char *next_line(const char *line)
{
	line += strcspn(line, "\n");
	return *line ? line + 1 : line;
}

/* Column COL of every row of every Markdown table whose header line starts
 * with HEADER; cells trimmed, backticks dropped. */
static void table_column(const char *doc, const char *header, int col, struct items *out)
{
	memset(out, 0, sizeof(*out));
	for (const char *line = doc; *line; line = next_line(line)) {
		if (strncmp(line, header, strlen(header)))
			continue;
		/* Past the header and its |---| line, every line that opens with
		 * '|' is a row. */
		for (line = next_line(next_line(line)); *line == '|'; line = next_line(line)) {
			const char *cell = line + 1;
			for (int c = 0; c < col; c++)
				cell += strcspn(cell, "|\n") + (cell[strcspn(cell, "|\n")] == '|');
			size_t len = strcspn(cell, "|\n");
			while (len > 0 && (isspace((unsigned char)*cell) || *cell == '`'))
				cell++, len--;
			while (len > 0 && (isspace((unsigned char)cell[len - 1]) || cell[len - 1] == '`'))
				len--;
			items_add(out, cell, len);
		}
		if (!*line)
			break;
	}
}

/* The build name of a defect: ID lower-cased, '_' -> '-' (as lib.mk). */
static void defect_name(const char *id, char *name, size_t size)
{
	size_t i = 0;
	for (; id[i] && i + 1 < size; i++)
		name[i] = id[i] == '_' ? '-' : (char)tolower((unsigned char)id[i]);
	name[i] = '\0';
}

/* The tags of lib/'s sources, and the tag column of lib/README.md's tables
 * (the sources and the document are not kept: items are copies). */
static void load_tags(struct tags *tags, struct items *rows)
{
	char *src = read_lib_sources();
	char *readme = read_doc("lib/README.md");
	scan_tags(src, tags);
	table_column(readme, "| tag |", 0, rows);
	free(readme);
	free(src);
}

static int window_listed(int n)
{
	for (size_t i = 0; i < N_WINDOWS; i++)
		if (windows[i].n == n)
			return 1;
	return 0;
}

Test(tags, every_window_has_its_tag, .timeout = 10)
{
	struct tags tags;
	struct items rows;
	load_tags(&tags, &rows);
	for (size_t i = 0; i < N_WINDOWS; i++)
		cr_expect(tags.window[windows[i].n], "window %d (%s) of lib/windows.def has no `RACE: window %d` in lib/",
			  windows[i].n, windows[i].slug, windows[i].n);
}

Test(tags, every_readme_race_has_its_tag, .timeout = 10)
{
	struct tags tags;
	struct items rows;
	load_tags(&tags, &rows);
	cr_assert_gt(rows.n, 0, "lib/README.md has no table whose first column is `tag`");
	for (int i = 0; i < rows.n; i++)
		cr_expect(items_has(&tags.names, rows.text[i]), "lib/README.md lists the race `%s`, lib/ has no `RACE: %s:`",
			  rows.text[i], rows.text[i]);
}

Test(tags, every_tag_names_a_window_or_a_readme_row, .timeout = 10)
{
	struct tags tags;
	struct items rows;
	load_tags(&tags, &rows);
	for (int i = 0; i < tags.names.n; i++)
		cr_expect(items_has(&rows, tags.names.text[i]), "`RACE: %s:` in lib/ has no row in lib/README.md's tag tables",
			  tags.names.text[i]);
	for (int i = 0; i < tags.malformed.n; i++)
		cr_expect_fail("`RACE: %s` in lib/ names neither `window N` nor `tag:`", tags.malformed.text[i]);
	for (int n = 0; n < MAX_ITEMS; n++)
		cr_expect(!tags.window[n] || window_listed(n), "`RACE: window %d` in lib/ is not a window of lib/windows.def", n);
}

Test(tags, defects_md_follows_defects_def, .timeout = 10)
{
	struct items names, windows_col;
	char *doc = read_doc("lib/DEFECTS.md");
	table_column(doc, "| name | the bug |", 0, &names);
	table_column(doc, "| name | the bug |", 2, &windows_col);
	cr_assert_eq((size_t)names.n, N_DEFECTS, "lib/DEFECTS.md's table has %d rows, lib/defects.def %zu defects", names.n,
		     N_DEFECTS);
	for (size_t i = 0; i < N_DEFECTS; i++) {
		char name[ITEM_LEN], where[ITEM_LEN];
		defect_name(defects[i].id, name, sizeof(name));
		if (defects[i].review)
			snprintf(where, sizeof(where), "%d / %d", defects[i].review, defects[i].window);
		else
			snprintf(where, sizeof(where), "(none) / %d", defects[i].window);
		cr_expect_str_eq(names.text[i], name, "row %zu of lib/DEFECTS.md's table is not %s (defects.def order)", i + 1,
				 name);
		cr_expect_str_eq(windows_col.text[i], where, "lib/DEFECTS.md: %s's review / window is not %s (defects.def)", name,
				 where);
	}
	free(doc);
}

Test(tags, every_defect_has_its_branch, .timeout = 10)
{
	char *src = read_lib_sources();
	for (size_t i = 0; i < N_DEFECTS; i++) {
		char name[ITEM_LEN], use[2 * ITEM_LEN], marker[2 * ITEM_LEN];
		snprintf(use, sizeof(use), "FFD_DEFECT(%s)", defects[i].id);
		defect_name(defects[i].id, name, sizeof(name));
		if (defects[i].review)
			snprintf(marker, sizeof(marker), "DEFECT %s (review %d, window %d)", name, defects[i].review,
				 defects[i].window);
		else
			snprintf(marker, sizeof(marker), "DEFECT %s (window %d)", name, defects[i].window);
		cr_expect_not_null(strstr(src, use), "defect %s: no `%s` in lib/", name, use);
		cr_expect_not_null(strstr(src, marker), "defect %s: no `%s` comment in lib/", name, marker);
		cr_expect(window_listed(defects[i].window), "defect %s: window %d is not in lib/windows.def", name,
			  defects[i].window);
	}
	free(src);
}

Test(tags, no_defect_under_ifdef, .timeout = 10)
{
	char *src = read_lib_sources();
	cr_expect_null(strstr(src, "ifdef FFD_DEFECT"), "a defect under #ifdef in lib/: use if (FFD_DEFECT(ID))");
	cr_expect_null(strstr(src, "ifndef FFD_DEFECT"), "a defect under #ifndef in lib/: use if (!FFD_DEFECT(ID))");
	free(src);
}
