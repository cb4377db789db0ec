/* forkchaos trace FILE: each section's numbers for hand-written traces
 * (tests/fixtures/, the fields of the issue-8 trace), --pid, --max-sites,
 * --json, bad lines and bad input; and one real trace of the current shim. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

#define PROBE "tests/fixtures/probe-fork.jsonl"
#define PYTHON "tests/fixtures/python-subprocess.jsonl"
#define GARBAGE "tests/fixtures/garbage.jsonl"

static struct fc_result r;

/* forkchaos trace ARGS... */
static int trace(const char *const args[])
{
	const char *argv[16] = { fc_build_path("forkchaos"), "trace" };
	int n = 2;
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

/* The text of the section whose title line starts with TITLE, up to the
 * blank line that ends it (static; empty when there is none). */
static const char *section(const char *text, const char *title)
{
	static char buf[16384];
	char head[128];
	snprintf(head, sizeof head, "\n%s", title);
	const char *start = strstr(text, head), *end;
	buf[0] = 0;
	if (!start)
		return buf;
	start++;
	end = strstr(start, "\n\n");
	snprintf(buf, sizeof buf, "%.*s", end ? (int)(end - start) : (int)strlen(start), start);
	return buf;
}

/* The first line of TEXT that holds WORDS, in that order; NULL if none. */
static const char *line_with(const char *text, const char *const words[])
{
	static char line[1024];
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		snprintf(line, sizeof line, "%.*s", (int)len, p);
		const char *at = line;
		for (int i = 0; at && words[i]; i++)
			if ((at = strstr(at, words[i])))
				at += strlen(words[i]);
		if (at)
			return line;
		p += len + (p[len] == '\n');
	}
	return NULL;
}

/* The section TITLE of the probe fixture's summary. */
static const char *probe_section(const char *title)
{
	cr_assert_eq(trace((const char *const[]){ PROBE, NULL }), 0, "%s", r.err);
	return section(r.out, title);
}

#define HAS(text, ...) line_with(text, (const char *const[]){ __VA_ARGS__, NULL })

/* Runs python3 SCRIPT on the JSON that forkchaos printed (in r.out) and
 * returns what the script printed. */
static const char *json_query(const char *script)
{
	static struct fc_result q;
	char path[256];
	fc_temp_path(path, sizeof path, "trace.json");
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(r.out, f);
	fclose(f);
	const char *argv[] = { "/usr/bin/python3", "-c", script, path, NULL };
	int rc = fc_exec(&q, (char *const *)argv);
	unlink(path);
	cr_assert_eq(rc, 0, "python3 failed on the JSON: %s\n%s", q.err, r.out);
	return q.out;
}

Test(trace, processes_form_a_tree_with_how_each_ended, .timeout = 30)
{
	const char *s = probe_section("processes");
	cr_expect(strstr(s, "processes (5,"), "%s", s);
	cr_expect(HAS(s, "  4100 (parent 4099)", "probe fork 3 2", "16 calls: exit(0)"), "%s", s);
	cr_expect(HAS(s, "    4102 ", "no exit line: killed or still running", "reaped by 4100: killed:9 (SIGKILL)"), "%s", s);
	cr_expect(HAS(s, "    4103 ", "_exit(3); reaped by 4100: exited:3"), "%s", s);
	cr_expect(HAS(s, "      4104 ", "trace stopped at 1048576 bytes"), "the grandchild is under its parent: %s", s);
}

Test(trace, sites_are_counted_by_call_and_caller_largest_first, .timeout = 30)
{
	const char *s = probe_section("calls by site");
	cr_expect(strstr(s, "(24 calls from 14 sites"), "%s", s);
	const char *first = strchr(s, '\n');
	cr_assert(first, "%s", s);
	cr_expect(!strncmp(first + 1, "        4  pipe2", 16), "the largest site first: %s", s);
	cr_expect(HAS(first + 1, "4  pipe2", "do_fork", "in 2 processes", "2 failed"), "%s", s);
	cr_expect(HAS(s, "2  fork", "spawn_pair", "in 2 processes"), "%s", s);
	cr_expect(HAS(s, "3  fork", "do_fork", "1 failed"), "a fork child's own line is not a second call: %s", s);
}

Test(trace, errors_name_the_errno_and_how_many_were_injected, .timeout = 30)
{
	const char *s = probe_section("errors seen");
	cr_expect(strstr(s, "(4 failed calls, 3 of them injected)"), "%s", s);
	cr_expect(HAS(s, "2  pipe2", "do_fork", "EMFILE", "(2 injected)"), "%s", s);
	cr_expect(HAS(s, "1  fork", "do_fork", "EAGAIN", "(1 injected)"), "%s", s);
	cr_expect(HAS(s, "1  close", "main", "EBADF"), "%s", s);
}

