/* `run --trace FILE` never destroys a file (issue 10, items 1, 6, 8, 10):
 * links, devices, pipes and folders are refused, a file that was there is
 * left as it was when the command cannot start, two runs never mix, and no
 * temporary is left behind.  Each test works in a fresh folder. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "test_run_util.h"

static struct fc_result r;
static char dir[256];

static void make_dir(void)
{
	cr_assert_eq(fc_temp_dir(dir, sizeof dir, "trace"), 0);
}

static void remove_dir(void)
{
	fc_remove_tree(dir);
}

/* DIR/NAME */
static const char *in_dir(const char *name)
{
	static char paths[4][PATH_MAX];
	static int next;
	char *slot = paths[next++ % 4];
	snprintf(slot, PATH_MAX, "%s/%s", dir, name);
	return slot;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static const char *read_text(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose(f);
	text[got] = 0;
	return text;
}

/* forkchaos run --trace TRACE -- CMD... */
static int run_traced(const char *trace, const char *cmd)
{
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--trace", trace, "--", cmd, "pipe2", "1", NULL };
	return fc_exec(&r, (char *const *)argv);
}

TestSuite(run_trace, .init = make_dir, .fini = remove_dir);

Test(run_trace, symlink_is_refused_and_what_it_points_to_is_untouched, .timeout = 30)
{
	/* before: the link was followed, its target truncated, then deleted
	 * when the command could not start */
	write_text(in_dir("victim"), "precious\n");
	cr_assert_eq(symlink("victim", in_dir("t.jsonl")), 0);
	cr_expect_eq(run_traced(in_dir("t.jsonl"), "/nonexistent/forkchaos-nothing"), 2);
	cr_expect(strstr(r.err, "is a symbolic link (to victim, a regular file)"), "err: %s", r.err);
	cr_expect_str_eq(read_text(in_dir("victim")), "precious\n");
}

Test(run_trace, existing_file_is_left_as_it_was_when_the_command_cannot_start, .timeout = 30)
{
	write_text(in_dir("t.jsonl"), "an older trace\n");
	cr_expect_eq(run_traced(in_dir("t.jsonl"), "/nonexistent/forkchaos-nothing"), 2);
	cr_expect(strstr(r.err, "No such file"), "err: %s", r.err);
	cr_expect_str_eq(read_text(in_dir("t.jsonl")), "an older trace\n");
	cr_expect_eq(fc_dir_entries(dir), 1, "a temporary was left in %s", dir);
}

Test(run_trace, device_node_is_refused_and_kept, .timeout = 30)
{
	/* a copy of /dev/zero: before, as root, it was deleted (as
	 * /dev/null itself would have been) */
	if (mknod(in_dir("null"), S_IFCHR | 0666, makedev(1, 5)) < 0)
		cr_skip_test("cannot make a device node here (%s)", strerror(errno));
	cr_expect_eq(run_traced(in_dir("null"), "/nonexistent/forkchaos-nothing"), 2);
	cr_expect(strstr(r.err, "is a character device, not a regular file"), "err: %s", r.err);
	struct stat st;
	cr_expect(stat(in_dir("null"), &st) == 0 && S_ISCHR(st.st_mode), "the device node is gone");
}

Test(run_trace, dev_null_is_traced_to_and_kept, .timeout = 30)
{
	cr_expect_eq(run_traced("/dev/null", fc_build_path("targets/probe")), 0, "err: %s", r.err);
	struct stat st;
	cr_expect(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3), "/dev/null is not itself");
}

Test(run_trace, dev_stdout_on_a_pipe_is_refused_asking_for_a_file_path, .timeout = 30)
{
	cr_expect_eq(run_traced("/dev/stdout", fc_build_path("targets/probe")), 2);
	cr_expect(strstr(r.err, "--trace '/dev/stdout': is a symbolic link (to /proc/self/fd/1, a pipe)"), "err: %s", r.err);
	cr_expect(strstr(r.err, "give the path of a regular file"), "err: %s", r.err);
	cr_expect(!fc_line(r.out, "pipe2 1"), "the command ran: %s", r.out);
}

Test(run_trace, folder_is_refused_naming_a_file_in_it, .timeout = 30)
{
	cr_expect_eq(run_traced(dir, fc_build_path("targets/probe")), 2);
	cr_expect(strstr(r.err, "is a folder; give a file path in it"), "err: %s", r.err);
}

Test(run_trace, missing_folder_is_named, .timeout = 30)
{
	cr_expect_eq(run_traced(in_dir("no/t.jsonl"), fc_build_path("targets/probe")), 2);
	cr_expect(strstr(r.err, "/no' does not exist"), "err: %s", r.err);
}

Test(run_trace, trace_replaces_the_file_and_leaves_no_temporary, .timeout = 30)
{
	write_text(in_dir("t.jsonl"), "an older trace\n");
	cr_assert_eq(run_traced(in_dir("t.jsonl"), fc_build_path("targets/probe")), 0, "err: %s", r.err);
	cr_expect(strstr(read_text(in_dir("t.jsonl")), "{\"forkchaos\":"), "no trace header in %s", in_dir("t.jsonl"));
	cr_expect_eq(fc_dir_entries(dir), 1, "a temporary was left in %s", dir);
}

Test(run_trace, path_of_600_bytes_is_written, .timeout = 30)
{
	/* before: the shim took at most 511 bytes and silently wrote nothing */
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", dir);
	while (strlen(path) < 560) {
		strcat(path, "/abcdefghijklmnopqrstuvwxyz0123456789");
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "%s", strerror(errno));
	}
	strcat(path, "/trace-with-a-long-path.jsonl");
	cr_assert_gt(strlen(path), 600);
	cr_assert_eq(run_traced(path, fc_build_path("targets/probe")), 0, "err: %s", r.err);
	cr_expect(strstr(read_text(path), "\"call\":\"pipe2\""), "the trace has no pipe2 line");
}

