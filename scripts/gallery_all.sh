#!/usr/bin/env bash
# Every loss of the lecture in one gallery (build/gallery --set all), with
# the same per-loss budget as make demo, on real MNIST digits (make data
# fetches them), into out/gallery_all. Extra arguments go to build/gallery:
#   scripts/gallery_all.sh --data fashion        # Fashion-MNIST instead
#   scripts/gallery_all.sh --only tse,tpe        # two entries, same folder
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/gallery ]; then
  echo "gallery_all: build/gallery is missing; run make first" >&2
  exit 1
fi
build/gallery --set all --out out/gallery_all "$@"
echo
echo "Pictures: out/gallery_all/gallery.png, out/gallery_all/<loss>/test_features.png; table: out/gallery_all/gallery.md"