Test(trace, injections_are_counted_by_rule_and_site, .timeout = 30)
{
	const char *s = probe_section("injected");
	cr_expect(strstr(s, "(3 times at 2 sites)"), "%s", s);
	cr_expect(HAS(s, "2  rule 1", "pipe2", "do_fork", "error=EMFILE", "(n=2)"), "%s", s);
	cr_expect(HAS(s, "1  rule 2", "fork", "do_fork", "error=EAGAIN", "(n=3)"), "%s", s);
}

Test(trace, children_say_how_each_was_reaped_or_never, .timeout = 30)
{
	const char *s = probe_section("children");
	cr_expect(strstr(s, "(4 made, 3 reaped, 1 never reaped)"), "%s", s);
	cr_expect(HAS(s, "4101", "by 4100", "fork", "do_fork", "reaped by 4100 in waitpid at do_fork: exited:0"), "%s", s);
	cr_expect(HAS(s, "4103", "by 4100", "spawn_pair", "reaped by 4100 in waitpid at reap_pair: exited:3"), "%s", s);
	cr_expect(HAS(s, "4104", "by 4103", "fork", "spawn_pair", "never reaped"), "%s", s);
}

Test(trace, sigchld_dispositions_are_listed_in_order_with_flags, .timeout = 30)
{
	const char *s = probe_section("SIGCHLD dispositions");
	cr_expect(strstr(s, "(2 set, 1 call that sets none)"), "%s", s);
	const char *set = strstr(s, "-> on_chld"), *reset = strstr(s, "-> SIG_DFL");
	cr_assert(set && reset, "%s", s);
	cr_expect(set < reset, "in the order they were made: %s", s);
	cr_expect(HAS(s, "4100", "sigaction", "at install_handler", "-> on_chld", "SA_NOCLDSTOP|SA_SIGINFO|SA_RESTART"), "%s", s);
	cr_expect(HAS(s, "4100", "signal", "at main", "-> SIG_DFL"), "%s", s);
}

Test(trace, fds_left_open_are_grouped_by_process_and_site, .timeout = 30)
{
	const char *s = probe_section("descriptors made and not seen closed");
	cr_expect(strstr(s, "(3 from 2 sites)"), "%s", s);
	cr_expect(HAS(s, "2  pid 4101", "pipe2", "do_fork", "fds 3,4"), "%s", s);
	cr_expect(HAS(s, "1  pid 4100", "eventfd", "main", "fds 5"), "%s", s);
	cr_expect(!strstr(s, "4102") && !strstr(s, "make_pipe"), "closed descriptors are not listed: %s", s);
}

Test(trace, rules_sum_the_exit_lines_counts, .timeout = 30)
{
	const char *s = probe_section("rules of the plan");
	cr_expect(strstr(s, "(2; counts from 3 exit lines)"), "%s", s);
	cr_expect(HAS(s, "1", "pipe2:when=2:error=EMFILE", "matched 3 in 2 processes, acted 1", "2 trace lines"), "%s", s);
	cr_expect(HAS(s, "2", "fork:when=3:error=EAGAIN", "matched 5 in 2 processes, acted 1", "1 trace line"), "%s", s);
}

Test(trace, python_subprocess_trace_fits_a_screen_and_names_the_vfork_child, .timeout = 30)
{
	cr_assert_eq(trace((const char *const[]){ PYTHON, NULL }), 0, "%s", r.err);
	int lines = 0;
	for (const char *p = r.out; (p = strchr(p, '\n')); p++)
		lines++;
	cr_expect(lines <= 60, "%d lines for a 244-line trace:\n%s", lines, r.out);
	cr_expect(HAS(r.out, "    30279", "/usr/bin/true", "exit(0); reaped by 30278: exited:0"), "%s", r.out);
	cr_expect(HAS(section(r.out, "children"), "30279", "by 30278", "vfork", "python3.11+0x6877d6", "exited:0"), "%s", r.out);
	cr_expect(strstr(r.out, "SIGCHLD dispositions, in order (0 set, 2 calls that set none)"), "%s", r.out);
	cr_expect(strstr(r.out, "descriptors made and not seen closed (0 from 0 sites): none"), "%s", r.out);
}

Test(trace, pid_option_keeps_only_that_process, .timeout = 30)
{
	cr_assert_eq(trace((const char *const[]){ "--pid", "4101", PROBE, NULL }), 0, "%s", r.err);
	cr_expect(strstr(r.out, "only pid 4101: 4 of its lines"), "%s", r.out);
	cr_expect(strstr(r.out, "processes (1,"), "%s", r.out);
	cr_expect(!strstr(section(r.out, "processes"), "4100 "), "%s", r.out);
	const char *sites = section(r.out, "calls by site");
	cr_expect(strstr(sites, "(2 calls from 1 site,"), "%s", sites);
	cr_expect(HAS(sites, "2  pipe2", "do_fork", "1 failed"), "%s", sites);
	cr_expect(!strstr(section(r.out, "descriptors"), "4100"), "%s", r.out);
}

