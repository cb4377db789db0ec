/* The manual pages against the tool: every subcommand `forkchaos --help`
 * lists has a section in forkchaos(1), every option a --help text shows is
 * in its section and every option a section lists is in its --help (read
 * at test time, so that an option added without its page fails here), and
 * the plan keys, the classes, the oracles and libffd's functions are each
 * in their page.  The pages are read as groff renders them (`man` shows
 * the same text), one paragraph to a line. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

#define MAX_WORDS 512
struct words {
	char w[MAX_WORDS][64];
	int n;
};

static void add_word(struct words *ws, const char *s, size_t len)
{
	if (len == 0 || len >= sizeof ws->w[0] || ws->n == MAX_WORDS)
		return;
	for (int i = 0; i < ws->n; i++)
		if (strlen(ws->w[i]) == len && !memcmp(ws->w[i], s, len))
			return;
	memcpy(ws->w[ws->n], s, len);
	ws->w[ws->n++][len] = 0;
}

/* The whole output of CMD (a shell command line), malloc'd; exit code in *CODE. */
static char *output_of(const char *cmd, int *code)
{
	char path[256], line[8192];
	fc_temp_path(path, sizeof path, "man");
	snprintf(line, sizeof line, "(%s) >'%s' 2>&1", cmd, path);
	int status = system(line);
	*code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s: no output file", cmd);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	char *text = calloc(1, (size_t)size + 1);
	cr_assert(text);
	cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	unlink(path);
	return text;
}

static char *forkchaos_help(const char *sub)
{
	char cmd[1024];
	int code;
	snprintf(cmd, sizeof cmd, "'%s' %s --help", fc_build_path("forkchaos"), sub ? sub : "");
	char *text = output_of(cmd, &code);
	cr_assert_eq(code, 0, "%s exited %d:\n%s", cmd, code, text);
	return text;
}

/* PAGE (build/man/NAME) as plain text: no line breaks inside a paragraph,
 * no hyphenation, no bold or underline. */
static char *rendered(const char *page)
{
	char cmd[1024];
	int code;
	snprintf(cmd, sizeof cmd, "groff -man -Tascii -rLL=5000n -rHY=0 -P-cbou '%s'", fc_build_path(page));
	char *text = output_of(cmd, &code);
	cr_assert_eq(code, 0, "%s exited %d:\n%s", cmd, code, text);
	return text;
}

/* A line's leading option words, "-p, --plan PLAN" giving -p and --plan. */
static void leading_options(const char *line, struct words *out)
{
	const char *p = line;
	while (*p == ' ')
		p++;
	while (p[0] == '-' && (isalpha((unsigned char)p[1]) || (p[1] == '-' && isalpha((unsigned char)p[2])))) {
		size_t len = 1;
		while (isalnum((unsigned char)p[len]) || p[len] == '-')
			len++;
		add_word(out, p, len);
		p += len;
		if (p[0] != ',')
			break;
		p += strspn(p, ", ");
	}
}

/* The options of a --help text: every word of its usage paragraph (the
 * one that opens with "usage:") that is an option, and those that open a
 * line of its options: block. */