Test(run_trace, path_of_path_max_bytes_is_refused_naming_the_limit, .timeout = 30)
{
	char path[PATH_MAX + 16];
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = 0;
	cr_expect_eq(run_traced(path, fc_build_path("targets/probe")), 2);
	cr_expect(strstr(r.err, "a path must be shorter than PATH_MAX (4096 bytes)"), "err: %s", r.err);
	cr_expect_eq(fc_count_prefix(r.err, "forkchaos"), 1, "one line: %s", r.err);
}

/* How many lines of TEXT hold "pid":PID, and how many lines there are. */
static int lines_of_pid(const char *text, const char *pid_field, int *lines)
{
	int count = 0;
	*lines = 0;
	for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
		const char *end = strchr(line, '\n') ? strchr(line, '\n') : line + strlen(line);
		const char *found = strstr(line, pid_field);
		(*lines)++;
		count += found && found < end;
	}
	return count;
}

Test(run_trace, two_runs_with_one_path_do_not_mix, .timeout = 30)
{
	/* before: the second run truncated the first's trace, and both
	 * appended to what was left */
	char marker[256], err[4096], pid_field[32];
	struct fc_launch first = { 0 };
	fc_temp_path(marker, sizeof marker, "started");
	cr_assert_eq(
		fc_launch(&first,
			  (const char *const[]){ "forkchaos", "run", "--trace", in_dir("t.jsonl"), "--",
						 fc_build_path("targets/launcher_hostile"), "wait-stdin", marker, "0", NULL }),
		0);
	cr_assert(fc_await_file(marker), "the first run never started");
	cr_assert_eq(run_traced(in_dir("t.jsonl"), fc_build_path("targets/probe")), 0, "second run: %s", r.err);
	fc_launch_release(&first);
	int status = fc_launch_wait(&first, err, sizeof err);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "first run: 0x%x %s", status, err);
	/* the last to finish wins, whole: one header, every line its own */
	const char *text = read_text(in_dir("t.jsonl"));
	const char *pid = strstr(text, "\"pid\":");
	cr_assert(pid, "no trace: %s", text);
	snprintf(pid_field, sizeof pid_field, "%.*s", (int)strcspn(pid, ",}"), pid);
	int lines, mine = lines_of_pid(text, pid_field, &lines);
	cr_expect_eq(fc_count_prefix(text, "{\"forkchaos\":"), 1, "trace: %s", text);
	cr_expect_eq(mine, lines, "lines of two runs (%d of %d with %s): %s", mine, lines, pid_field, text);
	cr_expect(strstr(text, "wait-stdin"), "not the first run's trace: %s", text);
	cr_expect_eq(fc_dir_entries(dir), 1, "a temporary was left in %s", dir);
}

Test(run_trace, sigkill_of_forkchaos_leaves_no_temporary, .timeout = 30)
{
	char pids_file[256];
	pid_t pids[2];
	struct fc_launch l = { 0 };
	fc_temp_path(pids_file, sizeof pids_file, "pids");
	cr_assert_eq(fc_launch(&l,
			       (const char *const[]){ "forkchaos", "run", "--trace", in_dir("t.jsonl"), "--",
						      fc_build_path("targets/launcher_hostile"), "tree", pids_file, NULL }),
		     0);
	cr_assert(fc_await_file(pids_file), "the command never started");
	cr_assert_eq(fc_read_pids(pids_file, pids, 2), 2);
	kill(l.pid, SIGKILL);
	fc_launch_wait(&l, NULL, 0);
	int dead = fc_await_dead(pids[0]) && fc_await_dead(pids[1]);
	kill(pids[0], SIGKILL);
	kill(pids[1], SIGKILL);
	cr_expect(dead, "the command's tree outlived forkchaos");
	cr_expect_eq(fc_dir_entries(dir), 0, "left in %s after SIGKILL", dir);
}

Test(run_trace, path_with_a_newline_is_shown_on_one_line, .timeout = 30)
{
	cr_expect_eq(run_traced(in_dir("no\nsuch/t.jsonl"), fc_build_path("targets/probe")), 2);
	cr_expect(strstr(r.err, "no\\x0asuch"), "err: %s", r.err);
	cr_expect_eq(fc_count_prefix(r.err, ""), 1, "one line: %s", r.err);
}

/* forkchaos run --trace TRACE -- /bin/true, as nobody */
static int run_as_nobody(const char *trace)
{
	int code = fc_exec_as_nobody(&r, (const char *const[]){ "run", "--trace", trace, "--", "/bin/true", NULL });
	if (code < 0)
		cr_skip_test("cannot run forkchaos as nobody here (needs root and setpriv)");
	return code;
}

Test(run_trace, folder_the_caller_cannot_write_is_named, .timeout = 30)
{
	cr_expect_eq(run_as_nobody(in_dir("t.jsonl")), 2, "err: %s", r.err);
	cr_expect(strstr(r.err, "cannot create the trace in its folder"), "err: %s", r.err);
	cr_expect(strstr(r.err, "Permission denied"), "err: %s", r.err);
}

Test(run_trace, file_the_caller_cannot_write_is_not_replaced, .timeout = 30)
{
	/* the folder lets nobody rename over it; the file is root's 0644 */
	write_text(in_dir("t.jsonl"), "root's trace\n");
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_expect_eq(run_as_nobody(in_dir("t.jsonl")), 2, "err: %s", r.err);
	cr_expect(strstr(r.err, "is not writable (Permission denied)"), "err: %s", r.err);
	cr_expect_str_eq(read_text(in_dir("t.jsonl")), "root's trace\n");
}