Test(trace, max_sites_cuts_lists_and_counts_the_rest, .timeout = 30)
{
	cr_assert_eq(trace((const char *const[]){ "--max-sites", "3", PROBE, NULL }), 0, "%s", r.err);
	const char *sites = section(r.out, "calls by site");
	cr_expect(strstr(sites, "  (11 more)"), "%s", sites);
	cr_expect(!HAS(sites, "signal", "main"), "%s", sites);
	cr_expect(strstr(section(r.out, "processes"), "  (2 more)"), "%s", r.out);
}

Test(trace, json_is_one_object_with_the_same_numbers, .timeout = 30)
{
	cr_assert_eq(trace((const char *const[]){ "--json", PROBE, NULL }), 0, "%s", r.err);
	const char *got = json_query("import json, sys\n"
				     "d = json.load(open(sys.argv[1]))\n"
				     "print(d['sites']['calls'], d['children']['made'], d['children']['never_reaped'],\n"
				     "      d['fds']['open'], d['rules']['rows'][1]['matched'], len(d['processes']['rows']),\n"
				     "      d['processes']['rows'][4]['depth'], d['seed'], d['sigchld']['rows'][0]['flags'])\n");
	cr_expect_str_eq(got, "24 4 1 3 5 5 2 42 268435461\n");
}

Test(trace, bad_lines_are_counted_and_skipped, .timeout = 30)
{
	cr_assert_eq(trace((const char *const[]){ GARBAGE, NULL }), 0, "%s", r.err);
	cr_expect(strstr(r.out, "15 lines, 10 bad lines skipped (the first: line 4)"), "%s", r.out);
	cr_expect(strstr(r.out, "(2 times at 2 sites)"), "the good lines around them still count: %s", r.out);
	cr_expect(HAS(r.out, "read", "??bad?", "EINTR"), "bytes that are not UTF-8 are shown as '?': %s", r.out);
}

Test(trace, json_of_a_damaged_trace_is_valid_json, .timeout = 30)
{
	cr_assert_eq(trace((const char *const[]){ "--json", GARBAGE, NULL }), 0, "%s", r.err);
	const char *got = json_query("import json, sys\n"
				     "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
				     "print(d['bad_lines'], d['first_bad'], sorted(r['caller'] for r in d['errors']['rows']))\n");
	cr_expect_str_eq(got, "10 4 ['??bad?', 'main']\n");
}

Test(trace, missing_file_exits_2_with_one_line, .timeout = 30)
{
	cr_expect_eq(trace((const char *const[]){ "/nonexistent/forkchaos-trace.jsonl", NULL }), 2);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos trace: cannot open /nonexistent/forkchaos-trace.jsonl"), 1, "%s", r.err);
	cr_expect(strstr(r.err, "No such file"), "%s", r.err);
	cr_expect_eq(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err), "one line: %s", r.err);
	cr_expect_str_eq(r.out, "");
}

Test(trace, file_without_a_header_line_exits_2, .timeout = 30)
{
	cr_expect_eq(trace((const char *const[]){ "tests/fixtures/not-a-trace.jsonl", NULL }), 2);
	cr_expect(strstr(r.err, "is not a forkchaos trace"), "%s", r.err);
	cr_expect_str_eq(r.out, "");
}

Test(trace, empty_file_exits_2, .timeout = 30)
{
	char path[256];
	fc_temp_path(path, sizeof path, "empty.jsonl");
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fclose(f);
	int rc = trace((const char *const[]){ path, NULL });
	unlink(path);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(r.err, "is not a forkchaos trace (empty"), "%s", r.err);
}

Test(trace, pid_not_in_the_trace_exits_2, .timeout = 30)
{
	cr_expect_eq(trace((const char *const[]){ "--pid", "77", PROBE, NULL }), 2);
	cr_expect(strstr(r.err, "pid 77 has no line in"), "%s", r.err);
}

Test(trace, real_trace_of_the_shim_shows_the_children_and_their_reaping, .timeout = 30)
{
	char path[256];
	fc_temp_path(path, sizeof path, "t.jsonl");
	cr_assert_eq(fc_probe(&r, NULL, path, (const char *const[]){ "fork", "2", NULL }), 0, "%s", r.err);
	int rc = trace((const char *const[]){ path, NULL });
	unlink(path);
	cr_assert_eq(rc, 0, "%s", r.err);
	cr_expect(strstr(r.out, "children (2 made, 2 reaped, 0 never reaped)"), "%s", r.out);
	cr_expect(strstr(r.out, "processes (3,"), "%s", r.out);
}
