#!/usr/bin/env bash
# Runs every benchmark in build/bench/ (bench_train has its own target) and
# prints one line per case, each ending in ratio=X.XX (ours / reference,
# higher is better). OpenBLAS picks its own kernels for this machine here:
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for these runs only.
# Threads: OMP_NUM_THREADS (all cores by default), for us and for OpenBLAS.
set -u
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
echo "# facegrad benchmarks: $(nproc) cores, OMP_NUM_THREADS=$OMP_NUM_THREADS," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for b in build/bench/*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  [ "$(basename "$b")" = bench_train ] && continue
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$b" || { echo "$b failed" >&2; status=1; }
done
exit $status
