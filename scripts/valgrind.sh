#!/bin/sh
# make valgrind: the test targets run under the shim inside valgrind's
# memcheck, each with a plan that makes the shim act (an error, a delay, a
# signal, at=inside, caller=, lib=, prob=...) and a trace, so that every
# part of the shim runs: the constructor, the wrappers, the engine, the
# actions, the trace writer, the fork and exec paths, the exit line.
# Any memcheck error (an invalid read or write, a use of an uninitialised
# value, a bad free, a definite leak) fails the run: the shim must be
# clean, and our targets too.  Children are followed (--trace-children):
# an exec'd program is checked as well.  Exit 0 when every run was clean,
# 1 when one was not, 2 when valgrind or a target is missing.
#
# The shim is preloaded with env inside valgrind (LD_PRELOAD set outside
# would load it into valgrind's own launcher first).  valgrind's launcher
# still gets it when it re-executes itself for an exec'd child, so a trace
# holds its lines too; only the target's lines are checked.
set -u
BUILD=${BUILD:-build}
SHIM=$(pwd)/$BUILD/libforkchaos.so
T=$(pwd)/$BUILD/targets
command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind: valgrind is not installed (apt-get install valgrind; scripts/deps.sh)" >&2
	exit 2
}
for f in "$SHIM" "$T/probe" "$T/life"; do
	[ -e "$f" ] || {
		echo "valgrind: $f is not built (make first)" >&2
		exit 2
	}
done
work=$(mktemp -d /tmp/forkchaos-valgrind-XXXXXX)
trap 'rm -rf "$work"' EXIT
# Every run in a PID namespace of its own, so that what a target leaves
# behind (lineage strays leaves strays on purpose, which forkchaos run
# would kill) dies with it; where namespaces are not allowed (not root),
# what is left of our targets is killed by name after each run.  Each run
# is bounded in time: a run that hangs is a failure, never a wait.
if unshare --pid --fork --kill-child true 2>/dev/null; then
	contain="unshare --pid --fork --kill-child"
else
	contain=""
fi

# name|plan (- for none)|command after $BUILD/targets/|the call its trace must show
RUNS='pipe2-error|pipe2:when=2:error=EMFILE|probe pipe2 5|pipe2
fork-child-counts|fork:when=2:error=EAGAIN;pipe2:proc=child:when=2:error=EMFILE|probe fork 3 2|fork
inside-signal|sigaction:sig=SIGCHLD:at=inside:signal=SIGCHLD|probe inside|sigaction
errno-malloc|malloc:when=999999:error=ENOMEM|probe errno|pipe2
vfork-delay|vfork:delay=1ms|probe vfork|vfork
threads-prob|pipe2:prob=0.3:seed=5:error=EMFILE|probe threads 3|pipe2
spawn|posix_spawn:delay_exit=1ms|probe spawn|posix_spawn
spawnwait|-|probe spawnwait|posix_spawn
handler-signal|pipe:signal=SIGUSR1|probe handler|pipe
caller|pipe:caller=from_alpha:error=EMFILE|probe caller 2|pipe
lib|pipe:lib=libfcprobe:error=ENFILE|probe lib '"$T"'/libfcprobe.so|pipe
syscall-nr|syscall:nr=3:error=EBADF;sys_getppid:delay=1us|probe sys|syscall
close-exit|close:at=exit:error=EINTR|probe closeexit|close
fd-selector|close:fd=1001:error=EBADF|probe fdsel|close
prob-dup|dup:prob=0.5:seed=11:error=EMFILE|probe prob 20|dup
dispositions|sigaction:sig=SIGCHLD:delay=1us|life dispositions|sigaction
atfork|pipe2:when=4:error=EMFILE|life atfork|pipe2
waits|waitpid:when=1:delay=1ms|life waits|waitpid
forks|fork:when=3:error=EAGAIN|life forks 4|fork
strays|-|lineage strays|fork
execve|execve:delay=1us|calls2 execve|exec
sockets|socket:when=2:error=EMFILE|netcalls socket 3|socket
longcaller|pipe:delay=1us|stress longcaller|pipe
stripped|pipe2:when=1:error=EMFILE|stress-stripped altstack|sigaction'
# VALGRIND_RUNS: other lines of the same form instead (to try one program)
RUNS=${VALGRIND_RUNS:-$RUNS}

echo "valgrind: each test target under the shim, inside memcheck"
failed=0
count=0
while IFS='|' read -r name plan cmd call; do
	count=$((count + 1))
	trace=$work/$name.jsonl
	log=$work/$name.log
	# shellcheck disable=SC2086 # the command's words split on purpose
	$contain timeout -s KILL 300 valgrind --error-exitcode=99 --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --log-file="$log.%p" \
		env LD_PRELOAD="$SHIM" FORKCHAOS_TRACE="$trace" FORKCHAOS_PLAN="$([ "$plan" = - ] || echo "$plan")" \
		$T/$cmd >"$work/out" 2>&1 </dev/null
	rc=$?
	[ -n "$contain" ] || pkill -KILL -f "$T/" 2>/dev/null
	# each process's own summary: a forked child's errors do not reach
	# the exit status of the first process
	errors=$(cat "$log".* 2>/dev/null | grep -c 'ERROR SUMMARY: [1-9]')
	exe=${cmd%% *}
	seen=$(grep -c "\"call\":\"$call\"" "$trace" 2>/dev/null)
	if [ "$rc" = 137 ]; then
		echo "  $name: did not end within 300 s (killed)"
		failed=$((failed + 1))
	elif [ "$rc" = 99 ] || [ "$errors" -gt 0 ]; then
		echo "  $name: memcheck errors (exit $rc):"
		for f in "$log".*; do
			grep -q 'ERROR SUMMARY: [1-9]' "$f" &&
				grep -v '^==[0-9]*== \(Memcheck\|Copyright\|Using Valgrind\|Parent PID\|$\)' "$f" | sed 's/^/    /' | head -n 60
		done
		failed=$((failed + 1))
	elif [ "${seen:-0}" -eq 0 ]; then
		echo "  $name: the trace has no $call line: the shim did not run in $exe (exit $rc)"
		tail -n 5 "$work/out" | sed 's/^/    /'
		failed=$((failed + 1))
	else
		echo "  $name: clean ($seen $call lines)"
	fi
	rm -f "$log".*
done <<RUNS_END
$RUNS
RUNS_END
echo "valgrind: $((count - failed)) of $count runs clean"
[ "$failed" -eq 0 ]
