#!/usr/bin/env bash
# make demo: trains and draws the default demo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x build/train_softmax ]; then
  exec build/train_softmax "$@"
fi
echo "facegrad: no demo program is built yet (build/train_softmax); see README.md for what is coming."
