#!/usr/bin/env python3
"""Writes link/order.txt: the functions a typical dpl run executes, for lld's
--symbol-ordering-file (Package.swift, release on Linux).

Each function sits in a section of its own, so the linker can lay the ones dpl runs side by
side at the start of .text. Without that, the few thousand functions a `dpl run` touches lie
scattered over 19 MB of code, and the kernel maps 64 KB of the file around every page first
touched: most of the executable's text ends up resident (BENCHMARKS.md, "Interpreter on
scalar code", peak memory).

The functions come from valgrind's callgrind, run on the workloads below in order; each
workload adds the functions it executes that earlier ones did not, so start-up and scalar
code come first, then tensor code. Only symbols defined in the executable are kept. A stale
list costs memory, never correctness: the linker ignores names it does not find.

Package.swift compiles every module with -function-sections in release; Swift skips code
generation for an object whose IR is unchanged, so after a change of flags only a clean
`.build` shows the layout the list gives.

usage: scripts/link-order.py [--dpl .build/release/dpl] [--scalar ../shared/bench/peer/scalar]
Needs valgrind (apt-get install valgrind). Takes a few minutes.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "link", "order.txt")
# EDPCNN at the test suite's tiny scale (Tests/RuntimeTests/EDPCNNTests.swift, `tiny`).
TINY = ["size=32", "train_images=4", "validation=4", "batch=4", "base=4", "lines=12",
        "points=10", "radius=9.0", "window=3", "steps=2"]


def workloads(dpl, scalar, tmp):
    one = os.path.join(tmp, "one.dpl")
    with open(one, "w") as f:
        f.write("print(1)\n")
    yield [dpl, "run", one]
    for name in ["fib", "loop", "edit_distance", "knapsack", "small_tensors"]:
        yield [dpl, "run", os.path.join(scalar, name + ".dpl")]
    yield [dpl, "run", os.path.join(ROOT, "programs", "edpcnn.dpl"), "--out", os.path.join(tmp, "edpcnn"),
           *[x for s in TINY for x in ("--set", s)]]


def executed(command, tmp):
    """The function names callgrind saw run, in the order it first lists them."""
    out = os.path.join(tmp, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--callgrind-out-file=" + out, *command],
                   cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    names = []
    with open(out) as f:
        for line in f:
            m = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if m:
                names.append(re.sub(r"'\d+$", "", m.group(1)))  # `f'2`: a recursion level of f
    os.remove(out)
    return names


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dpl", default=os.path.join(ROOT, ".build", "release", "dpl"))
    p.add_argument("--scalar", default=os.path.join(ROOT, "..", "shared", "bench", "peer", "scalar"))
    a = p.parse_args()
    nm = subprocess.run(["nm", "--defined-only", a.dpl], check=True, capture_output=True, text=True).stdout
    defined = {parts[2] for parts in (l.split() for l in nm.splitlines()) if len(parts) == 3 and parts[1] in "tTwW"}
    order, seen = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for command in workloads(os.path.abspath(a.dpl), os.path.abspath(a.scalar), tmp):
            fresh = 0
            for n in executed(command, tmp):
                if n in defined and n not in seen:
                    seen.add(n)
                    order.append(n)
                    fresh += 1
            print(f"{fresh:6d} functions from {' '.join(os.path.basename(x) for x in command[1:3])}", file=sys.stderr)
    with open(OUT, "w") as f:
        f.write("\n".join(order) + "\n")
    print(f"{len(order)} functions -> {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
