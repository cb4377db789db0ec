#!/bin/sh
# make fuzz-replay (and make check): each fuzz target NAME run once on every
# input of fuzz/corpus/NAME/ and, when a campaign saved any,
# fuzz/crashes/NAME/ (an input there fails until it is fixed and moved into
# the corpus).  No fuzzing, no clang: the targets as built by the ordinary
# compiler with SAN=, linked with fuzz/replay.c.  Exit 1 if any failed.
# No NAME given: every target with a corpus.
set -u
BUILD=${BUILD:-build}
[ $# -gt 0 ] || set -- $(ls fuzz/corpus)
failed=0
total=0
for name in "$@"; do
	bin=$BUILD/fuzz-replay/$name
	inputs=fuzz/corpus/$name
	if [ -d "fuzz/crashes/$name" ] && [ -n "$(ls "fuzz/crashes/$name")" ]; then
		inputs="$inputs fuzz/crashes/$name"
	fi
	# shellcheck disable=SC2086
	if out=$("$bin" $inputs 2>&1); then
		n=$(echo "$out" | sed -n 's/.*: \([0-9]*\) inputs replayed$/\1/p')
		total=$((total + ${n:-0}))
		echo "fuzz-replay: $name: ${n:-?} inputs"
	else
		echo "$out" | tail -n 40
		echo "FAILED: fuzz-replay: $name (replay one input: $bin FILE)" >&2
		failed=1
	fi
done
echo "fuzz-replay: $total inputs, $([ "$failed" = 0 ] && echo "every target held" || echo "a target FAILED")"
exit "$failed"
