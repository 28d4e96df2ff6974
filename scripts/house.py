#!/usr/bin/env python3
"""Prints the house: which room includes which, and checks that the arrows
point one way and that no source file is too long.

    scripts/house.py            the include graph between rooms, then the checks
    scripts/house.py --check    only the checks (exit 1 on a wrong arrow, a long file or a
                                long main)

A room is a folder of sources (core, core/kernels, demos/plot, ...). Each room
has a level; a file may include files of its own room or of rooms on a lower
level. An include into a room on the same level (sideways) or a higher one
(upward) is reported. tests/ may include anything and is not a room here;
its files and scripts/ are held to the same 400 lines.

A program's main reads as its outline: in each demos/*.cpp, `int main`, from
its first line to the closing brace in column 0 (the lambda it hands to
run_main included), and a function it hands to run_main by name, are each
fewer than 100 lines.
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
MAX_MAIN_LINES = 99
# Programs whose main is still longer, each with the length it may not exceed.
LONG_MAINS_ALLOWED = {}
RUN_MAIN_NAMED = re.compile(r"run_main\(\s*argc\s*,\s*argv\s*,\s*(?:fg::)?(\w+)\s*\)")


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


def function_length(lines, start):
    """Lines from lines[start] to the first closing brace in column 0 after it."""
    for end in range(start, len(lines)):
        if lines[end].startswith("}"):
            return end - start + 1
    return len(lines) - start


def long_mains(path, lines):
    """The problems of one program: its main, or the function it hands to
    run_main by name, longer than MAX_MAIN_LINES (or than the program's entry
    in LONG_MAINS_ALLOWED)."""
    names = ["main"] + RUN_MAIN_NAMED.findall("".join(lines))
    limit = LONG_MAINS_ALLOWED.get(path, MAX_MAIN_LINES)
    out = []
    for name in names:
        head = re.compile(r"^[A-Za-z].*\b" + name + r"\s*\(")
        for i, line in enumerate(lines):
            if head.match(line) and not line.rstrip().endswith(";"):
                n = function_length(lines, i)
                if n > limit:
                    out.append(f"{path}:{i + 1}: {name}() is {n} lines (a program's main "
                               f"and what it hands to run_main: at most {limit})")
                break
    return out


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
        if src == "demos":
            problems += long_mains(path, lines)
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
