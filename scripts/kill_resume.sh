#!/usr/bin/env bash
# Kills build/train_softmax with SIGKILL at 20 random moments (or $1),
# resumes each run from its last checkpoint and compares the final
# parameters with an uninterrupted run, bit for bit (tests/test_faults.cpp).
# Run from the repository root after `make build/test-float`.
set -eu
cd "$(dirname "$0")/.."
FG_KILL_POINTS="${1:-20}" exec build/test-float "faults: killed at random moments*"
