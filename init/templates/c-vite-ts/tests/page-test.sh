#!/bin/sh
# Opens the app's page (under the X server `make test` gives it), checks
# that a call went to C and back, and that the screenshot is a PNG of the
# window's size.
#   sh tests/page-test.sh APP NAME
set -eu

app=$1
name=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
png=$dir/page.png

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

out=$("$app" --log-console --screenshot "$png") || fail "$app exited with status $?"
printf '%s\n' "$out"

case $out in
  *"$name ready: call ok (Hello, page, from C!)"*) ;;
  *) fail "the page did not log its call round trip" ;;
esac

[ -s "$png" ] || fail "no screenshot at $png"
# The PNG signature, then IHDR's width and height (big-endian, bytes 16-23).
signature=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
[ "$signature" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
size=$(od -An -tu1 -j16 -N8 "$png" | tr -s ' \n' ' ')
set -- $size
width=$(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 ))
height=$(( ($5 << 24) + ($6 << 16) + ($7 << 8) + $8 ))
[ "$width" -eq 800 ] && [ "$height" -eq 600 ] \
  || fail "the screenshot is ${width}x${height}, not the window's 800x600"
echo "ok: call round trip, screenshot ${width}x${height}"
