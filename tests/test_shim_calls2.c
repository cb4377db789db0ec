/* Issue 8's calls (the exec family, open, openat, socketpair ...
 * sigtimedwait, pthread_create, connect, the recv and send families) and the
 * ALIAS symbols that fortified and large-file programs import (__open_2,
 * open64, __read_chk ...): each one's rule takes effect and, without a
 * plan, the call works, observed by tests/targets/calls2 and
 * tests/targets/fortified under `forkchaos run`.  One behaviour per test
 * (per row of a table). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "fc_test_util.h"

static struct fc_result r;

/* forkchaos run [--plan PLAN] [--trace TRACE] -- build/targets/TARGET WORD */
static int run_target(const char *plan, const char *trace, const char *target, const char *word)
{
	char path[64];
	snprintf(path, sizeof path, "targets/%s", target);
	const char *words[] = { "--plan", plan, "--trace", trace, "--", fc_build_path(path), word };
	const char *argv[12] = { fc_build_path("forkchaos"), "run" };
	int n = 2;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (i >= 4 || words[i | 1]) /* an option whose value is NULL is left out */
			argv[n++] = words[i];
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

/* The whole line LINE (with its newline) is in the output. */
static int has_line(const char *line)
{
	char want[128];
	snprintf(want, sizeof want, "%s\n", line);
	const char *hit = fc_line(r.out, want);
	return hit && strncmp(hit, want, strlen(want)) == 0;
}

/* Under PLAN, `TARGET WORD` prints the whole line WANT. */
static void expect_line(const char *plan, const char *target, const char *word, const char *want)
{
	cr_assert_eq(run_target(plan, NULL, target, word), 0, "%s %s: stderr: %s", target, word, r.err);
	cr_expect(has_line(want), "%s %s under `%s`: want `%s`, out: %s", target, word, plan ? plan : "no plan", want, r.out);
}

/* Without a plan, `TARGET WORD` prints "WORD RET OK". */
static void expect_ok(const char *target, const char *word)
{
	char prefix[64];
	cr_assert_eq(run_target(NULL, NULL, target, word), 0, "%s %s: stderr: %s", target, word, r.err);
	snprintf(prefix, sizeof prefix, "%s ", word);
	const char *line = fc_line(r.out, prefix), *end = line ? strchr(line, '\n') : NULL;
	cr_expect(end && end - line > 3 && strncmp(end - 3, " OK", 3) == 0, "%s %s: out: %s", target, word, r.out);
}

/* What the new image printed: the three words of every exec, and the
 * environment's mark ("envp" when the call passed its own envp). */
#define ARGS_LINE "args 1st|2 nd|3rd env="

/* Criterion hands a row to the test by copy, in another process where a
 * pointer into this one means nothing: the rows hold their text. */
struct call_case {
	char call[24];
	char cls[12];  /* as `forkchaos calls` heads it */
	int error;     /* the errno the rule injects */
	int ret_errno; /* fails by returning the errno */
	char ok[32];   /* the success line when it is not "CALL RET OK" */
};

static struct call_case calls[] = {
	{ "execve", "%proc", ENOENT, 0, "" },
	{ "execv", "%proc", EACCES, 0, "" },
	{ "execvp", "%proc", ENOENT, 0, "" },
	{ "execvpe", "%proc", E2BIG, 0, "" },
	{ "execl", "%proc", ENOMEM, 0, "" },
	{ "execlp", "%proc", ENOENT, 0, "" },
	{ "execle", "%proc", ENOEXEC, 0, "" },
	{ "fexecve", "%proc", EINVAL, 0, "" },
	{ "sys_execve", "%proc", ENOENT, 0, "" },
	{ "sys_execveat", "%proc", EBADF, 0, "" },
	{ "pthread_create", "%proc", EAGAIN, 1, "" },
	{ "open", "%fd", ENOENT, 0, "" },
	{ "openat", "%fd", EACCES, 0, "" },
	{ "socketpair", "%fd", EMFILE, 0, "" },
	{ "signalfd", "%fd", ENOMEM, 0, "" },
	{ "timerfd_create", "%fd", EMFILE, 0, "" },
	{ "epoll_create1", "%fd", ENFILE, 0, "" },
	{ "ppoll", "%fd", EINTR, 0, "" },
	{ "select", "%fd", EINTR, 0, "" },
	{ "pselect", "%fd", EINTR, 0, "" },
	{ "epoll_pwait", "%fd", EINTR, 0, "" },
	{ "accept", "%fd", ECONNABORTED, 0, "" },
	{ "connect", "%fd", ECONNREFUSED, 0, "" },
	{ "recv", "%fd", EINTR, 0, "" },
	{ "recvfrom", "%fd", EINTR, 0, "" },
	{ "recvmsg", "%fd", EAGAIN, 0, "" },
	{ "send", "%fd", EPIPE, 0, "" },
	{ "sendto", "%fd", EAGAIN, 0, "" },
	{ "sendmsg", "%fd", EINTR, 0, "" },
	{ "nanosleep", "%wait", EINTR, 0, "" },
	{ "clock_nanosleep", "%wait", EINTR, 1, "" },
	/* sigsuspend's only success: woken by the pending signal */
	{ "sigsuspend", "%signal", EFAULT, 0, "sigsuspend -1 EINTR" },
	{ "sigwaitinfo", "%signal", EINTR, 0, "" },
	{ "sigtimedwait", "%signal", EAGAIN, 0, "" },
};

ParameterizedTestParameters(calls2, injected_error_is_what_the_call_returns)
{
	return cr_make_param_array(struct call_case, calls, sizeof calls / sizeof calls[0]);
}

ParameterizedTest(struct call_case *c, calls2, injected_error_is_what_the_call_returns, .timeout = 30)
{
	char plan[64], want[96];
	const char *ename = strerrorname_np(c->error);
	snprintf(plan, sizeof plan, "%s:error=%s", c->call, ename);
	/* -1 and errno, or (RET_ERRNO) the errno as the value */
	snprintf(want, sizeof want, "%s %d %s", c->call, c->ret_errno ? c->error : -1, ename);
	expect_line(plan, "calls2", c->call, want);
}

ParameterizedTestParameters(calls2, without_a_plan_the_call_succeeds)
{
	return cr_make_param_array(struct call_case, calls, sizeof calls / sizeof calls[0]);
}

ParameterizedTest(struct call_case *c, calls2, without_a_plan_the_call_succeeds, .timeout = 30)
{
	if (c->ok[0]) {
		expect_line(NULL, "calls2", c->call, c->ok);
		return;
	}
	expect_ok("calls2", c->call);
	if (strstr(c->call, "exec"))
		cr_expect(fc_line(r.out, ARGS_LINE), "%s: the new image did not run, out: %s", c->call, r.out);
}

ParameterizedTestParameters(calls2, calls_command_lists_the_call_under_its_class)
{
	return cr_make_param_array(struct call_case, calls, sizeof calls / sizeof calls[0]);
}

ParameterizedTest(struct call_case *c, calls2, calls_command_lists_the_call_under_its_class, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"), "calls", NULL };
	char head[16], name[64];
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "stderr: %s", r.err);
	snprintf(head, sizeof head, "%s:\n", c->cls);
	snprintf(name, sizeof name, "\n  %s ", c->call);
	const char *section = strstr(r.out, head);
	cr_assert(section, "no %s section: %s", c->cls, r.out);
	const char *next = strchr(section + strlen(head), '%'), *hit = strstr(section, name);
	cr_expect(hit && (!next || hit < next), "%s is not listed under %s: %s", c->call, c->cls, r.out);
}

