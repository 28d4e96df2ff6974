#!/usr/bin/env python3
"""Prints the house: which room includes which, and checks that the arrows
point one way and that no source file is too long.

    scripts/house.py            the include graph between rooms, then the checks
    scripts/house.py --check    only the checks (exit 1 on a wrong arrow or a long file)

A room is a folder of sources (core, core/kernels, demos/plot, ...). Each room
has a level; a file may include files of its own room or of rooms on a lower
level. An include into a room on the same level (sideways) or a higher one
(upward) is reported. tests/ may include anything and is not a room here;
its files and scripts/ are held to the same 400 lines.
"""
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lowest first. Rooms on one line share a level and must not include each other.
LEVELS = [
    ["core/error"],               # the one error type (a file, not a folder)
    ["core/kernels"],             # GEMM and convolution over raw pointers
    ["core"],                     # the engine: Tensor, graph, ops, gradcheck, random, schedules
    ["core/data", "core/eval"],   # data sets and files; verification, identification, collapse
    ["layers", "losses", "optim"],
    ["demos/plot", "demos/cli"],  # every demo: pictures; the command line
    ["demos/train"],              # every demo: the training loop
    ["demos/features"],           # feature2d, gallery and figures: one 2-D feature-space run
    ["demos/explorer"],           # explorer.html: a run's frames, hover numbers, margin playground
    ["demos/bounds", "demos/faceid", "demos/gallery"],  # one demo each
    ["demos/breakit"],            # the break-it lab (uses build/bounds' formulas)
    ["demos"],                    # the programs
]
LEVEL = {room: i for i, rooms in enumerate(LEVELS) for room in rooms}
MAX_LINES = 400
SOURCE = re.compile(r"\.(cpp|hpp)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def room_of(path):
    if path == "core/error.hpp":
        return "core/error"
    return os.path.dirname(path)


def sources():
    for top in ("core", "layers", "losses", "optim", "demos"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if SOURCE.search(f):
                    yield os.path.relpath(os.path.join(dirpath, f), ROOT)


def main():
    check_only = "--check" in sys.argv[1:]
    edges = defaultdict(int)
    problems = []
    for path in sorted(sources()):
        src = room_of(path)
        if src not in LEVEL:
            problems.append(f"{path}: room {src} has no level in scripts/house.py")
            continue
        with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
            lines = fh.readlines()
        if len(lines) > MAX_LINES:
            problems.append(f"{path}: {len(lines)} lines (at most {MAX_LINES})")
        for n, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            dst = room_of(m.group(1))
            if dst == src:
                continue
            edges[(src, dst)] += 1
            if dst not in LEVEL:
                problems.append(f"{path}:{n}: includes {m.group(1)}, outside every room")
            elif LEVEL[dst] == LEVEL[src]:
                problems.append(f"{path}:{n}: includes {m.group(1)} sideways ({src} -> {dst})")
            elif LEVEL[dst] > LEVEL[src]:
                problems.append(f"{path}:{n}: includes {m.group(1)} upward ({src} -> {dst})")
    # tests/, tests/bench/ and scripts/ are not rooms, but their files stay short too.
    for top in ("tests", "scripts"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            if "corpus" in dirpath or os.path.basename(dirpath) == "data":
                continue
            for f in sorted(files):
                if SOURCE.search(f) or f.endswith((".py", ".sh")):
                    path = os.path.relpath(os.path.join(dirpath, f), ROOT)
                    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as fh:
                        n = sum(1 for _ in fh)
                    if n > MAX_LINES:
                        problems.append(f"{path}: {n} lines (at most {MAX_LINES})")
    if not check_only:
        print("includes between rooms (count of #include lines):")
        for (src, dst), k in sorted(edges.items(), key=lambda e: (-LEVEL.get(e[0][0], 99), e[0])):
            print(f"  {src:16} -> {dst:16} {k}")
    for p in problems:
        print("house: " + p)
    print(f"house: {len(edges)} arrows between rooms, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
