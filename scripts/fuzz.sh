#!/usr/bin/env bash
# Fuzzes every reader of files people hand facegrad, with libFuzzer and the
# address and undefined-behaviour sanitizers (clang).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (make fuzz FUZZ_SECONDS=60)
#
# Targets (tests/fuzz/fuzz_<target>.cpp): idx, checkpoint, csv, objective,
# image; all of them by default. Each runs for SECONDS (default 60) from its
# seed corpus (tests/fuzz/corpus/<target>/, the fixed findings of
# tests/fuzz/regressions/<target>/ and, for images, the images of tests/data/),
# copied to a scratch corpus that is deleted afterwards, so nothing under
# tests/ is written. Per target it prints
#   fuzz <target> runs=<N> seconds=<S> result=ok|CRASH
# and a summary at the end. A crash, leak, undefined behaviour, timeout or
# out-of-memory leaves the input under build/fuzz/crashes/, prints its path
# and the report's first lines, and makes the script exit 1.
#
# The library sources the targets need are compiled once into build/fuzz/obj/
# with the sanitizers and libFuzzer's coverage; later runs recompile only what
# changed. Environment: CLANGXX (default clang++),
# FUZZ_TIMEOUT (seconds one input may take, default 10), FUZZ_RSS_MB (2048),
# FUZZ_KEEP_GOING=1 (see below).
set -u
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
all_targets=(idx checkpoint csv objective image)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number >= 1, got '$seconds'" >&2; exit 2
fi
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/fuzz_$t.cpp" ]; then
    echo "fuzz.sh: unknown target '$t'; valid: ${all_targets[*]}" >&2; exit 2
  fi
done

CLANGXX=${CLANGXX:-clang++}
# FUZZ_KEEP_GOING=1 runs each target in libFuzzer's fork mode and goes on
# after a finding, collecting every crashing input of the time budget.
keep_going=()
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep_going=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
OUT=build/fuzz
jobs=$(nproc 2>/dev/null || echo 2)
if ! command -v "$CLANGXX" >/dev/null 2>&1; then
  echo "fuzz.sh: $CLANGXX not found (make fuzz installs clang and libclang-rt-14-dev)" >&2; exit 2
fi

# Longest input per target: room for a few valid files of each kind.
max_len() {
  case $1 in
    idx) echo 4096 ;; checkpoint) echo 4096 ;; csv) echo 2048 ;; objective) echo 512 ;; image) echo 8192 ;;
  esac
}

mkdir -p "$OUT/obj" "$OUT/crashes"
start_all=$(date +%s)

# OpenMP through clang's libomp when it links; otherwise the pragmas are
# ignored (core/kernels/gemm.cpp asks omp.h for thread counts, so it must link).
omp=-fopenmp
probe="$OUT/omp_probe"
if ! printf '#include <omp.h>\nint main() { return omp_get_max_threads() > 0 ? 0 : 1; }\n' |
    "$CLANGXX" -x c++ -fopenmp - -o "$probe" 2>/dev/null; then
  omp="-Wno-source-uses-openmp"
  echo "fuzz.sh: clang's OpenMP runtime is missing; building without -fopenmp" >&2
fi
rm -f "$probe"

FLAGS="-std=c++17 -O1 -gline-tables-only -fno-omit-frame-pointer -fsanitize=address,undefined \
-fno-sanitize-recover=undefined -I. $omp"
# The library's warnings are the g++ build's business; the targets are held to -Wall -Wextra.
LIB_FLAGS="$FLAGS -w -fsanitize=fuzzer-no-link"
TARGET_FLAGS="$FLAGS -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -fsanitize=fuzzer"

