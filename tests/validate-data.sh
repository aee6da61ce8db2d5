#!/bin/sh
# Validates the desktop integration files in the data directory given as $1,
# printing TAP. A validator that is not installed is a skip that says so, never
# a silent pass.
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 DATA_DIR" >&2
  exit 2
fi

data_dir=$1
app_id=dev.atrium.Atrium
desktop=$data_dir/$app_id.desktop
metainfo=$data_dir/$app_id.metainfo.xml
icon=$data_dir/$app_id.svg

n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok () {
  n=$((n + 1))
  echo "not ok $n - $1"
  failed=1
}

skip () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

have () {
  command -v "$1" >/dev/null 2>&1
}

# Runs a command as one test; its output follows as TAP diagnostics, so a
# failure shows why and a pass shows any hints.
check () {
  description=$1
  shift
  if output=$("$@" 2>&1); then
    ok "$description"
  else
    not_ok "$description"
  fi
  if [ -n "$output" ]; then
    printf '%s\n' "$output" | sed 's/^/# /'
  fi
}

echo "1..4"

if have desktop-file-validate; then
  check "desktop-file-validate $app_id.desktop" desktop-file-validate "$desktop"
else
  skip "desktop-file-validate $app_id.desktop" "desktop-file-validate is not installed"
fi

if have appstreamcli; then
  check "appstreamcli validate $app_id.metainfo.xml" \
    appstreamcli validate --no-net "$metainfo"
else
  skip "appstreamcli validate $app_id.metainfo.xml" "appstreamcli is not installed"
fi

# Well-formed, and an <svg> document rather than some other XML.
if have xmllint; then
  check "$app_id.svg is well-formed SVG" \
    sh -c 'test "$(xmllint --nonet --xpath "local-name(/*)" "$1")" = svg' sh "$icon"
elif have python3; then
  check "$app_id.svg is well-formed SVG" \
    python3 -c 'import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
sys.exit(root.tag != "{http://www.w3.org/2000/svg}svg")' "$icon"
else
  skip "$app_id.svg is well-formed SVG" "neither xmllint nor python3 is installed"
fi

# The three files must name each other, or the icon and the store entry do not
# attach to the launcher. Plain shell: this one never needs to skip.
names_agree () {
  grep -qx "Icon=$app_id" "$desktop" &&
    grep -q "<id>$app_id</id>" "$metainfo" &&
    grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" &&
    test -s "$icon"
}
if names_agree; then
  ok "desktop file, metainfo and icon agree on $app_id"
else
  not_ok "desktop file, metainfo and icon agree on $app_id"
fi

exit $failed
