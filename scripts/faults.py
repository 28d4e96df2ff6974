#!/usr/bin/env python3
"""The deliberate-fault pass: puts each small bug of scripts/fault_list.py
into the library, one at a time, rebuilds the double test suite and runs the
tests that should notice it. A fault the tests do not notice SURVIVED.

    scripts/faults.py                 every fault; a table and the totals
    scripts/faults.py --only a,b      the named faults only
    scripts/faults.py --check-only    only check that every fault still applies:
                                      its original text occurs exactly once
    scripts/faults.py --list          the faults, one a line, not run
    scripts/faults.py --check-only --root DIR   the same check against another tree

The sources are never edited where they are: the tree (without .git, with
build/obj/double so that little is rebuilt) is copied once to a scratch
folder, each fault is put in and taken out there, and the folder is removed
at the end. Each fault's tests get --timeout seconds (default 120); a run
that takes longer counts as caught, and is reported as a timeout.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_list import FAULTS  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = "build/test-double"


def problems_of(faults, root):
    """What is wrong with the list against the sources under root, one line each."""
    out, seen = [], set()
    for f in faults:
        if f.name in seen:
            out.append(f"{f.name}: the name is used twice")
        seen.add(f.name)
        path = os.path.join(root, f.path)
        if not os.path.isfile(path):
            out.append(f"{f.name}: {f.path} does not exist")
            continue
        with open(path, encoding="utf-8") as fh:
            n = fh.read().count(f.old)
        if n != 1:
            where = "is not in" if n == 0 else f"occurs {n} times in"
            out.append(f"{f.name}: its original text {f.old!r} {where} {f.path} (need exactly once)")
        if f.old == f.new:
            out.append(f"{f.name}: the faulty text is the original text")
        if not f.tests:
            out.append(f"{f.name}: no test spec says what should catch it")
    return out


def write_whole(path, text):
    """Writes text to path through a temporary name and a rename."""
    tmp = path + ".fault-tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def copy_tree(dst):
    """The sources, and build/obj/double with build/test-double, into dst (times kept)."""
    for entry in os.listdir(ROOT):
        if entry in (".git", "build"):
            continue
        src = os.path.join(ROOT, entry)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dst, entry), symlinks=True)
        else:
            shutil.copy2(src, os.path.join(dst, entry))
    for part in ("build/obj/double", "build/obj/catch_main.o", BINARY):
        src = os.path.join(ROOT, part)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dst, part), symlinks=True)
        elif os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dst, part)), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, part))


def build(work):
    """Rebuilds the double suite in work; (ok, the last lines of the output)."""
    r = subprocess.run(["make", "-C", work, BINARY], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, "\n".join(r.stdout.splitlines()[-15:])


FAILED_AT = re.compile(r"^(\S+:\d+): failed", re.M)


def run_tests(work, spec, timeout):
    """Runs the double suite on one Catch2 spec: ('pass' | 'fail' | 'timeout' | 'crash', detail)."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"),
               OMP_WAIT_POLICY="passive")
    p = subprocess.Popen([os.path.join(work, BINARY), spec, "--reporter", "compact", "--abort"],
                         cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace", start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout", f"timeout after {timeout:g} s"
    if p.returncode == 0:
        if "No test cases matched" in out or "No tests ran" in out:
            return "fail", f"the spec {spec!r} matches no test"
        return "pass", ""
    m = FAILED_AT.search(out)
    if p.returncode < 0:
        return "crash", f"crash (signal {-p.returncode})" + (f" after {m.group(1)}" if m else "")
    if m:
        return "fail", m.group(1)
    tail = out.strip().splitlines()[-1:] or ["no output"]
    return "fail", f"exit code {p.returncode}: {tail[0][:80]}"


def run_pass(faults, work, timeout):
    """Puts each fault in, rebuilds, runs its tests, takes it out. Returns rows."""
    rows = []
    for i, f in enumerate(faults, 1):
        path = os.path.join(work, f.path)
        with open(path, encoding="utf-8") as fh:
            original = fh.read()
        t0 = time.time()
        try:
            write_whole(path, original.replace(f.old, f.new, 1))
            ok, log = build(work)
            if not ok:
                result, detail = "build", "the faulty source does not compile:\n" + log
            else:
                result, detail = run_tests(work, f.tests, timeout)
        finally:
            write_whole(path, original)
        caught = result != "pass"
        text = ("SURVIVED" if not caught else
                "BUILD ERROR" if result == "build" else
                detail if result in ("timeout", "crash") else f"caught by {detail}")
        rows.append((f, result, text))
        print(f"[{i}/{len(faults)}] {f.name}: {text.splitlines()[0]} ({time.time() - t0:.0f} s)",
              flush=True)
    return rows


def table(rows, equivalent):
    w = max([len(f.name) for f, _, _ in rows] + [len(f.name) for f in equivalent] + [5])
    v = max([len(f.path) for f, _, _ in rows] + [len(f.path) for f in equivalent] + [4])
    lines = [f"{'fault':<{w}}  {'file':<{v}}  caught by / SURVIVED", "-" * (w + v + 30)]
    for f, _, text in rows:
        lines.append(f"{f.name:<{w}}  {f.path:<{v}}  {text.splitlines()[0]}")
    for f in equivalent:
        lines.append(f"{f.name:<{w}}  {f.path:<{v}}  equivalent, not run: {f.equivalent}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check-only", action="store_true",
                    help="only check that every fault's original text occurs exactly once")
    ap.add_argument("--list", action="store_true", help="print the faults, do not run them")
    ap.add_argument("--only", default="", help="comma-separated fault names to run")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per fault's tests")
    ap.add_argument("--root", default=ROOT, help="with --check-only: check this tree instead")
    args = ap.parse_args()
    if args.root != ROOT and not args.check_only:
        print("faults.py: --root goes with --check-only (a pass runs on this tree)", file=sys.stderr)
        return 2

    bad = problems_of(FAULTS, args.root)
    if bad:
        print("faults.py: the fault list does not fit today's sources:", file=sys.stderr)
        for line in bad:
            print("  " + line, file=sys.stderr)
        return 2
    equivalent = [f for f in FAULTS if f.equivalent]
    live = [f for f in FAULTS if not f.equivalent]
    if args.check_only:
        print(f"faults.py: all {len(FAULTS)} faults apply exactly once "
              f"({len(live)} to run, {len(equivalent)} equivalent)")
        return 0
    if args.list:
        for f in FAULTS:
            mark = " (equivalent)" if f.equivalent else ""
            print(f"{f.name}{mark}  {f.path}  {f.tests}  {f.why}")
        return 0
    if args.only:
        names = [n for n in args.only.split(",") if n]
        unknown = [n for n in names if n not in {f.name for f in FAULTS}]
        if unknown:
            print("faults.py: no fault named " + ", ".join(unknown) + "; see --list", file=sys.stderr)
            return 2
        live = [f for f in live if f.name in names]
        equivalent = [f for f in equivalent if f.name in names]

    start = time.time()
    work = tempfile.mkdtemp(prefix="facegrad-faults-")
    try:
        copy_tree(work)
        ok, log = build(work)
        if not ok:
            print("faults.py: the unfaulted tree does not build:\n" + log, file=sys.stderr)
            return 1
        # Every spec must pass on the unfaulted tree, or a failure would prove nothing.
        for spec in sorted({f.tests for f in live}):
            result, detail = run_tests(work, spec, args.timeout)
            if result != "pass":
                print(f"faults.py: the tests {spec!r} do not pass without a fault: {result} "
                      f"{detail}", file=sys.stderr)
                return 1
        rows = run_pass(live, work, args.timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(table(rows, equivalent))
    caught = [f for f, result, _ in rows if result not in ("pass", "build")]
    survived = [f.name for f, result, _ in rows if result == "pass"]
    broken = [f.name for f, result, _ in rows if result == "build"]
    timeouts = sum(1 for _, result, _ in rows if result == "timeout")
    print()
    print(f"faults: {len(rows)} run, {len(caught)} caught ({timeouts} by timeout), "
          f"{len(survived)} survived; {len(equivalent)} equivalent, not run "
          f"({time.time() - start:.0f} s)")
    if survived:
        print("survived: " + ", ".join(survived))
    if broken:
        print("do not compile (fix the list): " + ", ".join(broken))
    return 1 if survived or broken else 0


if __name__ == "__main__":
    sys.exit(main())
