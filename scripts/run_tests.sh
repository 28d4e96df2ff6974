#!/usr/bin/env bash
# Runs the Catch2 suites and ends with one line: "N passed, N failed".
#   run_tests.sh all            float, double and sanitizer suites
#   run_tests.sh VARIANT [TAGS] one suite, optionally filtered by Catch2 tags
#   run_tests.sh browser        explorer.html in headless Chromium (also part of all)
#   run_tests.sh report DIR     what `make test` prints at the end: the output
#                               of each suite, run on its own into DIR/SUITE.txt
#                               (exit code in DIR/SUITE.rc), in the order of all
# Tests tagged [slow] run in the float suite only (they train networks).
# FG_DURATIONS=PREFIX keeps Catch2's time of every test case (wall seconds)
# in PREFIX.VARIANT (scripts/build_times.sh uses it).
set -u
cd "$(dirname "$0")/.."
mode=${1:-all}; shift || true
filter=("$@")
if [ "$mode" = report ]; then
  [ $# -ge 1 ] || { echo "run_tests.sh report DIR: DIR, the folder of the suites' output, is missing" >&2; exit 2; }
  dir=$1
  passed=0; failed=0; status=0
  for v in float double asan browser; do
    if [ ! -s "$dir/$v.txt" ] || [ ! -s "$dir/$v.rc" ]; then
      echo "   $v suite did not run: no $dir/$v.txt and $dir/$v.rc"; failed=$((failed + 1)); status=1; continue
    fi
    # The suite's own closing total is left out: the total of all is below.
    grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$dir/$v.txt"
    line=$(grep -E "^ +$v: [0-9]+ passed, [0-9]+ failed" "$dir/$v.txt" | tail -1)
    if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then p=${BASH_REMATCH[1]}; f=${BASH_REMATCH[2]}; else p=0; f=1; fi
    [ "$(cat "$dir/$v.rc")" != 0 ] && [ "$f" -eq 0 ] && { f=1; echo "   $v suite exited with $(cat "$dir/$v.rc")"; }
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -ne 0 ] && status=1
  done
  echo "$passed passed, $failed failed"
  exit $status
fi
case "$mode" in
  all) variants=(float double asan browser) ;;
  float|double|asan|browser) variants=("$mode") ;;
  *) echo "run_tests.sh: unknown suite '$mode' (float, double, asan, browser, all, report DIR)" >&2; exit 2 ;;
esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
# Threads that wait yield their core: the suites stay quick on a busy machine.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
passed=0; failed=0; status=0
for v in "${variants[@]}"; do
  if [ "$v" = browser ]; then
    # Trains two tiny runs, opens their explorer.html in headless Chromium;
    # prints its own "browser: P passed, F failed".
    echo "== browser suite"
    start=$(date +%s)
    log=$(mktemp)
    python3 tests/browser/explorer_test.py 2>&1 | tee "$log" | grep -vE '^  ok '
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then p=${BASH_REMATCH[1]}; f=${BASH_REMATCH[2]}; else p=0; f=1; fi
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    echo "   browser: $p passed, $f failed ($(( $(date +%s) - start )) s)"
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -ne 0 ] && status=1
    rm -f "$log"
    continue
  fi
  args=("${filter[@]}")
  if [ ${#args[@]} -eq 0 ] && [ "$v" != float ]; then args=("~[slow]"); fi
  timing=(); [ -n "${FG_DURATIONS:-}" ] && timing=(--durations yes)
  log=$(mktemp)
  echo "== $v suite ${args[*]:-}"
  start=$(date +%s)
  build/test-$v "${args[@]}" "${timing[@]}" 2>&1 | tee "$log" | grep -vE '^(=+|-+)$' | grep -E 'FAILED|failed|passed|error|Error|ERROR|SUMMARY' | head -60
  rc=${PIPESTATUS[0]}
  [ -n "${FG_DURATIONS:-}" ] && grep -E '^ *[0-9.]+ s: ' "$log" > "$FG_DURATIONS.$v"
  # Catch2 closes with "All tests passed (A assertions in N test cases)" or
  # "test cases: N | P passed | F failed | E failed as expected"; a known
  # failure ([!mayfail]) that fails is counted apart, not as a failure.
  line=$(grep -E '^(All tests passed|test cases:)' "$log" | tail -1)
  expected=0
  if [[ $line =~ All\ tests\ passed.*in\ ([0-9]+)\ test\ case ]]; then
    p=${BASH_REMATCH[1]}; f=0
  elif [[ $line =~ ^test\ cases: ]]; then
    p=0; f=0
    [[ $line =~ \|\ +([0-9]+)\ passed ]] && p=${BASH_REMATCH[1]}
    [[ $line =~ \|\ +([0-9]+)\ failed\ as\ expected ]] && expected=${BASH_REMATCH[1]}
    [[ $line =~ \|\ +([0-9]+)\ failed$ || $line =~ \|\ +([0-9]+)\ failed\ \| ]] && f=${BASH_REMATCH[1]}
  else
    p=0; f=1; echo "   $v suite ended without a Catch2 summary (crash?), exit code $rc"; tail -20 "$log"
  fi
  # Each failure in full, with Catch2's expansion and messages (a gradient
  # check's worst entry, say), under the name of its test case.
  if [ "$f" -ne 0 ]; then
    echo "   $v failures in full:"
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /FAILED|[Ee]rror/ { if (prev ~ /^-+\n/ && prev != shown) { print prev; shown = prev }; print }
         { prev = $0 }' "$log" | head -300
  fi
  [ "$expected" -gt 0 ] && echo "   $v: $expected known failure(s) tagged [!mayfail] failed as expected"
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { f=1; echo "   $v suite exited with $rc"; tail -20 "$log"; }
  echo "   $v: $p passed, $f failed ($(( $(date +%s) - start )) s)"
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -ne 0 ] && status=1
  rm -f "$log"
done
echo "$passed passed, $failed failed"
exit $status
