#!/usr/bin/env bash
# What a fresh clone's `make test` costs when the compiler cache is empty,
# and whether a second clone then finds every object in the cache.
#
#   scripts/fresh_clone_time.sh [--second] [--keep] [TARGET...]   (default TARGET: test)
#
# Clones the committed HEAD of this repository (edits not committed are left
# out) into a scratch folder and runs `make TARGET...` there with a new, empty
# CCACHE_DIR and FACEGRAD_DATA pointing at no data, as a first-time user
# would. Prints the CPU seconds (user + sys of make and everything it ran),
# the wall time, the load average before and after (other work on the
# machine lengthens the wall time, much less the CPU time), ccache's hits
# and misses, and the lines of make's output that end a suite.
# --second: then clones again into a second folder and runs `make all` and
# the three test binaries there with the same cache: every compile should be
# a hit (CCACHE_BASEDIR, which the Makefile sets, makes the folder not count).
# --keep: leaves the scratch folders and the cache for a look afterwards.
set -u
cd "$(dirname "$0")/.."
second=0; keep=0; targets=()
for a in "$@"; do
  case "$a" in
    --second) second=1 ;;
    --keep) keep=1 ;;
    -*) echo "fresh_clone_time.sh: unknown option '$a' (--second, --keep)" >&2; exit 2 ;;
    *) targets+=("$a") ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(test)
command -v ccache >/dev/null || { echo "fresh_clone_time.sh: ccache is not installed; 'make deps' installs it" >&2; exit 2; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fg-fresh.XXXXXX")
[ "$keep" = 1 ] && echo "scratch folder (kept): $scratch" || trap 'rm -rf "$scratch"' EXIT
export CCACHE_DIR=$scratch/ccache FACEGRAD_DATA=$scratch/no_data
unset CCACHE_DISABLE CCACHE_BASEDIR

# timed DIR CMD...: runs CMD in DIR, its output to DIR.out; sets cpu, wall, rc.
timed() {
  local dir=$1; shift
  local t=$scratch/time.txt
  (cd "$dir" && /usr/bin/time -f '%U %S %e' -o "$t" "$@") > "$dir.out" 2>&1
  rc=$?
  read -r cpu wall < <(tail -1 "$t" | awk '{ printf "%.0f %.0f\n", $1 + $2, $3 }')
}
stats() { ccache -s 2>/dev/null | awk '/^ *Hits:/ { h = $2 } /^ *Misses:/ { m = $2 } END { printf "%d hits, %d misses", h, m }'; }

echo "facegrad fresh clone: $(git rev-parse --short HEAD), $(nproc) cores, g++ $(g++ -dumpfullversion), $(ccache --version | head -1)"
git clone -q "$PWD" "$scratch/one" || exit 1
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
timed "$scratch/one" make "${targets[@]}"
echo "make ${targets[*]}: $cpu s CPU, $wall s wall (exit $rc); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  ccache: $(stats)"
grep -E '^ *(float|double|asan|browser): [0-9]+ passed|^[0-9]+ passed, [0-9]+ failed' "$scratch/one.out" | sed 's/^ */  /'
[ "$rc" -ne 0 ] && tail -30 "$scratch/one.out"
first_rc=$rc
if [ "$second" = 1 ]; then
  ccache -z >/dev/null
  git clone -q "$PWD" "$scratch/two" || exit 1
  timed "$scratch/two" make all build/test-float build/test-double build/test-asan
  echo "second clone, make all and the test binaries: $cpu s CPU, $wall s wall; ccache: $(stats)"
fi
exit "$first_rc"
