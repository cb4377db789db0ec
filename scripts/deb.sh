#!/bin/sh
# The Debian packages (debian/), from a clean clone of HEAD: only committed
# files go in, as on a fresh checkout.
#   deb.sh build DIR         clone into DIR/forkchaos, dpkg-buildpackage -us -uc -b
#                            there: DIR/forkchaos_*.deb, libffd1_*, libffd-dev_*
#   deb.sh check DIR PROBE   build, then: the packages hold the tool and the
#                            man pages, lintian reports no error, and the tool
#                            unpacked by dpkg -x into a scratch root runs
#                            PROBE under a plan (the injection happens) and
#                            passes its installed scenarios
# check says on one line why it skipped where the build tools are missing
# (make check-deb; `scripts/deps.sh deb` installs them as root).  Exit: 0
# built (checked, or skipped), 1 a step failed, 2 usage.
set -u
mode=${1:-}
dir=${2:-}
src=$(cd "$(dirname "$0")/.." && pwd)
case "$mode" in
build | check) [ -n "$dir" ] || mode= ;;
esac
if [ -z "$mode" ] || { [ "$mode" = check ] && [ -z "${3:-}" ]; }; then
	echo "usage: deb.sh build DIR | deb.sh check DIR PROBE" >&2
	exit 2
fi

fail() {
	echo "deb: FAILED: $*" >&2
	exit 1
}
skip() {
	echo "deb: skipped: $*"
	exit 0
}

missing=""
for tool in dpkg-buildpackage dh git; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	[ "$mode" = check ] && skip "not installed:$missing (as root: sh scripts/deps.sh deb)"
	fail "not installed:$missing (as root: sh scripts/deps.sh deb)"
fi
git -C "$src" rev-parse --verify -q HEAD >/dev/null || fail "$src is not a git checkout with a commit (the package is built from a clean clone)"

rm -rf "$dir"
mkdir -p "$dir" || fail "cannot make $dir"
dir=$(cd "$dir" && pwd)
git clone -q "$src" "$dir/forkchaos" || fail "git clone $src"
unmet=$(cd "$dir/forkchaos" && dpkg-checkbuilddeps 2>&1) || {
	[ "$mode" = check ] && skip "build dependencies missing: ${unmet#*: } (as root: sh scripts/deps.sh deb)"
	fail "$unmet"
}
started=$(date +%s)
echo "deb: dpkg-buildpackage -us -uc -b in $dir/forkchaos (log: $dir/build.log)"
if ! (cd "$dir/forkchaos" && dpkg-buildpackage -us -uc -b) >"$dir/build.log" 2>&1; then
	tail -n 30 "$dir/build.log" >&2
	fail "dpkg-buildpackage (the whole log: $dir/build.log)"
fi
version=$(cd "$dir/forkchaos" && dpkg-parsechangelog -S Version)
echo "deb: built $version in $(($(date +%s) - started)) s:" $(cd "$dir" && ls ./*.deb)
[ "$mode" = build ] && exit 0

# ---- check
deb() {
	set -- "$dir"/"$1"_"$version"_*.deb
	[ -f "$1" ] || fail "no $1"
	echo "$1"
}
tool=$(deb forkchaos) && lib=$(deb libffd1) && dev=$(deb libffd-dev) || exit 1
contents=$dir/contents.txt
dpkg -c "$tool" >"$contents" || fail "dpkg -c $tool"
for file in ./usr/bin/forkchaos ./usr/lib/forkchaos/libforkchaos.so ./usr/libexec/forkchaos/ffdriver ./usr/libexec/forkchaos/uvdriver \
	./usr/share/forkchaos/scenarios/torn-oldact.scn ./usr/share/forkchaos/scenarios/libuv/uv-spawn.scn \
	./usr/share/forkchaos/scenarios/real/py_popen_retry.py ./usr/share/forkchaos/plots.sh \
	./usr/share/man/man1/forkchaos.1.gz ./usr/share/man/man5/forkchaos-scenario.5.gz \
	./usr/share/man/man7/forkchaos-plan.7.gz ./usr/share/bash-completion/completions/forkchaos; do
	grep -q " $file\$" "$contents" || fail "$(basename "$tool") has no $file"
done
dpkg -c "$dev" >"$contents" && grep -q ' ./usr/share/man/man3/libffd.3.gz$' "$contents" ||
	fail "$(basename "$dev") has no libffd(3)"
dpkg -c "$lib" >"$contents" && grep -q ' ./usr/lib/[^/]*/libffd.so.1$' "$contents" ||
	fail "$(basename "$lib") has no libffd.so.1"
echo "deb: the packages hold the tool, the shim, drivers, scenarios, plot scripts, man pages and completion"

if command -v lintian >/dev/null 2>&1; then
	lintian --fail-on error "$dir"/forkchaos_"$version"_*.changes >"$dir/lintian.txt" 2>&1 || {
		cat "$dir/lintian.txt" >&2
		fail "lintian reported errors"
	}
	echo "deb: lintian: no error ($(grep -c '^W:' "$dir/lintian.txt") warnings; $dir/lintian.txt)"
else
	echo "deb: lintian: skipped: not installed (apt-get install lintian)"
fi

root=$dir/root
for pkg in "$tool" "$lib" "$dev"; do
	dpkg -x "$pkg" "$root" || fail "dpkg -x $pkg"
done
probe=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
[ -x "$probe" ] || fail "$3: no probe (make $3)"
out=$(cd "$dir" && env -u FORKCHAOS_SHIM -u FORKCHAOS_SCRIPTS -u FORKCHAOS_PLAN \
	"$root/usr/bin/forkchaos" run --plan 'pipe2:when=2:error=EMFILE' -- "$probe" pipe2 3 2>&1)
echo "$out" | grep -q '^pipe2 2 -1 EMFILE$' || fail "the unpacked forkchaos run did not inject: $out"
echo "deb: the unpacked forkchaos run injected: $(echo "$out" | grep '^pipe2 2 ')"
out=$(cd "$dir" && env -u FORKCHAOS_SHIM "$root/usr/bin/forkchaos" check -j 2 --repeat 1 --out "$dir/results" \
	"$root/usr/share/forkchaos/scenarios" 2>&1) || fail "the unpacked check failed: $(echo "$out" | tail -n 5)"
echo "deb: the unpacked check: $(echo "$out" | grep '^check: [0-9]* passed')"
# its plan names a static function of the driver: the symbols were kept
out=$(cd "$dir" && "$root/usr/bin/forkchaos" check --matrix --repeat 1 --filter close-eintr-retry --out "$dir/results" \
	"$root/usr/share/forkchaos/scenarios" 2>&1)
echo "$out" | grep -q '^mutation score 1/' || fail "the unpacked matrix did not catch close-eintr-retry: $(echo "$out" | tail -n 5)"
echo "deb: the unpacked matrix: close-eintr-retry caught, by a caller= of the driver's symbols"
[ "$("$root/usr/bin/forkchaos" --version)" = "forkchaos $version" ] ||
	fail "forkchaos --version is not the package's $version: $("$root/usr/bin/forkchaos" --version)"
echo "deb: passed"
