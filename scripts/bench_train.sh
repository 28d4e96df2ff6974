#!/usr/bin/env bash
# make bench-train: LeNet++ training speed and peak memory, ours against
# PyTorch on the same machine, threads, network, data and step.
#
#   scripts/bench_train.sh [RUNS]      (default 1; RUNS=3 gives medians of 3)
#
# Each run starts build/bench/bench_train, then tests/bench/bench_train.py
# with the architecture line the first printed; the runs alternate so a
# change in machine load hits both. Settings come from the environment:
#   IMAGES (6400)  BATCH (128)  WARMUP (2)  OMP_NUM_THREADS (all cores)
# The last line ends in ratio=X.XX: our time / PyTorch's (lower is better).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-${RUNS:-1}}
images=${IMAGES:-6400}; batch=${BATCH:-128}; warmup=${WARMUP:-2}
threads=${OMP_NUM_THREADS:-$(nproc)}
export OMP_NUM_THREADS=$threads
python=/usr/bin/python3
[ -x build/bench/bench_train ] || { echo "bench_train: build/bench/bench_train is missing (make bench-train builds it)" >&2; exit 1; }
$python -c 'import torch' 2>/dev/null || { echo "bench_train: $python cannot import torch (Debian's python3-torch; make bench-deps)" >&2; exit 1; }

echo "# bench-train: LeNet++ (2-D embedding, bias-free softmax head), batch $batch, SGD momentum 0.9, lr 0.01,"
echo "# $images Fashion-MNIST images once ($warmup warm-up steps untimed), $threads threads, $runs run(s);" \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"

ours_s=(); torch_s=(); ours_m=(); torch_m=(); table=""
field() { sed -n "s/.*$1=\([0-9.eE+-]*\).*/\1/p" <<<"$2" | tail -1; }
for ((r = 1; r <= runs; r++)); do
  # The per-layer tables (ours, and PyTorch's costliest ops) once, after the last timed run.
  profile=0; [ "$r" -eq "$runs" ] && profile=10
  out=$(build/bench/bench_train --images "$images" --batch "$batch" --warmup "$warmup" \
        --threads "$threads" --profile-steps "$profile")
  arch=$(sed -n 's/^arch: //p' <<<"$out")
  echo "$(grep '^facegrad:' <<<"$out") [load $(cut -d' ' -f1 /proc/loadavg)]"
  ours_s+=("$(field ours_seconds "$out")"); ours_m+=("$(field ours_peak_mib "$out")")
  [ "$profile" -gt 0 ] && table=$(sed -n '/^per-layer/,$p' <<<"$out")
  # shellcheck disable=SC2086
  pout=$($python tests/bench/bench_train.py --images "$images" --batch "$batch" --warmup "$warmup" \
         --threads "$threads" --profile-steps "$profile" $arch)
  # The result line only ("pytorch 1.13.1: ..."), not the header of the profile table.
  echo "$(grep '^pytorch [0-9]' <<<"$pout") [load $(cut -d' ' -f1 /proc/loadavg)]"
  torch_s+=("$(field pytorch_seconds "$pout")"); torch_m+=("$(field pytorch_peak_mib "$pout")")
  [ "$profile" -gt 0 ] && table="$table"$'\n\n'$(sed -n '/^pytorch ops/,$p' <<<"$pout")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
os=$(median "${ours_s[@]}"); ts=$(median "${torch_s[@]}")
om=$(median "${ours_m[@]}"); tm=$(median "${torch_m[@]}")
timed=$(( images - (warmup * batch < images ? warmup * batch : images) ))
echo
echo "$table"
echo
awk -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v os="$os" -v ts="$ts" -v om="$om" -v tm="$tm" -v n="$timed" -v runs="$runs" 'BEGIN {
  printf "median of %d: facegrad %.2f s (%.0f img/s, 60000-image epoch ~%.0f s), peak %.0f MiB\n", runs, os, n / os, 60000 * os / n, om
  printf "median of %d: pytorch  %.2f s (%.0f img/s, 60000-image epoch ~%.0f s), peak %.0f MiB\n", runs, ts, n / ts, 60000 * ts / n, tm
  printf "peak memory ours/pytorch=%.2f\n", om / tm
  printf "load at the end %s\n", load
  printf "bench-train time ours/pytorch (lower is better) ratio=%.2f\n", os / ts
}'
