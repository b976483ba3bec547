#!/usr/bin/env python3
"""Runs dpl's speed benchmarks and their PyTorch counterparts side by side, in one run.

Each round runs every group once on each side, alternating dpl and PyTorch, so that both
see the same machine load; the table holds the median over the rounds of each side's
per-round median. Prints a Markdown table (what BENCHMARKS.md quotes) and writes every
record to --out as JSON.

    scripts/bench-peers.py --rounds 3 [--groups conv2d unet_step dp_contour sgemm]
    scripts/bench-peers.py --groups unet_step dp_contour --baseline OLD/dpl --baseline-name e940628

With --baseline, a second dpl binary (an earlier build) runs in every round beside the
first, and the table gains its column: a before/after comparison under the same load.

Needs a release build (.build/release/dpl) and a Python with torch, for the scripts in
../shared/bench/peer (see their README: python3 -m venv ~/.peer-venv && ...).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "..", "shared", "bench", "peer")

# Per group: the dpl benchmark prefix, the peer script and its arguments, and the rows of
# the table as (label, dpl record name, dpl field, peer selector, peer field).
# A selector picks one record of the peer's "results" list.
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
    ap.add_argument("--groups", nargs="+", default=list(GROUPS), choices=list(GROUPS))
    ap.add_argument("--dpl", default=os.path.join(ROOT, ".build", "release", "dpl"))
    ap.add_argument("--python", default=os.path.expanduser("~/.peer-venv/bin/python"))
    ap.add_argument("--out", default="bench-peers.json")
    ap.add_argument("--baseline", help="another dpl binary to run in every round (a before/after comparison)")
    ap.add_argument("--baseline-name", default="baseline", help="its column's name in the table")
    args = ap.parse_args()
    if args.baseline and not os.path.exists(args.baseline):
        sys.exit(f"bench-peers: {args.baseline} not found (--baseline)")
    for path, what in ((args.dpl, "a release build: swift build -c release"), (args.python, "the peer venv")):
        if not os.path.exists(path):
            sys.exit(f"bench-peers: {path} not found ({what})")
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    torch = run([args.python, "-c", "import torch; print(torch.__version__)"]).strip()
    start, loads = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), [load()]
    records = {g: {"dpl": [], "baseline": [], "peer": []} for g in args.groups}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            for g in args.groups:
                spec = GROUPS[g]
                records[g]["dpl"].append(dpl_round(args.dpl, spec["dpl"]))
                loads.append(load())
                if args.baseline:
                    records[g]["baseline"].append(dpl_round(args.baseline, spec["dpl"]))
                    loads.append(load())
                records[g]["peer"].append(peer_round(args.python, spec["peer"], tmp, f"{g}-{k}.json")["results"])
                loads.append(load())
                print(f"round {k + 1}/{args.rounds}: {g} (load {loads[-1]:.1f})", file=sys.stderr)
    print(f"Machine: {machine()}. dpl {commit} (release), PyTorch {torch} (2 threads).")
    print(f"{args.rounds} alternating rounds from {start}; 1-minute load {min(loads):.1f}–{max(loads):.1f}.\n")
    base = f" dpl {args.baseline_name} (ms) |" if args.baseline else ""
    print(f"| benchmark | dpl (ms) |{base} PyTorch (ms) | dpl / PyTorch |")
    print("| --- | --- |" + (" --- |" if args.baseline else "") + " --- | --- |")
    table = []
    for g in args.groups:
        for (label, name, dkey, pick, pkey) in GROUPS[g]["rows"]:
            d = statistics.median(field(r[name], dkey) for r in records[g]["dpl"])
            # The fastest matching peer record of each round (dp_contour has several variants).
            p = statistics.median(min(field(x, pkey) for x in rs if pick(x)) for rs in records[g]["peer"])
            row = {"benchmark": label, "dpl_ms": d, "pytorch_ms": p, "ratio": d / p}
            cell = ""
            if args.baseline:
                row["baseline_ms"] = statistics.median(field(r[name], dkey) for r in records[g]["baseline"])
                cell = f" {row['baseline_ms']:.3g} |"
            table.append(row)
            print(f"| {label} | {d:.3g} |{cell} {p:.3g} | {d / p:.3g} |")
    with open(args.out, "w") as f:
        json.dump({"machine": machine(), "commit": commit, "torch": torch, "start": start, "loads": loads,
                   "rows": table, "records": records}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