/* The l-forms collect their list on the stack and call the v-form: with
 * the wrapper armed (a rule that does not fire), the words and execle's
 * envp reach the new image intact. */
struct list_case {
	char call[16];
	char env[8];
};

static struct list_case lists[] = {
	{ "execl", "-" },
	{ "execlp", "-" },
	{ "execle", "envp" },
};

ParameterizedTestParameters(calls2, list_form_passes_its_words_through_when_armed)
{
	return cr_make_param_array(struct list_case, lists, sizeof lists / sizeof lists[0]);
}

ParameterizedTest(struct list_case *c, calls2, list_form_passes_its_words_through_when_armed, .timeout = 30)
{
	char plan[64], args[64], done[64];
	snprintf(plan, sizeof plan, "%s:when=2:error=ENOENT", c->call);
	snprintf(args, sizeof args, ARGS_LINE "%s", c->env);
	snprintf(done, sizeof done, "%s 0 OK", c->call);
	expect_line(plan, "calls2", c->call, args);
	cr_expect(has_line(done), "%s: out: %s", c->call, r.out);
}

Test(calls2, execve_failure_in_a_child_reaches_the_parent_through_its_error_pipe, .timeout = 30)
{
	expect_line("execve:error=ENOENT", "calls2", "execve", "execve -1 ENOENT");
	cr_expect_null(fc_line(r.out, "args "), "the new image ran: %s", r.out);
}

