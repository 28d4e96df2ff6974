#!/usr/bin/env bash
# Where a fresh clone's `make test` spends its time, in CPU seconds (user +
# sys, which a machine busy with other work disturbs far less than wall time;
# a parallel build on two cores takes about CPU / 2 of wall).
#
#   scripts/build_times.sh [--top N] [--no-run] [--no-loop] [--every K] [VARIANT...]
#
# VARIANTs are float, double, asan (default: all three). The tracked files of
# this working tree (edits included, untracked files not) are copied to a
# scratch folder and built there from nothing with ccache off, through
# scripts/time_cxx.sh, which logs every compile and link. Then, unless
# --no-run, each suite runs as `make test` runs it (scripts/run_tests.sh,
# the browser suite too when all three variants are asked for), and Catch2's
# slowest test cases of each are listed. Then, unless --no-loop, the one-loss
# loop of notes/adding-a-loss.md: one character added to losses/arcface.cpp,
# then `make test-VARIANT T='[arcface],[generic]'`, for each variant.
# Prints a table; the scratch folder is removed at the end.
#
# --every K compiles only every K-th object of the library and the tests (in
# the Makefile's order) of each variant, nothing else, and prints the sample's
# totals and those totals times K, an estimate marked as one: for comparing
# two trees on a machine too busy for the whole build.
set -u
cd "$(dirname "$0")/.."
top=12; run=1; loop=1; every=0; variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --top) top=$2; shift ;;
    --no-run) run=0 ;;
    --no-loop) loop=0 ;;
    --every) every=$2; shift
             [[ $every =~ ^[1-9][0-9]*$ ]] || { echo "build_times.sh: --every takes a whole number >= 1, not '$every'" >&2; exit 2; } ;;
    float|double|asan) variants+=("$1") ;;
    *) echo "build_times.sh: unknown argument '$1' (--top N, --no-run, --no-loop, --every K, float, double, asan)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#variants[@]} -eq 0 ] && variants=(float double asan)
here=$PWD
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fg-build-times.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$scratch"
# The scripts that measure come from this tree even if not yet committed.
cp scripts/time_cxx.sh scripts/run_tests.sh "$scratch/scripts/"
cd "$scratch"
log=$scratch/times.log; : > "$log"
export CCACHE_DISABLE=1 FG_TIME_LOG=$log
CXXW="$scratch/scripts/time_cxx.sh g++"

# cpu_of CMD...: runs CMD, prints "CPU WALL" of it and its children.
cpu_of() {
  local t; t=$(mktemp)
  /usr/bin/time -f '%U %S %e' -o "$t" "$@" > "$scratch/last.out" 2>&1
  local rc=$?
  awk '{ printf "%.1f %.1f\n", $1 + $2, $3 }' < <(tail -1 "$t"); rm -f "$t"
  return $rc
}

echo "facegrad build times: $(git -C "$here" rev-parse --short HEAD 2>/dev/null)$(git -C "$here" diff --quiet 2>/dev/null || echo ' + edits'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "g++ $(g++ -dumpfullversion), ccache off; CPU = user + sys seconds"
if [ "$every" -gt 0 ]; then
  targets=()
  for v in "${variants[@]}"; do
    targets+=($(make -s --eval='objs: ; @echo $(call lib_objs,$(V)) $(call test_objs,$(V))' objs V="$v" |
                tr ' ' '\n' | awk -v k="$every" 'NR % k == 1'))
  done
  read -r cpu wall < <(cpu_of make -k CXX="$CXXW" "${targets[@]}")
  echo "sample: every $every-th object, ${#targets[@]} in all: $cpu s CPU, $wall s wall"
  for v in "${variants[@]}" other; do
    awk -v v="$v" -v k="$every" '$1 == "compile" && $2 == v { n++; s += $3 }
      END { if (n) printf "  %-7s %4d files %8.1f s CPU, times %d = %.0f s (an estimate)\n", v, n, s, k, s * k }' "$log"
  done
  for v in "${variants[@]}"; do
    echo "  sampled files, $v:"
    awk -v v="$v" '$1 == "compile" && $2 == v { printf "    %7.2f  %s\n", $3, $4 }' "$log"
  done
  exit 0
