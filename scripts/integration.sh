#!/usr/bin/env bash
# Phase 1 integration: build, run every test under Xvfb (as `make test`
# does), run every benchmark writing JSON, and write the report with
# bench/atrium-report into BUILDDIR/bench/report/ (REPORT.md, REPORT.html,
# index.html: `BUILDDIR/app/atrium --dir BUILDDIR/bench/report` shows it).
#
#   scripts/integration.sh [--quick | --smoke] [--update-baseline] [--no-tests]
#
#   --quick            fewer rounds (CI, a quick look); the full run is what
#                      the report quotes
#   --smoke            one round of everything: proves every benchmark builds
#                      and runs; the gain and the baseline are not checked
#   --update-baseline  rewrite bench/baseline.json from this run
#   --no-tests         skip the test suite (while working on benchmarks)
#
# BUILDDIR (default: build) is the meson build directory. Exits non-zero when
# the build or a test fails, a benchmark fails, the overall gain is under the
# target (25%), or a result's ratio regresses beyond its tolerance against
# bench/baseline.json.
set -uo pipefail

SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILDDIR=${BUILDDIR:-build}
XVFB=(dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp")

# The benchmarks, run inside one Xvfb session: re-entered through here.
if [ "${1:-}" = "--run-benchmarks" ]; then
  results=$2 mode=$3
  benches=${4:-native call assets events load startup bytes transport stream windows}
  export NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory GTK_A11Y=none
  # The web process extension from this build (bench-transport).
  export ATRIUM_WEB_EXTENSIONS_DIR=$ROOT/$BUILDDIR/shell/extension
  case $mode in
    quick) opts=(--quick) ;;
    smoke) opts=(--rounds 1) ;;
    *)     opts=() ;;
  esac
  failed=0
  for bench in $benches; do
    start=$(date +%s)
    echo "== bench-$bench ${opts[*]}"
    "$BUILDDIR/bench/bench-$bench" "${opts[@]}" --json "$results/$bench.json" \
      > "$results/$bench.log" 2>&1
    status=$?
    grep -v -e '^dbus-daemon' -e 'a11y' -e 'Failed to connect to bus' -e '^$' \
      "$results/$bench.log" | sed 's/^/   /'
    echo "   (exit $status, $(( $(date +%s) - start )) s)"
    if [ $status = 77 ]; then
      # Skipped (no display): its categories will lack data, which the
      # report's Overall line then fails on.
      echo "integration: bench-$bench skipped; its log is $results/$bench.log" >&2
      rm -f "$results/$bench.json"
    elif [ $status -ne 0 ]; then
      echo "integration: bench-$bench failed (exit $status); its log is $results/$bench.log" >&2
      rm -f "$results/$bench.json"
      failed=1
    fi
  done
  exit $failed
fi

quick=0 smoke=0 update=0 tests=1
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --smoke) smoke=1 ;;
    --update-baseline) update=1 ;;
    --no-tests) tests=0 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "integration: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
if [ $smoke = 1 ] && [ $update = 1 ]; then
  echo "integration: --smoke measures nothing worth keeping; not with --update-baseline" >&2
  exit 2
fi
mode=full
[ $quick = 1 ] && mode=quick
[ $smoke = 1 ] && mode=smoke

t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }
status=0

echo "== build ($BUILDDIR)"
if [ ! -f "$BUILDDIR/build.ninja" ]; then
  meson setup "$BUILDDIR" || exit 1
fi
meson compile -C "$BUILDDIR" || { echo "integration: the build failed" >&2; exit 1; }

if [ $tests = 1 ]; then
  echo "== tests"
  "${XVFB[@]}" meson test -C "$BUILDDIR" --print-errorlogs
  test_status=$?
  ./scripts/test-summary "$BUILDDIR"
  if [ $test_status -ne 0 ]; then
    echo "integration: tests failed" >&2
    status=1
  fi
  echo "   tests done at $(elapsed)"
fi

results="$BUILDDIR/bench/results"
rm -rf "$results"
mkdir -p "$results"

# Ratios decide, but a busy machine widens every spread: the report says
# how busy it was.
load=$(cut -d' ' -f1 /proc/loadavg)
echo "== benchmarks ($mode; load average $load on $(nproc) CPUs)"
"${XVFB[@]}" "$SELF" --run-benchmarks "$results" "$mode" || status=1

echo "== allocations per call (valgrind DHAT)"
dhat_opts=()
[ $mode = quick ] && dhat_opts=(--quick)
[ $mode = smoke ] && dhat_opts=(50)
bench/dhat-allocs.sh "$BUILDDIR/bench/bench-native" "${dhat_opts[@]}" \
  --json "$results/native-allocs.json"
case $? in
  0) ;;
  77) echo "   skipped: valgrind is not installed (scripts/install-deps installs it)" ;;
  *) echo "integration: dhat-allocs.sh failed" >&2; status=1 ;;
esac
echo "   benchmarks done at $(elapsed)"

echo "== report"
report_opts=(--out "$BUILDDIR/bench/report" --findings bench/FINDINGS.md)
if [ $update = 1 ]; then
  report_opts+=(--write-baseline bench/baseline.json)
elif [ $mode != smoke ]; then
  report_opts+=(--baseline bench/baseline.json)
fi
report_opts+=(--note "Load average $load on $(nproc) CPUs when the benchmarks started; a load above the CPU count makes every spread wider.")
[ $mode = quick ] && report_opts+=(--note "Quick run: fewer rounds than the full run, so wider spreads.")
[ $mode = smoke ] && report_opts+=(--note "Smoke run: one round of everything; the figures prove the benchmarks run, nothing more.")
shopt -s nullglob
jsons=("$results"/*.json)
if [ ${#jsons[@]} = 0 ]; then
  echo "integration: no benchmark results to report" >&2
  exit 1
fi
regressed="$results/regressed.txt"
regressed_rows="$results/regressed-rows.txt"
bench/atrium-report "${report_opts[@]}" --regressed-out "$regressed" \
  --regressed-rows-out "$regressed_rows" "${jsons[@]}"
report_status=$?

# A shared machine makes any one run noisy: a benchmark with a regressed row
# runs once more and the report is written again from the new figures; only
# a row that regresses both times fails (another row of the same benchmark
# over its tolerance only in the second run is shown as noise). DHAT's
# counts are exact: no retry.
retry=$(grep -v '^native-allocs$' "$regressed" 2>/dev/null | tr '\n' ' ')
if [ $report_status -ne 0 ] && [ -n "${retry// /}" ] && [ $mode != smoke ]; then
  echo "== retrying regressed benchmarks: $retry"
  "${XVFB[@]}" "$SELF" --run-benchmarks "$results" "$mode" "$retry" || status=1
  jsons=("$results"/*.json)
  bench/atrium-report "${report_opts[@]}" --suspects "$regressed_rows" "${jsons[@]}"
  report_status=$?
fi
if [ $report_status -ne 0 ]; then
  if [ $mode = smoke ] && [ $report_status = 1 ]; then
    echo "   (smoke run: the gain and regressions are not checked)"
  else
    status=1
  fi
fi

echo "== integration ($mode) finished in $(elapsed): $([ $status = 0 ] && echo PASS || echo FAIL)"
echo "   report: $ROOT/$BUILDDIR/bench/report/REPORT.html"
exit $status
