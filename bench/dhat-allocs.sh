#!/bin/sh
# Heap allocations per native dispatch, optimized against naive, counted by
# valgrind's DHAT: `bench-native --dispatch-only MODE N` runs one loop N
# times. Each mode runs twice, with N and 2N calls, and the difference is
# divided by N, so start-up and pool warm-up cancel out.
#
#   dhat-allocs.sh BENCH_NATIVE [N] [--json FILE] [--quick]
set -eu

bench=$1
shift
n=500
json=
while [ $# -gt 0 ]; do
  case $1 in
    --json) json=$2; shift 2 ;;
    --quick) n=200; shift ;;
    --rounds) shift 2 ;;
    *) n=$1; shift ;;
  esac
done

if ! command -v valgrind >/dev/null 2>&1; then
  echo "dhat-allocs: valgrind is not installed; skipping" >&2
  exit 77
fi

# Prints "BLOCKS BYTES" for one run.
totals() {
  valgrind --tool=dhat --dhat-out-file=/dev/null \
      "$bench" --dispatch-only "$1" "$2" 2>&1 >/dev/null \
    | sed -n 's/^==[0-9]*== Total: *\([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\2 \1/p' \
    | tr -d ,
}

per_call() {
  set -- "$1" $(totals "$1" "$n") $(totals "$1" $((2 * n)))
  # mode blocks1 bytes1 blocks2 bytes2
  awk -v n="$n" -v b1="$2" -v y1="$3" -v b2="$4" -v y2="$5" \
    'BEGIN { printf "%.2f %.1f\n", (b2 - b1) / n, (y2 - y1) / n }'
}

set -- $(per_call naive) $(per_call optimized)
naive_blocks=$1 naive_bytes=$2 opt_blocks=$3 opt_bytes=$4

echo "# native dispatch, small call message: heap allocations per call (valgrind DHAT, N=$n)"
printf '%-34s %12s %12s %9s\n' "case" "baseline" "optimized" "ratio"
# Parenthesised: a bare `>` in an awk print is a redirection.
awk -v nb="$naive_blocks" -v ob="$opt_blocks" -v ny="$naive_bytes" -v oy="$opt_bytes" 'BEGIN {
  printf "%-34s %12.2f %12.2f %8.2fx\n", "allocations per call (blocks)", nb, ob,
         (ob > 0 ? nb / ob : 0)
  printf "%-34s %12.1f %12.1f %8.2fx\n", "bytes allocated per call", ny, oy,
         (oy > 0 ? ny / oy : 0)
}'

# The schema of bench-results.h: one measurement per side, so rounds is 1
# and the spread is the ratio itself.
if [ -n "$json" ]; then
  awk -v nb="$naive_blocks" -v ob="$opt_blocks" -v ny="$naive_bytes" -v oy="$opt_bytes" -v n="$n" '
    function row(name, unit, base, opt, last,   r) {
      r = base > 0 ? opt / base : 0
      printf "    {\"category\": \"memory\", \"name\": \"%s\", \"kind\": \"optimization\",\n", name
      printf "     \"baseline_label\": \"json-glib + hash table\", \"optimized_label\": \"Atrium bridge path\",\n"
      printf "     \"baseline\": %s, \"optimized\": %s, \"unit\": \"%s\", \"ratio\": %.4f,\n", base, opt, unit, r
      printf "     \"spread\": [%.4f, %.4f], \"iqr\": [%.4f, %.4f], \"rounds\": 1}%s\n", r, r, r, r, last ? "" : ","
    }
    BEGIN {
      printf "{\"bench\": \"native-allocs\", \"quick\": false, \"results\": [\n"
      row("dispatch allocations per call (DHAT, N=" n ")", "allocs/call", nb, ob, 0)
      row("dispatch bytes allocated per call (DHAT, N=" n ")", "bytes/call", ny, oy, 1)
      printf "]}\n"
    }' > "$json"
fi
