#!/usr/bin/env bash
# make demo: the default gallery. Trains 2-D LeNet++ on real MNIST digits
# (make data fetches them first) with softmax, center loss, SphereFace,
# CosFace and ArcFace (one shared budget), draws their feature spaces side by
# side and writes the comparison table; then draws the target-logit curves
# (no training). Extra arguments go to build/gallery (build/gallery --help
# lists them), e.g.
#   make demo                       # out/gallery/gallery.png, out/gallery/gallery.md
#   scripts/demo.sh --data fashion  # Fashion-MNIST instead
#   scripts/demo.sh --data digits   # synthetic digits: no data needed
# scripts/gallery_all.sh runs every loss of the lecture.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in gallery figures; do
  if [ ! -x build/$p ]; then
    echo "demo: build/$p is missing; run make first" >&2
    exit 1
  fi
done
build/figures target-logits --out out/figures
build/gallery --out out/gallery "$@"
echo
echo "Pictures: out/gallery/gallery.png (all losses), out/gallery/<loss>/test_features.png (each),"
echo "          out/figures/target_logits.png; table: out/gallery/gallery.md"
echo "Explorer: out/gallery/explorer.html (open it in a browser: every loss under one epoch slider)"
