/* forkchaos check on bad input and hostile paths (issue 10, items 2, 6
 * and 10): where its files go (--junit, --baseline, --out), scenario
 * files that are not what they seem, numbers out of range, bytes a
 * message cannot hold, reproduce lines that must paste. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_scenario.h"

TestSuite(check, .fini = remove_dir);

/* A scenario that leaves MARK when it runs: an error "before anything
 * runs" must find none. */
static const char *marking_scenario(void)
{
	static char mark[300];
	snprintf(mark, sizeof mark, "%s", in_dir("ran"));
	scenario("m.scn", "# window -: leaves a mark\nname: marks\ntarget: /usr/bin/touch %s\nrepeat: 1\n", mark);
	return mark;
}

static void refused_before_running(const char *const args[], const char *message)
{
	const char *mark = marking_scenario();
	cr_assert_eq(check(args), 2, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, message), "err: %s", r.err);
	cr_expect_neq(access(mark, F_OK), 0, "a scenario ran before the error");
}

Test(check, junit_never_writes_through_a_link_at_its_old_temporary, .timeout = 60)
{
	const char *victim = precious();
	cr_assert_eq(symlink(victim, in_dir("j.xml.tmp")), 0);
	marking_scenario();
	cr_assert_eq(CHECK("--junit", in_dir("j.xml")), 0, "out: %s err: %s", r.out, r.err);
	cr_expect_str_eq(text_of(victim), "precious\n", "JUnit written through the planted link");
	struct stat st;
	cr_expect(stat(in_dir("j.xml"), &st) == 0 && st.st_size > 0, "no JUnit written");
}

Test(check, junit_into_a_folder_exits_2_at_once_naming_it, .timeout = 60)
{
	char message[400];
	in_dir(""); /* makes the folder */
	snprintf(message, sizeof message, "--junit %s: is a folder", dir);
	refused_before_running((const char *const[]){ "--junit", dir, NULL }, message);
}

Test(check, junit_in_an_unwritable_folder_exits_2_at_once_naming_it, .timeout = 60)
{
	/* /proc takes no new file, even from root */
	refused_before_running((const char *const[]){ "--junit", "/proc/junit.xml", NULL },
			       "--junit /proc/junit.xml: cannot create a file in its folder /proc");
}

Test(check, junit_over_a_fifo_is_refused_and_left_alone, .timeout = 60)
{
	const char *fifo = in_dir("j.fifo");
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	refused_before_running((const char *const[]){ "--junit", fifo, NULL }, "is not a plain file");
	struct stat st;
	cr_expect(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO was replaced");
}

Test(check, update_baseline_into_a_folder_exits_2_at_once_naming_it, .timeout = 60)
{
	char message[400];
	snprintf(message, sizeof message, "--baseline %s: is a folder", in_dir("b"));
	cr_assert_eq(mkdir(in_dir("b"), 0755), 0);
	refused_before_running((const char *const[]){ "--baseline", in_dir("b"), "--update-baseline", NULL }, message);
}

Test(check, baseline_that_is_a_folder_is_refused, .timeout = 60)
{
	cr_assert_eq(mkdir(in_dir("b"), 0755), 0);
	refused_before_running((const char *const[]){ "--baseline", in_dir("b"), NULL }, "Is a directory");
}

Test(check, results_latest_that_is_not_a_link_exits_2_at_once, .timeout = 60)
{
	char latest[400];
	snprintf(latest, sizeof latest, "%s/latest", out_dir());
	cr_assert_eq(mkdir(out_dir(), 0755), 0, "%s: %m", out_dir());
	cr_assert_eq(mkdir(latest, 0755), 0);
	refused_before_running((const char *const[]){ NULL }, "latest: is not a symbolic link");
}

Test(check, unusable_tmpdir_is_named_with_what_to_do, .timeout = 60)
{
	setenv("TMPDIR", "/nonexistent-forkchaos-tmp", 1);
	refused_before_running((const char *const[]){ NULL },
			       "cannot make a work folder in /nonexistent-forkchaos-tmp ($TMPDIR): No such file or directory; "
			       "expected an existing folder we can write");
}

Test(check, more_than_512_scenario_files_all_run, .timeout = 120)
{
	for (int i = 0; i < 600; i++) {
		char file[32];
		snprintf(file, sizeof file, "s%03d.scn", i);
		scenario(file, "# window -: one of many\nname: s%03d\ntarget: /bin/true\nrepeat: 1\n", i);
	}
	cr_assert_eq(CHECK("-j", "2"), 0, "err: %s", r.err);
	cr_expect(strstr(r.out, "check: 600 passed"), "out: %.300s", strstr(r.out, "check:") ? strstr(r.out, "check:") : r.out);
}

Test(check, seed_above_2_64_is_refused_naming_the_range, .timeout = 60)
{
	refused("# window -: a seed too large\nname: big-seed\ntarget: %s exit 0\nseed: 18446744073709551616\n",
		"bad.scn:4: bad seed '18446744073709551616'; expected seed: N (a whole number from 0 to 18446744073709551615)");
}

/* The reproduce line check printed, run by a shell: its exit code. */
static int pasted(void)
{
	const char *line = strstr(r.out, "reproduce: ");
	cr_assert(line, "no reproduce line: %s", r.out);
	char command[8192];
	snprintf(command, sizeof command, "%.*s", (int)strcspn(line + 11, "\n"), line + 11);
	const char *argv[] = { "/bin/sh", "-c", command, NULL };
	return fc_exec(&r, (char *const *)argv);
}

Test(check, reproduce_line_with_a_subsecond_timeout_pastes_into_a_shell, .timeout = 60)
{
	scenario("h.scn", "# window -: hangs\nname: hangs\ntarget: %s hang\ntimeout: 250ms\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "--timeout 250ms"), "out: %s", r.out);
	cr_expect_eq(pasted(), 1, "the pasted line did not fail: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: check: hang: ran past its timeout"), "not on hang: %s", r.err);
}

Test(check, reproduce_line_with_an_hour_timeout_pastes_into_a_shell, .timeout = 60)
{
	scenario("c.scn", "# window -: crashes\nname: crashes\ntarget: %s kill 6\ntimeout: 3600\nrepeat: 1\n", probe());
	cr_assert_eq(CHECK(NULL), 1, "out: %s", r.out);
	cr_expect(strstr(r.out, "--timeout 3600s"), "out: %s", r.out);
	cr_expect_eq(pasted(), 1, "the pasted line did not fail: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos run: check: crash: the target died by signal 6 (SIGABRT)"), "not on crash: %s",
		  r.err);
}