static void help_options(const char *help, struct words *out)
{
	int usage = 0, options = 0;
	for (const char *line = help; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		snprintf(buf, sizeof buf, "%.*s", (int)len, line);
		if (!buf[0])
			usage = options = 0;
		else if (!strncmp(buf, "usage:", 6))
			usage = 1;
		else if (!strncmp(buf, "options:", 8))
			options = 1;
		if (usage) {
			for (char *tok = strtok(buf, " []|"); tok; tok = strtok(NULL, " []|"))
				if (tok[0] == '-' && isalpha((unsigned char)tok[tok[1] == '-' ? 2 : 1]) &&
				    strspn(tok, "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == strlen(tok))
					add_word(out, tok, strlen(tok));
		} else if (options && buf[0] == ' ') {
			leading_options(buf, out);
		}
		line += len + (end != NULL);
	}
}

/* The subcommands: the second word of each usage line of `forkchaos --help`. */
static void subcommands(const char *help, struct words *out)
{
	int usage = 0;
	for (const char *line = help; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char first[64] = "", cmd[64] = "", sub[64] = "";
		if (!strncmp(line, "usage:", 6))
			usage = 1;
		else if (len == 0)
			usage = 0;
		if (usage && sscanf(line, "%63s", first) == 1) {
			const char *at = !strcmp(first, "usage:") ? line + 6 : line;
			if (sscanf(at, "%63s %63s", cmd, sub) == 2 && !strcmp(cmd, "forkchaos") && sub[0] != '-')
				add_word(out, sub, strlen(sub));
		}
		line += len + (end != NULL);
	}
}

/* A heading of a rendered page: a section's (at the margin) or a
 * subsection's (three spaces in). */
static int is_heading(const char *line)
{
	return (line[0] && line[0] != ' ' && line[0] != '\n') || (!strncmp(line, "   ", 3) && line[3] != ' ' && line[3] != '\n');
}

/* The section of TEXT that documents SUB (its heading "   forkchaos SUB",
 * up to the next heading), copied; NULL when there is none. */
static char *section(const char *text, const char *sub)
{
	char heading[96];
	snprintf(heading, sizeof heading, "\n   forkchaos %s\n", sub);
	const char *start = strstr(text, heading);
	if (!start)
		return NULL;
	start++;
	const char *line = start + strlen(heading) - 1;
	while (*line && !is_heading(line))
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line);
	return strndup(start, (size_t)(line - start));
}

/* WORD in TEXT as a whole word: not inside a longer option or name. */
static int has_word(const char *text, const char *word)
{
	size_t len = strlen(word);
	for (const char *at = strstr(text, word); at; at = strstr(at + 1, word)) {
		char before = at == text ? ' ' : at[-1], after = at[len];
		if (!isalnum((unsigned char)before) && before != '-' && before != '_' && !isalnum((unsigned char)after) &&
		    after != '-' && after != '_')
			return 1;
	}
	return 0;
}

/* The option terms of a section: its lines that open with an option at
 * the paragraph indent (seven spaces). */
static void section_options(const char *sec, struct words *out)
{
	for (const char *line = sec; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, "       -", 8)) {
			char buf[512];
			size_t len = strcspn(line, "\n");
			snprintf(buf, sizeof buf, "%.*s", (int)len, line);
			leading_options(buf, out);
		}
}

static char *page_text(const char *page)
{
	char *text = rendered(page);
	cr_assert(strlen(text) > 1000, "%s renders to almost nothing:\n%s", page, text);
	return text;
}

Test(man, pages_render_without_warnings, .timeout = 60)
{
	static const char *pages[] = { "man/forkchaos.1", "man/forkchaos-plan.7", "man/forkchaos-scenario.5", "man/libffd.3" };
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		char cmd[1024];
		int code;
		snprintf(cmd, sizeof cmd, "groff -man -ww -z '%s'", fc_build_path(pages[i]));
		char *out = output_of(cmd, &code);
		cr_expect(code == 0 && !out[0], "%s: exit %d, warnings:\n%s", cmd, code, out);
		free(out);
	}
}

Test(man, every_subcommand_has_a_section, .timeout = 60)
{
	char *help = forkchaos_help(NULL), *page = page_text("man/forkchaos.1");
	struct words subs = { .n = 0 };
	subcommands(help, &subs);
	cr_assert_geq(subs.n, 7, "found %d subcommands in forkchaos --help:\n%s", subs.n, help);
	for (int i = 0; i < subs.n; i++) {
		char *sec = section(page, subs.w[i]);
		cr_expect(sec, "forkchaos(1) has no section 'forkchaos %s' (man/forkchaos.1.scd: ## forkchaos %s)", subs.w[i],
			  subs.w[i]);
		free(sec);
	}
	free(help);
	free(page);
}

