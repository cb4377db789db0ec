/* fc_plan_file_read(): a plan file (--plan-file) into the plan text the shim
 * gets.  Comments and blank lines go, each line holds one or more rules, and
 * every error names the file and the line. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"
#include "plan.h"

static char path[256], text[FC_PLAN_MAX], err[512];

/* A plan file holding the LEN bytes of BYTES; returns its path. */
static const char *plan_file(const char *bytes, size_t len)
{
	fc_temp_path(path, sizeof path, "plan");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	return path;
}
#define PLAN_FILE(literal) plan_file(literal, sizeof literal - 1)

/* ERR starts with "PATH:SUFFIX" */
static int names_file(const char *suffix)
{
	size_t n = strlen(path);
	return strncmp(err, path, n) == 0 && strncmp(err + n, suffix, strlen(suffix)) == 0;
}

/* The file at PATH is refused, with "PATH:WHERE" and WORDS in the message. */
static void refused(const char *where, const char *words)
{
	cr_expect_eq(fc_plan_file_read(path, text, sizeof text, err, sizeof err), -1, "accepted: %s", text);
	cr_expect(names_file(where), "%s", err);
	cr_expect(strstr(err, words), "%s", err);
}

Test(plan_file, comments_blank_lines_and_lines_become_one_plan, .timeout = 10)
{
	PLAN_FILE("# window 5: the pipe fails after the slot was taken\n"
		  "\n"
		  "pipe2:when=3:error=EMFILE   # the third\n"
		  "   fork:error=EAGAIN; dup:error=EIO;\n"
		  "\t# indented comment\n"
		  "close:fd=7:error=EBADF");
	cr_assert_eq(fc_plan_file_read(path, text, sizeof text, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(text, "pipe2:when=3:error=EMFILE;fork:error=EAGAIN; dup:error=EIO;close:fd=7:error=EBADF");
}

Test(plan_file, crlf_line_ends_are_accepted, .timeout = 10)
{
	PLAN_FILE("pipe2:error=EMFILE\r\n# a comment\r\nfork:error=EAGAIN\r\n");
	cr_assert_eq(fc_plan_file_read(path, text, sizeof text, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(text, "pipe2:error=EMFILE;fork:error=EAGAIN");
}

Test(plan_file, bad_rule_names_file_line_and_column, .timeout = 10)
{
	PLAN_FILE("# header\npipe2:error=EIO\n\n  fork:colour=red # why\n");
	refused(":4:8: ", "rule 2 `fork:colour=red`");
	cr_expect(strstr(err, "unknown key"), "%s", err);
}

Test(plan_file, second_rule_of_a_line_is_located_in_that_line, .timeout = 10)
{
	PLAN_FILE("pipe2:error=EIO\nfork:error=EAGAIN;  dup:when=0:error=EIO\n");
	refused(":2:30: ", "FIRST >= 1");
}

Test(plan_file, missing_file_is_named_with_the_reason, .timeout = 10)
{
	fc_temp_path(path, sizeof path, "missing");
	refused(": ", "No such file");
}

Test(plan_file, folder_is_refused, .timeout = 10)
{
	snprintf(path, sizeof path, "/tmp");
	refused(": ", "folder");
}

Test(plan_file, file_with_no_rule_is_refused, .timeout = 10)
{
	PLAN_FILE("# only a comment\n\n   \n");
	refused(": ", "no rule");
}

Test(plan_file, nul_byte_is_refused_with_its_line, .timeout = 10)
{
	PLAN_FILE("pipe2:error=EIO\nfork:err\0or=EIO\n");
	refused(":2:9: ", "NUL");
}

Test(plan_file, control_byte_is_shown_escaped_at_its_line, .timeout = 10)
{
	PLAN_FILE("pipe2:error=EIO\nfork:caller=a\x1b[0m:error=EIO\n");
	refused(":2:14: ", "a\\x1b[0m");
	cr_expect_null(strchr(err, 0x1b), "%s", err);
}

Test(plan_file, plan_past_the_limit_is_refused_naming_it_and_the_line, .timeout = 10)
{
	static char big[FC_PLAN_MAX * 2], limit[32];
	size_t used = 0;
	/* 32 rules of 600 bytes, a line each */
	for (int rule = 0; rule < FC_MAX_RULES; rule++) {
		for (int name = 0; name < 100; name++)
			used += (size_t)snprintf(big + used, sizeof big - used, "pipe2,");
		used += (size_t)snprintf(big + used, sizeof big - used, "pipe:error=EIO # rule %d\n", rule + 1);
	}
	cr_assert_lt(used, sizeof big);
	plan_file(big, used);
	snprintf(limit, sizeof limit, "%d", FC_PLAN_MAX - 1);
	cr_expect_eq(fc_plan_file_read(path, text, sizeof text, err, sizeof err), -1);
	cr_expect(strstr(err, limit), "%s", err);
	cr_expect(names_file(":"), "%s", err);
}

Test(plan_file, comments_do_not_count_toward_the_limit, .timeout = 10)
{
	static char big[FC_PLAN_MAX * 2];
	size_t used = 0;
	while (used < FC_PLAN_MAX + 100)
		used += (size_t)snprintf(big + used, sizeof big - used, "# %s\n", "a comment line that is dropped");
	used += (size_t)snprintf(big + used, sizeof big - used, "pipe2:error=EIO\n");
	plan_file(big, used);
	cr_expect_eq(fc_plan_file_read(path, text, sizeof text, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(text, "pipe2:error=EIO");
}

Test(plan_file, too_many_rules_name_the_line_of_the_first_too_many, .timeout = 10)
{
	static char many[4096];
	size_t used = 0;
	for (int i = 0; i < FC_MAX_RULES + 1; i++)
		used += (size_t)snprintf(many + used, sizeof many - used, "dup:when=%d:error=EIO\n", i + 1);
	plan_file(many, used);
	char line[16];
	snprintf(line, sizeof line, ":%d:", FC_MAX_RULES + 1);
	refused(line, "too many rules");
}

Test(plan_file, small_buffer_is_refused_naming_its_size, .timeout = 10)
{
	char small[16];
	PLAN_FILE("pipe2:when=3:error=EMFILE\n");
	cr_expect_eq(fc_plan_file_read(path, small, sizeof small, err, sizeof err), -1);
	cr_expect(strstr(err, "15"), "%s", err);
}
