#!/usr/bin/env bash
# Starts a loss of your own (notes/adding-a-loss.md):
#
#   scripts/new_loss.sh NAME [ROOT]      (or: make new-loss NAME=...)
#
# writes losses/NAME.cpp (a cosine-margin loss from a commented template: you
# fill in psi and dpsi/dc), tests/test_loss_NAME.cpp (the composition check,
# tag [NAME]) and the two registry lines in losses/registry.cpp (the spec
# function's declaration and its line in the table). ROOT is the repository
# to write into (default: this one). A NAME that is not a lower-case
# identifier, or that a loss file, test file or registry line already uses,
# is refused and nothing is written.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-}
root=${2:-$(dirname "$here")}
fail() { echo "new_loss.sh: $*" >&2; exit 2; }

[ -n "$name" ] || fail "give the new loss a name: scripts/new_loss.sh NAME (e.g. my_margin)"
[[ $name =~ ^[a-z][a-z0-9_]{0,31}$ ]] ||
  fail "'$name' is not a loss name: lower-case letters, digits and _, starting with a letter, at most 32 characters (e.g. my_margin)"
reg=$root/losses/registry.cpp
loss=$root/losses/$name.cpp
test=$root/tests/test_loss_$name.cpp
[ -f "$reg" ] || fail "no losses/registry.cpp under '$root'"
[ ! -e "$loss" ] || fail "losses/$name.cpp already exists; choose another name"
[ ! -e "$test" ] || fail "tests/test_loss_$name.cpp already exists; choose another name"
! grep -qE "^LossSpec ${name}_spec\(\);|^ +${name}_spec,\$" "$reg" ||
  fail "'$name' is already in losses/registry.cpp; choose another name"
decl=$(grep -nE '^LossSpec [a-z0-9_]+_spec\(\);' "$reg" | tail -1 | cut -d: -f1)
row=$(grep -nE '^ +[a-z0-9_]+_spec,$' "$reg" | tail -1 | cut -d: -f1)
[ -n "$decl" ] && [ -n "$row" ] || fail "losses/registry.cpp has no 'LossSpec x_spec();' line or no table row to follow"

# Every file is written under a temporary name, then renamed.
sed "s/@NAME@/$name/g" "$here/new_loss/loss.cpp.in" > "$loss.tmp"
sed "s/@NAME@/$name/g" "$here/new_loss/test.cpp.in" > "$test.tmp"
awk -v d="$decl" -v r="$row" -v n="$name" '
  { print }
  NR == d { print "LossSpec " n "_spec();  // losses/" n ".cpp" }
  NR == r { print "    " n "_spec," }' "$reg" > "$reg.tmp"
mv "$loss.tmp" "$loss"
mv "$test.tmp" "$test"
mv "$reg.tmp" "$reg"

echo "wrote losses/$name.cpp, tests/test_loss_$name.cpp and two lines in losses/registry.cpp"
echo "next: fill in psi and dpsi/dc in losses/$name.cpp and the same psi in the test, then"
echo "  make test-double T='[$name],[generic]'"