Test(check, folder_named_like_a_scenario_in_a_given_folder_is_refused, .timeout = 60)
{
	cr_assert_eq(mkdir(in_dir("x.scn"), 0755), 0);
	refused_before_running((const char *const[]){ NULL }, "x.scn: is a folder, not a scenario file");
}

Test(check, folder_named_x_scn_given_without_scenarios_says_so, .timeout = 60)
{
	const char *argv[] = { fc_build_path("forkchaos"), "check", "--out", out_dir(), in_dir("x.scn"), NULL };
	cr_assert_eq(mkdir(in_dir("x.scn"), 0755), 0);
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2, "out: %s", r.out);
	cr_expect(strstr(r.err, "x.scn: a folder (though named like a scenario file) with no *.scn file in it"), "err: %s",
		  r.err);
}

Test(check, fifo_named_like_a_scenario_is_refused_without_blocking, .timeout = 60)
{
	cr_assert_eq(mkfifo(in_dir("f.scn"), 0644), 0);
	refused_before_running((const char *const[]){ NULL }, "f.scn: is a device, FIFO or socket, not a scenario file");
}

Test(check, nul_byte_in_a_scenario_is_refused_naming_line_and_column, .timeout = 60)
{
	FILE *f = fopen(in_dir("nul.scn"), "w");
	cr_assert(f);
	fputs("# window -: a NUL byte\nname: nul\ntar", f);
	fputc(0, f);
	fputs("get: /bin/true\n", f);
	fclose(f);
	refused_before_running((const char *const[]){ NULL }, "nul.scn:3: a NUL byte at column 4; expected a text file");
}

Test(check, empty_target_command_is_refused_naming_the_form, .timeout = 60)
{
	refused("# window -: empty\nname: empty\ntarget: \"\" %s\n", "bad.scn:3: the command word of target: is empty");
}

Test(check, every_byte_in_a_detail_gives_valid_xml_json_and_csv, .timeout = 60)
{
	/* the target's stderr (quoted in the detail) holds every byte but
	 * NUL and newline, a character XML forbids (U+FFFE) and a valid one */
	FILE *f = fopen(in_dir("bytes"), "w");
	cr_assert(f);
	for (int b = 1; b < 256; b++)
		if (b != '\n')
			fputc(b, f);
	fputs("\xef\xbf\xbe caf\xc3\xa9", f);
	fclose(f);
	scenario("b.scn", "# window -: bytes\nname: bytes\ntarget: /bin/sh -c 'cat %s >&2; exit 3'\nrepeat: 1\n",
		 in_dir("bytes"));
	cr_assert_eq(CHECK("--junit", in_dir("j.xml")), 1, "out: %s", r.out);
	char latest[400];
	snprintf(latest, sizeof latest, "%s/latest", out_dir());
	const char *py[] = { "/usr/bin/python3",
			     "-c",
			     "import sys, csv, json, xml.etree.ElementTree as E\n"
			     "junit, folder = sys.argv[1], sys.argv[2]\n"
			     "for x in (junit, folder + '/junit.xml'):\n"
			     "    m = E.parse(x).getroot().find('.//failure').get('message')\n"
			     "    assert 'caf\\u00e9' in m and '\\\\x01' in m and '\\\\xff' in m, m\n"
			     "rows = [json.loads(l) for l in open(folder + '/verdicts.jsonl', encoding='utf-8')]\n"
			     "assert 'caf\\u00e9' in rows[0]['detail'], rows\n"
			     "rows = list(csv.reader(open(folder + '/verdicts.csv', encoding='utf-8', newline='')))\n"
			     "assert len(rows) == 2 and 'caf\\u00e9' in rows[1][6], rows\n"
			     "json.load(open(folder + '/run.json', encoding='utf-8'))\n"
			     "print('valid')\n",
			     in_dir("j.xml"),
			     latest,
			     NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)py), 0, "not valid: %s", r.err);
	cr_expect(fc_line(r.out, "valid"), "out: %s", r.out);
}