# The library and the targets, through make, so that a second run rebuilds
# only what changed. The targets need core/, losses/ (the objective parser
# builds every registered loss) and optim/ (the losses' schedules); layers/
# is added only if a target does not link without it. core/kernels/gemm.cpp and
# core/kernels/conv.cpp are g++-only (GCC vector shuffles): their naive twins stand in
# under the same names (tests/fuzz/gemm_naive_as_gemm.cpp,
# tests/fuzz/conv_naive_as_conv.cpp); the kernels' ladder (core/kernels/ladder_*.cpp)
# is left out with them. The archive lets each target take only
# the objects it uses.
build() {  # DIR...
  local src progs
  src=$(for d in "$@"; do ls "$d"/*.cpp "$d"/*/*.cpp; done 2>/dev/null | grep -vx -e core/kernels/gemm.cpp -e core/kernels/conv.cpp \
        -e core/kernels/ladder_gemm.cpp -e core/kernels/ladder_conv.cpp |
        tr '\n' ' ')
  src="$src tests/fuzz/gemm_naive_as_gemm.cpp tests/fuzz/conv_naive_as_conv.cpp"
  progs=$(for t in "${targets[@]}"; do printf '%s ' "$OUT/fuzz_$t"; done)
  echo "fuzz: building $* with $CLANGXX ($(echo "$src" | wc -w) sources, sanitizers + coverage)"
  MAKEFLAGS= MFLAGS= make --no-print-directory -s -j"$jobs" -f - <<EOF
OBJS := \$(patsubst %.cpp,$OUT/obj/%.o,$src)
PROGS := $progs
all: \$(PROGS)
$OUT/libfacegrad.a: \$(OBJS)
	@rm -f \$@
	@ar rcs \$@ \$^
$OUT/obj/%.o: %.cpp
	@mkdir -p \$(@D)
	@$CLANGXX $LIB_FLAGS -MMD -MP -c \$< -o \$@
$OUT/fuzz_%: tests/fuzz/fuzz_%.cpp $OUT/libfacegrad.a
	@$CLANGXX $TARGET_FLAGS -MMD -MP -MF \$@.d \$< $OUT/libfacegrad.a -lz -lm -o \$@
-include \$(OBJS:.o=.d) \$(PROGS:=.d)
EOF
}
if ! build core losses optim; then
  echo "fuzz: retrying with layers/ in the library" >&2
  rm -f "$OUT/libfacegrad.a"
  build core layers losses optim || { echo "fuzz: the targets did not build with $CLANGXX" >&2; exit 1; }
fi
build_s=$(( $(date +%s) - start_all ))
echo "fuzz: built in ${build_s} s; ${seconds} s per target"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1   # one thread: reproducible, and the sanitizers stay fast

# Scratch corpora and the targets' scratch files, in memory when /dev/shm is writable.
scratch_root=${TMPDIR:-/tmp}
[ -w /dev/shm ] && scratch_root=/dev/shm
scratch=$(mktemp -d "$scratch_root/facegrad-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export FG_FUZZ_SCRATCH="$scratch"
total_runs=0; crashed=0; ok=0
for t in "${targets[@]}"; do
  corpus="$scratch/$t"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  if [ -d "tests/fuzz/regressions/$t" ]; then cp tests/fuzz/regressions/"$t"/* "$corpus"/ 2>/dev/null; fi
  if [ "$t" = image ]; then cp tests/data/*.png tests/data/*.jpg tests/data/*.bmp "$corpus"/ 2>/dev/null; fi
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  log="$OUT/fuzz_$t.log"
  before=$(ls "$OUT/crashes")
  t0=$(date +%s)
  "$OUT/fuzz_$t" "$corpus" "${dict[@]}" "${keep_going[@]}" -max_total_time="$seconds" \
    -max_len="$(max_len "$t")" -rss_limit_mb="$rss_mb" -timeout="$timeout_s" -print_final_stats=1 \
    -artifact_prefix="$OUT/crashes/$t-" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  if [ -z "$runs" ]; then runs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#'); fi
  runs=${runs:-0}
  total_runs=$(( total_runs + runs ))
  found=$(comm -13 <(echo "$before") <(ls "$OUT/crashes") | sed "s|^|$OUT/crashes/|")
  if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
    result=ok; ok=$(( ok + 1 ))
  else
    result=CRASH; crashed=$(( crashed + 1 ))
  fi
  echo "fuzz $t runs=$runs seconds=$secs result=$result"
  if [ "$result" = CRASH ]; then
    echo "   log: $log   exit code: $rc"
    n=$(echo "$found" | grep -c .)
    [ "$n" -eq 0 ] && echo "   input: none written (see the log)"
    [ "$n" -gt 5 ] && echo "   $n inputs; the first five:"
    for f in $(echo "$found" | head -5); do echo "   input: $f"; done
    # Each distinct headline, then the first stack without libFuzzer's and libc's own frames.
    awk '{ sub(/^==[0-9]+== */, "") }
         /ERROR: |runtime error|uncaught exception|what\(\)/ && !said[$0]++ { print; next }
         /^ *#0 / { stacks++ }
         stacks == 1 && /^ *#[0-9]+ 0x/ && !/ in (fuzzer::|__libc|_start|main |abort|raise|gsignal|__pthread|std::terminate|__cxa_|__sanitizer|__asan|__ubsan)/ &&
           !/libstdc\+\+|libc\.so|\(\)$/ { print }' "$log" | head -12 | sed 's/^ */   /'
    echo "   reproduce: $OUT/fuzz_$t $(echo "$found" | head -1)"
  fi
done
echo "fuzz summary: ${#targets[@]} targets, $ok ok, $crashed crashed, $total_runs runs in $(( $(date +%s) - start_all )) s (build ${build_s} s)"
[ "$crashed" -eq 0 ]
