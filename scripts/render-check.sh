#!/bin/sh
# What tests/test_report_*.c ask of a real HTML parser and a real browser:
#   render-check.sh parse FILE         parse FILE as HTML5, strictly (python3's
#                                      html5lib; else xmllint --html): exit 1 and
#                                      the first error on any parse error
#   render-check.sh shot FILE PNG W,H  Debian's chromium, headless: a screenshot
#   render-check.sh dom FILE OUT       chromium's DOM after loading FILE, into OUT
# RENDER_CHECK_PARSER=xmllint takes xmllint even where html5lib is there.
# Exit 77: the tool is not installed (the test says so on its own line and
# skips).  Chromium gets a profile of its own per call, so that two tests can
# run it at once, and no network: the report must open offline.
set -u
what=${1:-}
file=${2:-}
[ -n "$what" ] && [ -n "$file" ] || {
	echo "usage: render-check.sh parse FILE | shot FILE PNG W,H | dom FILE OUT" >&2
	exit 2
}

# html5lib comes with Debian's python3-html5lib, for /usr/bin/python3; a
# python3 earlier on PATH (a virtualenv) may not have it.
html5lib_python() {
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import html5lib' 2>/dev/null; then
			echo "$py"
			return 0
		fi
	done
	return 1
}

chromium_run() {
	command -v chromium >/dev/null 2>&1 || {
		echo "chromium is not installed (apt-get install chromium)" >&2
		exit 77
	}
	profile=$(mktemp -d)
	# --no-sandbox: as root (CI) chromium refuses to start otherwise
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--disable-background-networking --disable-extensions --mute-audio --user-data-dir="$profile" \
		"$@" 2>"$profile.log"
	rc=$?
	[ "$rc" -ne 0 ] && cat "$profile.log" >&2
	rm -rf "$profile" "$profile.log"
	return "$rc"
}

url="file://$(realpath "$file")"
case "$what" in
parse)
	if [ "${RENDER_CHECK_PARSER:-}" != xmllint ] && py=$(html5lib_python); then
		exec "$py" - "$file" <<'EOF'
import sys, html5lib
parser = html5lib.HTMLParser(strict=True)
try:
    with open(sys.argv[1], "rb") as f:
        parser.parse(f)
except html5lib.html5parser.ParseError as e:
    pos = parser.errors[0][0] if parser.errors else "?"
    print(f"{sys.argv[1]}: not well-formed HTML at line/column {pos}: {e}", file=sys.stderr)
    sys.exit(1)
print(f"{sys.argv[1]}: well-formed (html5lib, strict)")
EOF
	fi
	command -v xmllint >/dev/null 2>&1 || {
		echo "no HTML parser: neither python3's html5lib (apt-get install python3-html5lib) nor xmllint" >&2
		exit 77
	}
	# libxml2's HTML parser is HTML 4's: HTML5's sectioning elements are
	# "invalid" to it and nothing else is to be forgiven
	errors=$(xmllint --html --noout "$file" 2>&1 | grep 'parser error' |
		grep -v -E 'Tag (header|nav|main|section|figure|figcaption|footer) invalid')
	if [ -n "$errors" ]; then
		echo "$file: not well-formed HTML (xmllint --html): $errors" >&2
		exit 1
	fi
	echo "$file: well-formed (xmllint --html)"
	;;
shot)
	chromium_run --screenshot="$3" --window-size="${4:-1200,2000}" "$url" >/dev/null
	;;
dom)
	chromium_run --dump-dom "$url" >"$3"
	;;
*)
	echo "render-check.sh: unknown '$what'; expected parse, shot or dom" >&2
	exit 2
	;;
esac
