/* The supervisor's decision: the syscall-level rules that name a trapped
 * number, matched as the shim's engine matches (engine.c): every rule
 * whose selectors hold counts the call in its process image, and the first
 * whose when=/prob= fire acts (match.h has the shared parts).  The answer:
 * an error or a value instead of the call, or the call run in place
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE), after delay= and signal=. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "match.h"
#include "proc.h"
#include "seccomp_int.h"

static int call_id_of(int nr)
{
	for (int id = 0; id < FC_NCALLS; id++)
		if ((fc_calls[id].flags & FC_F_SYS) && fc_calls[id].nr == nr)
			return id;
	return FC_ID_syscall;
}

/* The newest child of PID (the highest pid among its children: pids are
 * handed out in order), for signal=...@child; 0: none. */
static pid_t newest_child(pid_t pid)
{
	pid_t kids[256], newest = 0;
	for (int i = 0, n = fc_list_children(pid, kids, 256); i < n; i++)
		newest = kids[i] > newest ? kids[i] : newest;
	return newest;
}

/* The frames caller= and lib= look at, found once per call. */
struct frames {
	uint64_t at[FC_SYS_FRAMES];
	int n, want;
};

static void need_frames(struct frames *f, const struct fc_sys_proc *p, const struct fc_sys_call *c, int depth)
{
	if (f->n >= depth || f->want >= depth)
		return;
	f->want = depth;
	f->n = p->maps ? fc__sys_frames(p->maps, c->tid, c->ip, f->at, depth) : 0;
	if (f->n == 0)
		f->at[f->n++] = c->ip;
}

/* caller=: the function that made the syscall, or one of the DEPTH-1
 * callers above it; caller=OBJECT+0xOFF: that site (the trace's "site":
 * how a sweep names a syscall made where no symbol is known). */
static int caller_matches(const struct fc_rule *rule, const struct fc_sys_proc *p, const struct fc_sys_call *c, struct frames *f)
{
	int depth = rule->depth < FC_SYS_FRAMES ? rule->depth : FC_SYS_FRAMES;
	if (!p->maps)
		return 0;
	need_frames(f, p, c, depth);
	for (int i = 0; i < f->n && i < depth; i++)
		if (rule->site_len ? fc__sys_at_site(p->maps, f->at[i], rule->caller, (size_t)rule->site_len, rule->site_off)
				   : fc__sys_in_function(p->maps, f->at[i], rule->caller))
			return 1;
	return 0;
}

/* lib=: the object that made the syscall or, for a call made by libc's
 * own code, the first caller outside libc: the object libc works for. */
static int lib_matches(const struct fc_rule *rule, const struct fc_sys_proc *p, const struct fc_sys_call *c, struct frames *f)
{
	if (!p->maps)
		return 0;
	if (fc__sys_in_lib(p->maps, c->ip, rule->lib))
		return 1;
	need_frames(f, p, c, FC_SYS_FRAMES);
	for (int i = 1; i < f->n; i++)
		if (!fc__sys_in_lib(p->maps, f->at[i], "libc.so"))
			return fc__sys_in_lib(p->maps, f->at[i], rule->lib);
	return 0;
}

static void match(struct fc_syslayer *l, struct fc_sys_proc *p, struct fc_sys_call *c, fc_ruleset candidates)
{
	struct frames f = { .n = 0 };
	while (candidates) {
		int index = __builtin_ctz(candidates);
		candidates &= candidates - 1;
		const struct fc_rule *rule = &l->conf.plan->rules[index];
		if (rule->sel_sig >= 0 && c->sig != rule->sel_sig)
			continue;
		if (rule->sel_fd >= 0 && c->fd != rule->sel_fd)
			continue;
		if (rule->proc != FC_PROC_ANY && (rule->proc == FC_PROC_PARENT) != p->root)
			continue;
		if (rule->lib[0] && !lib_matches(rule, p, c, &f))
			continue;
		if (rule->caller[0] && !caller_matches(rule, p, c, &f))
			continue;
		/* one thread answers every call: a plain add, read by the
		 * launcher when the run is over */
		unsigned long n = ++p->matched[index];
		c->matched |= (fc_ruleset)1 << index;
		if (c->rule >= 0 || !rule->actions)
			continue;
		if (rule->has_when && !fc_when_fires(rule, n))
			continue;
		if (rule->has_prob && !fc_prob_fires(rule, l->conf.seed, p->lineage, index, n))
			continue;
		c->rule = index;
		c->n = n;
		p->acted[index]++;
	}
}

