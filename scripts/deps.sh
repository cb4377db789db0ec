#!/bin/sh
# Install the Debian packages forkchaos needs, when they are missing.
# As root: apt-get installs them.  Otherwise: print the exact command, fail.
# `deps.sh deb`: also what building the Debian package takes (make deb).
set -eu
PACKAGES="build-essential pkg-config clang-format libcriterion-dev gnuplot-nox libuv1-dev libunwind-dev python3 libjemalloc2 libgoogle-perftools4 faketime clang libclang-rt-dev valgrind parallel zlib1g-dev python3-html5lib libseccomp-dev scdoc groff-base"
if [ "${1:-}" = deb ]; then
	PACKAGES="$PACKAGES debhelper dpkg-dev fakeroot lintian git"
fi
# Wanted, not needed: the report's render test runs where chromium is, the
# build-system and CI recipes' tests (docs/) where meson, cmake, autotools
# and python3-yaml are; each says on its own line why it skipped where its
# tool is not; make bench's peers (fiu-utils' fiu-run, strace), whose rows
# say "not installed" without them.  Installed as root.
OPTIONAL="chromium meson cmake automake autoconf python3-yaml fiu-utils strace"
missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
optional=""
for pkg in $OPTIONAL; do
	case "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" in
	*"install ok installed"*) ;;
	*) optional="$optional $pkg" ;;
	esac
done
[ -z "$missing$optional" ] && exit 0
if [ "$(id -u)" != 0 ] && [ -z "$missing" ]; then
	echo "forkchaos: not installed (optional; its tests are skipped):$optional (sudo apt-get install -y$optional)" >&2
	exit 0
fi
missing="$missing$optional"
if [ "$(id -u)" != 0 ]; then
	echo "forkchaos: missing Debian packages:$missing" >&2
	echo "forkchaos: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 2
fi
echo "forkchaos: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
