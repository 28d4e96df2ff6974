#!/usr/bin/env bash
# A compiler wrapper that logs the CPU time (user + sys, seconds) of each call:
#   make CXX='scripts/time_cxx.sh g++' ...   with FG_TIME_LOG=/path/to/log
# Each call appends one line "KIND VARIANT SECONDS TARGET": KIND is compile
# (a -c call or a precompiled header, TARGET its source) or link (TARGET the
# output); VARIANT is the build/obj/<variant>/ or build/pch/<variant>/ folder
# the output goes to, or the output's name for a link (test-float, feature2d,
# ...). scripts/build_times.sh reads the log.
set -u
out=""; src=""; kind=link; prev=""
for a in "$@"; do
  [ "$prev" = "-o" ] && out=$a
  [ "$a" = "-c" ] && kind=compile
  [ "$prev" = "-x" ] && [ "$a" = "c++-header" ] && kind=compile
  case "$a" in *.cpp) src=$a ;; *.hpp) [ "$prev" = "-include" ] || src=$a ;; esac
  prev=$a
done
if [ "$kind" = compile ]; then
  variant=$(printf '%s\n' "$out" | sed -n 's#.*/\(obj\|pch\)/\([^/]*\)/.*#\2#p')
  [ -n "$variant" ] || variant=other     # build/obj/catch_main.o and the like
  target=$src
else
  variant=$(basename "$out"); target=$out
fi
tfile=$(mktemp)
/usr/bin/time -f '%U %S' -o "$tfile" "$@"
rc=$?
read -r user sys < <(tail -1 "$tfile")
rm -f "$tfile"
if [ -n "${FG_TIME_LOG:-}" ]; then
  awk -v k="$kind" -v v="$variant" -v u="$user" -v s="$sys" -v t="$target" \
    'BEGIN { printf "%s %s %.2f %s\n", k, v, u + s, t }' >> "$FG_TIME_LOG"
fi
exit $rc
