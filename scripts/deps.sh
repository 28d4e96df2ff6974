#!/bin/sh
# Installs the Debian packages facegrad needs that this machine lacks.
# Silent and fast when everything is present. Usage: deps.sh PACKAGE...
# A word A|B accepts either package; when neither is installed, A is
# installed if the archive has it, else B (chromium-headless-shell|chromium).
installed() {
  case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" in
    *"install ok installed"*) return 0 ;;
  esac
  return 1
}
missing=""
for word in "$@"; do
  found=""
  for p in $(echo "$word" | tr '|' ' '); do installed "$p" && found=1; done
  [ -n "$found" ] && continue
  pick=""
  for p in $(echo "$word" | tr '|' ' '); do
    if [ -z "$pick" ] && apt-cache show "$p" >/dev/null 2>&1; then pick=$p; fi
  done
  missing="$missing ${pick:-${word%%|*}}"
done
[ -z "$missing" ] && exit 0
echo "facegrad: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "facegrad: need root or sudo to install:$missing" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || { echo "facegrad: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2 || {
  echo "facegrad: apt-get install failed for:$missing" >&2; exit 1; }