/* ---- ALIAS symbols: a rule for the plain call acts on them ---- */

struct alias_case {
	char symbol[24]; /* what the fortified program imports */
	char call[16];   /* the line of calls.def it counts as */
	int error;
};

static struct alias_case aliases[] = {
	{ "__open_2", "open", ENOENT },          { "open64", "open", ENOENT },
	{ "__open64_2", "open", EACCES },        { "openat64", "openat", ENOENT },
	{ "__openat_2", "openat", EACCES },      { "__openat64_2", "openat", ENOENT },
	{ "__read_chk", "read", EIO },           { "__poll_chk", "poll", EINTR },
	{ "__ppoll_chk", "ppoll", EINTR },       { "__recv_chk", "recv", EAGAIN },
	{ "__recvfrom_chk", "recvfrom", EINTR }, { "fcntl64", "fcntl", EBADF },
};

ParameterizedTestParameters(alias, fortified_program_imports_the_symbol)
{
	return cr_make_param_array(struct alias_case, aliases, sizeof aliases / sizeof aliases[0]);
}

/* Else the other alias tests would prove nothing. */
ParameterizedTest(struct alias_case *c, alias, fortified_program_imports_the_symbol, .timeout = 30)
{
	const char *argv[] = { "/usr/bin/nm", "-D", "--undefined-only", fc_build_path("targets/fortified"), NULL };
	char want[64];
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 0, "nm: %s", r.err);
	snprintf(want, sizeof want, " U %s@", c->symbol);
	cr_expect(strstr(r.out, want), "fortified does not import %s: %s", c->symbol, r.out);
}

ParameterizedTestParameters(alias, rule_for_the_plain_call_fails_the_alias)
{
	return cr_make_param_array(struct alias_case, aliases, sizeof aliases / sizeof aliases[0]);
}

ParameterizedTest(struct alias_case *c, alias, rule_for_the_plain_call_fails_the_alias, .timeout = 30)
{
	char plan[64], want[64];
	snprintf(plan, sizeof plan, "%s:error=%s", c->call, strerrorname_np(c->error));
	snprintf(want, sizeof want, "%s -1 %s", c->symbol, strerrorname_np(c->error));
	expect_line(plan, "fortified", c->symbol, want);
}

ParameterizedTestParameters(alias, without_a_plan_the_alias_reaches_its_own_symbol)
{
	return cr_make_param_array(struct alias_case, aliases, sizeof aliases / sizeof aliases[0]);
}

ParameterizedTest(struct alias_case *c, alias, without_a_plan_the_alias_reaches_its_own_symbol, .timeout = 30)
{
	expect_ok("fortified", c->symbol);
}

/* forkchaos run --trace FILE -- build/targets/TARGET WORD; the trace's
 * text in TEXT. */
static void traced_run(const char *plan, const char *target, const char *word, char *text, size_t len)
{
	char trace[256];
	fc_temp_path(trace, sizeof trace, "calls2.jsonl");
	cr_assert_eq(run_target(plan, trace, target, word), 0, "stderr: %s", r.err);
	FILE *in = fopen(trace, "r");
	cr_assert(in, "no trace at %s", trace);
	size_t got = fread(text, 1, len - 1, in);
	fclose(in);
	text[got] = 0;
}

Test(alias, is_traced_under_its_call_name, .timeout = 30)
{
	char text[8192];
	traced_run("open:error=ENOENT", "fortified", "__open_2", text, sizeof text);
	cr_expect(strstr(text, "\"call\":\"open\""), "trace: %s", text);
	cr_expect_null(strstr(text, "\"call\":\"__open_2\""), "trace: %s", text);
}

Test(calls2, failed_exec_in_the_child_is_traced, .timeout = 30)
{
	char text[8192], want[32];
	traced_run("execve:error=ENOENT", "calls2", "execve", text, sizeof text);
	const char *line = strstr(text, "\"call\":\"execve\""), *end = line ? strchr(line, '\n') : NULL;
	cr_assert(line && end, "no execve line in the trace: %s", text);
	snprintf(want, sizeof want, "\"errno\":%d,", ENOENT);
	const char *hit = strstr(line, want);
	cr_expect(hit && hit < end, "no `%s` on the execve line: %s", want, text);
}