static void act(struct fc_syslayer *l, const struct fc_sys_proc *p, struct fc_sys_call *c)
{
	const struct fc_rule *rule = &l->conf.plan->rules[c->rule];
	if (rule->actions & FC_ACT_SIGNAL) {
		c->signo = rule->signo;
		c->sig_pid = p->tgid;
		switch (rule->sigdest) {
		case FC_DEST_SELF:
		case FC_DEST_THREAD: c->sig_tid = c->tid; break;
		case FC_DEST_PARENT: c->sig_pid = p->ppid; break;
		case FC_DEST_CHILD: c->sig_pid = newest_child(p->tgid); break;
		default: break;
		}
	}
	if (rule->actions & (FC_ACT_ERROR | FC_ACT_RETVAL)) {
		c->cont = 0;
		c->error = (rule->actions & FC_ACT_ERROR) ? rule->error : 0;
		c->val = rule->retval;
	}
	if (rule->actions & FC_ACT_DELAY)
		c->due = fc__sys_now() + rule->delay_ns;
}

static int traced(const struct fc_syslayer *l, const struct fc_sys_call *c)
{
	const uint64_t *set = l->conf.trace_calls;
	if (l->trace_fd < 0)
		return 0;
	return c->rule >= 0 || !set || (set[c->call_id / 64] >> (c->call_id % 64) & 1);
}

void fc__sys_decide(struct fc_syslayer *l, struct fc_sys_call *c)
{
	c->cont = 1;
	c->rule = -1;
	c->proc = -1;
	c->sig = c->fd = -1;
	/* the launcher's child before its exec, or after a failed one */
	if (c->nr < 0 || c->nr >= FC_SYS_NRS || fc__sys_exec_phase(l) != FC_SYS_RUNNING)
		return;
	struct fc_sys_proc *p = fc__sys_proc_of(l, c);
	if (!p)
		return;
	fc_ruleset candidates = l->rules_for[c->nr];
	if (candidates && (!p->maps || fc__sys_maps_unknown(p->maps, c->ip))) {
		free(p->maps);
		p->maps = fc__sys_maps_read(p->tgid, l->shim_dev, l->shim_ino);
	}
	/* the shim's own calls (its trace, its census) and the loader's (it
	 * maps the libraries before the program runs, and for dlopen) are not
	 * the program's */
	if (candidates && p->maps && fc__sys_not_the_program(p->maps, c->ip))
		candidates = 0;
	if (candidates) {
		c->call_id = call_id_of(c->nr);
		fc__sys_args(c);
		match(l, p, c, candidates);
		if (c->rule >= 0)
			act(l, p, c);
		c->traced = traced(l, c);
		if (c->traced && !(p->maps && fc__sys_describe(p->maps, c->ip, c->caller, sizeof c->caller)))
			c->caller[0] = 0;
		if (c->traced && !(p->maps && fc__sys_site(p->maps, c->ip, c->site, sizeof c->site)))
			c->site[0] = 0;
	}
	if (c->cont && (c->nr == SYS_execve || c->nr == SYS_execveat))
		fc__sys_proc_note_exec(l, p, c->tid);
	if (c->cont && l->lineage && (c->nr == SYS_clone || c->nr == SYS_clone3 || c->nr == SYS_fork || c->nr == SYS_vfork))
		fc__sys_proc_note_fork(l, p, c);
}

void fc__sys_undo(struct fc_syslayer *l, const struct fc_sys_call *c)
{
	if (!fc__sys_proc_valid(l, c->proc, c->gen))
		return;
	struct fc_sys_proc *p = &l->procs[c->proc];
	for (fc_ruleset set = c->matched; set; set &= set - 1) {
		int index = __builtin_ctz(set);
		p->matched[index]--;
		if (index == c->rule)
			p->acted[index]--;
	}
}