Test(man, every_help_option_is_in_its_section, .timeout = 60)
{
	char *help = forkchaos_help(NULL), *page = page_text("man/forkchaos.1");
	struct words subs = { .n = 0 }, top = { .n = 0 };
	subcommands(help, &subs);
	help_options(help, &top);
	for (int k = 0; k < top.n; k++)
		cr_expect(has_word(page, top.w[k]), "forkchaos --help shows %s, forkchaos(1) does not", top.w[k]);
	for (int i = 0; i < subs.n; i++) {
		char *sub_help = forkchaos_help(subs.w[i]), *sec = section(page, subs.w[i]);
		struct words opts = { .n = 0 };
		help_options(sub_help, &opts);
		for (int k = 0; sec && k < opts.n; k++)
			cr_expect(has_word(sec, opts.w[k]),
				  "forkchaos %s --help shows %s; its section of forkchaos(1) (man/forkchaos.1.scd) does not",
				  subs.w[i], opts.w[k]);
		free(sub_help);
		free(sec);
	}
	free(help);
	free(page);
}

Test(man, every_section_option_is_in_its_help, .timeout = 60)
{
	char *help = forkchaos_help(NULL), *page = page_text("man/forkchaos.1");
	struct words subs = { .n = 0 };
	subcommands(help, &subs);
	for (int i = 0; i < subs.n; i++) {
		char *sub_help = forkchaos_help(subs.w[i]), *sec = section(page, subs.w[i]);
		struct words documented = { .n = 0 }, shown = { .n = 0 };
		if (sec)
			section_options(sec, &documented);
		help_options(sub_help, &shown);
		for (int k = 0; k < documented.n; k++) {
			int found = 0;
			for (int j = 0; j < shown.n && !found; j++)
				found = !strcmp(documented.w[k], shown.w[j]);
			cr_expect(found, "forkchaos(1) documents %s for %s; `forkchaos %s --help` does not show it",
				  documented.w[k], subs.w[i], subs.w[i]);
		}
		free(sub_help);
		free(sec);
	}
	free(help);
	free(page);
}

/* Each word `forkchaos complete WHAT` lists is in PAGE. */
static void page_has_each(const char *page, const char *what)
{
	char cmd[1024];
	int code;
	snprintf(cmd, sizeof cmd, "'%s' complete %s", fc_build_path("forkchaos"), what);
	char *list = output_of(cmd, &code), *text = page_text(page);
	cr_assert_eq(code, 0, "%s: exit %d\n%s", cmd, code, list);
	int n = 0;
	for (char *word = strtok(list, "\n"); word; word = strtok(NULL, "\n"), n++)
		cr_expect(strstr(text, word), "%s does not mention %s (from `forkchaos complete %s`)", page, word, what);
	cr_assert_gt(n, 3, "%s listed %d words", cmd, n);
	free(list);
	free(text);
}

Test(man, plan_page_has_every_key, .timeout = 60)
{
	page_has_each("man/forkchaos-plan.7", "keys");
}

Test(man, plan_page_has_every_class, .timeout = 60)
{
	page_has_each("man/forkchaos-plan.7", "classes");
}

Test(man, scenario_page_has_every_oracle, .timeout = 60)
{
	page_has_each("man/forkchaos-scenario.5", "oracles");
}

Test(man, libffd_page_has_every_function, .timeout = 60)
{
	char cmd[1024];
	int code;
	snprintf(cmd, sizeof cmd, "grep -o '^int ffd_[a-z_]*' '%s/lib/ffd.h' | cut -c5-", FC_SRC_ROOT);
	char *names = output_of(cmd, &code), *text = page_text("man/libffd.3");
	int n = 0;
	for (char *name = strtok(names, "\n"); name; name = strtok(NULL, "\n"), n++)
		cr_expect(has_word(text, name), "libffd(3) does not document %s (lib/ffd.h declares it)", name);
	cr_assert_geq(n, 4, "found %d functions in lib/ffd.h", n);
	free(names);
	free(text);
}
