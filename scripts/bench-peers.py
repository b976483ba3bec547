#!/usr/bin/env python3
"""Runs dpl's speed benchmarks and their PyTorch counterparts side by side, in one run.

Each round runs every group once on each side, alternating dpl and PyTorch, so that both
see the same machine load; the table holds the median over the rounds of each side's
per-round median. Prints a Markdown table (what BENCHMARKS.md quotes) and writes every
record to --out as JSON.

    scripts/bench-peers.py --rounds 3 [--groups conv2d unet_step dp_contour sgemm scalar]
    scripts/bench-peers.py --groups unet_step dp_contour --baseline OLD/dpl --baseline-name e940628
    scripts/bench-peers.py --groups scalar --dpl OLD/dpl --dpl-name 37dbc44

With --baseline, a second dpl binary (an earlier build) runs in every round beside the
first, and the table gains its column: a before/after comparison under the same load.

The scalar group is a user's own code rather than a kernel: each program of
../shared/bench/peer/scalar runs whole, `dpl run X.dpl` and then `python X.py`, program by
program, timed by wall clock from outside (process start included; with --cpu, by the
process' user + system CPU time, steadier on a busy machine); both must print the same line
(floats to 1e-6), and its table is in seconds against CPython (numpy for small_tensors).

Needs a release build (.build/release/dpl) and a Python with torch, for the scripts in
../shared/bench/peer (see their README: python3 -m venv ~/.peer-venv && ...); the scalar
group alone needs only numpy, and takes python3 when there is no ~/.peer-venv.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "..", "shared", "bench", "peer")
SCALAR = os.path.join(PEER, "scalar")
SCALAR_PROGRAMS = [
    ("loop", "3,000,000 iterations of Int arithmetic in a `while`"),
    ("fib", "fib(32), about 7 million recursive calls"),
    ("edit_distance", "a 1000 × 1000 DP over two `var` lists, updated by index"),
    ("knapsack", "a 1000 × 3000 Float knapsack DP, one row updated in place"),
    ("small_tensors", "100,000 steps of three elementwise ops on 8 values (numpy)"),
]

# Per group: the dpl benchmark prefix, the peer script and its arguments, and the rows of
# the table as (label, dpl record name, dpl field, peer selector, peer field).
# A selector picks one record of the peer's "results" list. The scalar group has programs
# instead of a prefix and a script, and its own table (seconds, against Python).
GROUPS = {
    "conv2d": {
        "dpl": "conv2d",
        "peer": ["conv_layer.py", "--formats", "nchw"],
        "rows": [
            (f"conv2d {cin}→{cout}, {h}², N = 10, {label}", f"conv2d/{cin}x{cout}_{h}/{ph}", "median_ms",
             lambda r, cin=cin, cout=cout, peer=peer: r["shape"][1:3] == [cin, cout] and r["phase"] == peer,
             "median_ms")
            for (cin, cout, h) in [(16, 16, 128), (64, 64, 64), (1, 8, 128)]
            for (ph, peer, label) in [("fwd", "fwd", "forward"), ("bwd", "bwd dX+dW", "backward (dx, dw, db)")]
        ],
    },
    "unet_step": {
        "dpl": "unet_step",
        "peer": ["unet_step.py", "--configs", "4:8:128", "4:16:128"],
        "rows": [
            (f"U-Net training step, base {b}, 10 × 128², depth 4, Adam", f"unet_step/base{b}", "median_ms",
             lambda r, b=b: r["base"] == b and r["depth"] == 4,
             lambda r: r["train_step"]["median_ms"])
            for b in [8, 16]
        ],
    },
    "dp_contour": {
        "dpl": "dp_contour",
        "peer": ["dp_contour.py", "--batches", "100", "--skip-check",
                 "--variants", "torch_band_loop", "torch_band_unfold", "torch_dense"],
        "rows": [
            (f"closed-contour DP, B = 100, N = 25, M = 65, δ = {d} (fastest PyTorch variant)",
             f"dp_contour/B100_N25_M65_d{d}", "median_ms",
             lambda r, d=d: r["B"] == 100 and r["delta"] == d, "median_ms")
            for d in [1, 5]
        ],
    },
    "sgemm": {
        "dpl": "sgemm",
        "peer": ["matmul.py", "--threads", "2"],
        "rows": [
            (f"sgemm {n}³", f"sgemm/{n}", "median_ms", lambda r, n=n: r["n"] == n and r["threads"] == 2,
             "median_ms")
            for n in [512, 1024, 2048]
        ],
    },
    "scalar": {
        "programs": [w for (w, _) in SCALAR_PROGRAMS],
        "peer_name": "Python",
        "unit": "s",
        "rows": [
            (f"`{w}`: {what}", f"scalar/{w}", "s", lambda r, w=w: r["name"] == w, "s")
            for (w, what) in SCALAR_PROGRAMS
        ],
    },
}


def run(cmd, cwd=None):
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench-peers: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def dpl_round(dpl, prefix):
    return {r["name"]: r for r in json.loads(run([dpl, "bench", prefix, "--json"]))}


def peer_round(python, script, tmp, name):
    """One run of a peer script with its working folder in `tmp`; its JSON payload."""
    path, *rest = script
    out = os.path.join(tmp, name)
    if path == "matmul.py":
        # matmul.py names its file itself, next to the scripts when that folder is writable.
        run([python, os.path.join(PEER, path), *rest], cwd=tmp)
        out = next(p for p in (os.path.join(tmp, "results_matmul_torch.json"), os.path.join(PEER, "results_matmul_torch.json"))
                   if os.path.exists(p))
    else:
        run([python, os.path.join(PEER, path), *rest, "--out", out], cwd=tmp)
    with open(out) as f:
        return json.load(f)


def timed(cmd, cwd):
    """Runs `cmd`; a record of its wall and CPU (user + system) seconds and the last line it printed."""
    cpu = lambda: (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_CHILDREN))
    c0, t0 = cpu(), time.perf_counter()
    out = run(cmd, cwd=cwd)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": cpu() - c0, "printed": (out.strip().splitlines() or [""])[-1]}


def same_line(a, b):
    """Whether two printed lines agree: equal, or equal numbers to a relative 1e-6 (numpy's
    float32 sin and sum round differently from dpl's)."""
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    return abs(x - y) <= 1e-6 * max(abs(x), abs(y))


def scalar_round(dpls, python, tmp, clock):
    """One run of every scalar program, program by program: each dpl binary of `dpls` (side →
    path) and then Python. The records per side by name, and Python's as a list; each
    record's "s" is its time on `clock` ("wall_s" or "cpu_s")."""
    sides, peer = {side: {} for side in dpls}, []
    for w in GROUPS["scalar"]["programs"]:
        py = os.path.join(SCALAR, w + ".py")
        for side, dpl in dpls.items():
            r = sides[side][f"scalar/{w}"] = timed([dpl, "run", os.path.join(SCALAR, w + ".dpl")], tmp)
            r["s"] = r[clock]
        p = timed([python, py], tmp)
        peer.append({"name": w, "s": p[clock], **p})
        for side, dpl in dpls.items():
            line = sides[side][f"scalar/{w}"]["printed"]
            if not same_line(line, p["printed"]):
                sys.exit(f"bench-peers: {w}: {dpl} printed {line!r}, {py} printed {p['printed']!r}")
    return sides, peer


def field(record, key):
    return key(record) if callable(key) else record[key]


def load():
    return os.getloadavg()[0]


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--groups", nargs="+", default=[g for g in GROUPS if g != "scalar"], choices=list(GROUPS),
                    help="default: every group but scalar (minutes per round before issue 31's interpreter)")
    ap.add_argument("--dpl", default=os.path.join(ROOT, ".build", "release", "dpl"))
    ap.add_argument("--dpl-name", help="its name in the table's header (default: this checkout's commit)")
    ap.add_argument("--python", help="the peers' Python (default: ~/.peer-venv/bin/python; for the scalar "
                    "group alone, python3 when there is no venv)")
    ap.add_argument("--out", default="bench-peers.json")
    ap.add_argument("--baseline", help="another dpl binary to run in every round (a before/after comparison)")
    ap.add_argument("--baseline-name", default="baseline", help="its column's name in the table")
    ap.add_argument("--cpu", action="store_true", help="scalar group: CPU seconds (user + system) instead of wall time")
    args = ap.parse_args()
    if args.baseline and not os.path.exists(args.baseline):
        sys.exit(f"bench-peers: {args.baseline} not found (--baseline)")
    tensors = [g for g in args.groups if g != "scalar"]
    if args.python is None:
        venv = os.path.expanduser("~/.peer-venv/bin/python")
        args.python = venv if os.path.exists(venv) or tensors else shutil.which("python3") or "python3"
    for path, what in ((args.dpl, "a release build: swift build -c release"), (args.python, "the peer venv")):
        if not os.path.exists(path):
            sys.exit(f"bench-peers: {path} not found ({what})")
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    name = args.dpl_name or commit
    peers = []
    if tensors:
        torch = run([args.python, "-c", "import torch; print(torch.__version__)"]).strip()
        peers.append(f"PyTorch {torch} (2 threads)")
    if "scalar" in args.groups:
        versions = run([args.python, "-c", "import platform, numpy; print(platform.python_version(), numpy.__version__)"])
        python, numpy = versions.split()
        peers.append(f"CPython {python}, numpy {numpy}")
    start, loads = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), [load()]
    records = {g: {"dpl": [], "baseline": [], "peer": []} for g in args.groups}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            for g in args.groups:
                spec = GROUPS[g]
                if "programs" in spec:
                    dpls = {"dpl": args.dpl, **({"baseline": args.baseline} if args.baseline else {})}
                    sides, peer = scalar_round(dpls, args.python, tmp, "cpu_s" if args.cpu else "wall_s")
                    for side, rs in sides.items():
                        records[g][side].append(rs)
                    records[g]["peer"].append(peer)
                    loads.append(load())
                    print(f"round {k + 1}/{args.rounds}: {g} (load {loads[-1]:.1f})", file=sys.stderr)
                    continue
                records[g]["dpl"].append(dpl_round(args.dpl, spec["dpl"]))
                loads.append(load())
                if args.baseline:
                    records[g]["baseline"].append(dpl_round(args.baseline, spec["dpl"]))
                    loads.append(load())
                records[g]["peer"].append(peer_round(args.python, spec["peer"], tmp, f"{g}-{k}.json")["results"])
                loads.append(load())
                print(f"round {k + 1}/{args.rounds}: {g} (load {loads[-1]:.1f})", file=sys.stderr)
    print(f"Machine: {machine()}. dpl {name} (release), {', '.join(peers)}.")
    print(f"{args.rounds} alternating rounds from {start}; 1-minute load {min(loads):.1f}–{max(loads):.1f}.")
    table = []
    # One table per kind of peer: the tensor groups against PyTorch in ms, scalar against Python in s.
    for kind in ("PyTorch", "Python"):
        groups = [g for g in args.groups if GROUPS[g].get("peer_name", "PyTorch") == kind]
        if not groups:
            continue
        unit = GROUPS[groups[0]].get("unit", "ms")
        if kind == "Python":
            print(f"Scalar programs: {'CPU (user + system)' if args.cpu else 'wall'} seconds of whole processes.")
        base = f" dpl {args.baseline_name} ({unit}) |" if args.baseline else ""
        print(f"\n| benchmark | dpl ({unit}) |{base} {kind} ({unit}) | dpl / {kind} |")
        print("| --- | --- |" + (" --- |" if args.baseline else "") + " --- | --- |")
        for g in groups:
            for (label, rec, dkey, pick, pkey) in GROUPS[g]["rows"]:
                d = statistics.median(field(r[rec], dkey) for r in records[g]["dpl"])
                # The fastest matching peer record of each round (dp_contour has several variants).
                p = statistics.median(min(field(x, pkey) for x in rs if pick(x)) for rs in records[g]["peer"])
                row = {"benchmark": label, f"dpl_{unit}": d, f"{kind.lower()}_{unit}": p, "ratio": d / p}
                cell = ""
                if args.baseline:
                    row[f"baseline_{unit}"] = statistics.median(field(r[rec], dkey) for r in records[g]["baseline"])
                    cell = f" {row[f'baseline_{unit}']:.3g} |"
                table.append(row)
                print(f"| {label} | {d:.3g} |{cell} {p:.3g} | {d / p:.3g} |")
    with open(args.out, "w") as f:
        json.dump({"machine": machine(), "commit": commit, "dpl": name, "peers": peers, "start": start,
                   "loads": loads, "rows": table, "records": records}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