fi
targets=(all); for v in "${variants[@]}"; do targets+=("build/test-$v"); done
read -r cpu wall < <(cpu_of make CXX="$CXXW" "${targets[@]}")
[ -x build/test-${variants[0]} ] || { echo "build failed:"; tail -30 "$scratch/last.out"; exit 1; }
echo "whole build (programs + ${variants[*]} suites): $cpu s CPU, $wall s wall"

echo
echo "== compile, per variant (CPU s)"
for v in float double asan other; do
  awk -v v="$v" '$1 == "compile" && $2 == v { n++; s += $3 }
    END { if (n) printf "  %-7s %4d files %8.1f s  (mean %.2f s)\n", v, n, s, s / n }' "$log"
done
for v in "${variants[@]}"; do
  echo "  slowest $top files, $v:"
  awk -v v="$v" '$1 == "compile" && $2 == v { print $3, $4 }' "$log" | sort -rn | head -"$top" |
    awk '{ printf "    %7.2f  %s\n", $1, $2 }'
  awk -v v="$v" '$1 == "compile" && $2 == v {
      dir = $4; sub(/\/[^\/]*$/, "", dir); s[dir] += $3; n[dir]++ }
    END { for (d in s) printf "    %7.1f  %s/ (%d files)\n", s[d], d, n[d] }' "$log" | sort -rn | sed 's/^/  by folder /'
done
echo
echo "== link (CPU s)"
awk '$1 == "link" && $2 ~ /^test-/ { printf "  %-12s %6.2f\n", $2, $3 }' "$log"
awk '$1 == "link" && $2 !~ /^test-/ { n++; s += $3 } END { if (n) printf "  %d programs  %6.2f\n", n, s }' "$log"

if [ "$run" = 1 ]; then
  echo
  echo "== suite runs, as make test runs them (CPU s, wall s)"
  suites=("${variants[@]}"); [ ${#variants[@]} -eq 3 ] && suites+=(browser)
  for v in "${suites[@]}"; do
    read -r cpu wall < <(FG_DURATIONS=$scratch/dur cpu_of scripts/run_tests.sh "$v")
    result=$(grep -E '^ *[a-z]+: [0-9]+ passed' "$scratch/last.out" | tail -1 | sed 's/^ *//')
    printf '  %-8s %8.1f CPU %7.1f wall   %s\n' "$v" "$cpu" "$wall" "$result"
  done
  for v in "${variants[@]}"; do
    [ -s "$scratch/dur.$v" ] || continue
    echo "  slowest $top test cases, $v (Catch2, wall s):"
    sort -rn "$scratch/dur.$v" | head -"$top" | sed 's/^ */    /'
  done
fi

if [ "$loop" = 1 ]; then
  echo
  echo "== one-loss loop: a one-character edit of losses/arcface.cpp, then make test-VARIANT T='[arcface],[generic]'"
  for v in "${variants[@]}"; do
    : > "$log"
    echo "// $v" >> losses/arcface.cpp
    read -r cpu wall < <(cpu_of make CXX="$CXXW" "test-$v" T='[arcface],[generic]')
    result=$(grep -E '^ *[a-z]+: [0-9]+ passed' "$scratch/last.out" | tail -1 | sed 's/^ *//')
    c=$(awk '$1 == "compile" { s += $3 } END { printf "%.1f", s }' "$log")
    l=$(awk '$1 == "link" { s += $3 } END { printf "%.1f", s }' "$log")
    printf '  %-7s %6.1f CPU %6.1f wall  (compile %s, link %s, rest = the run)   %s\n' "$v" "$cpu" "$wall" "$c" "$l" "$result"
  done
fi
