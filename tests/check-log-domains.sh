#!/bin/sh
# Every C file of libatrium (shell/, given as $1) names its log domain, one
# of the Atrium-* parts, and that domain is in the one list README.md ($2)
# and shell/meson.build give. Prints TAP.
set -u

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -f "$2" ]; then
  echo "usage: $0 SHELL_DIR README" >&2
  exit 2
fi

shell_dir=$1
readme=$2
n=0
failed=0

for f in "$shell_dir"/*.c; do
  n=$((n + 1))
  name=${f##*/}
  domain=$(sed -n 's/^#define G_LOG_DOMAIN "\(Atrium-[A-Za-z]*\)"$/\1/p' "$f" | head -n 1)
  if [ -z "$domain" ]; then
    echo "not ok $n - $name defines no Atrium-* log domain"
    failed=1
  elif ! grep -q "\`$domain\`" "$readme"; then
    echo "not ok $n - $name logs as $domain, which README.md does not list"
    failed=1
  elif ! grep -q "^#   $domain " "$shell_dir/meson.build"; then
    echo "not ok $n - $name logs as $domain, which shell/meson.build does not list"
    failed=1
  else
    echo "ok $n - $name logs as $domain"
  fi
done
echo "1..$n"
exit $failed
