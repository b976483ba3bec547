#!/usr/bin/env python3
"""PyEPO's shortest-path and knapsack benchmarks, dpl beside PyEPO 2.2.7, in one run.

For each data seed, PyEPO's own script (../shared/bench/peer/pyepo/run_pyepo.py for the
shortest path, run_pyepo_knapsack.py for the knapsack; one process) generates and exports
the data and trains every method; dpl then trains each method on the exported file
(programs/pto/shortest_path.dpl or knapsack.dpl). Both report the test regret after 20
epochs and the training time alone (no evaluation). Each round alternates the sides; the
table holds the first round's regrets (both sides are deterministic) and the median
training time over the rounds. Prints a Markdown table and writes the records to --out as
JSON. Methods only dpl runs (net, nid) show "—" on PyEPO's side.

    scripts/bench-pto.py --rounds 3 --data-seeds 42 7 135
    scripts/bench-pto.py --problem knapsack --rounds 1 --data-seeds 42

Needs a release build (.build/release/dpl) and a Python with pyepo, gurobipy and torch
(see ../shared/bench/peer/pyepo/README.md).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYEPO = os.path.join(ROOT, "..", "shared", "bench", "peer", "pyepo")
METHODS = ["2s", "spo+", "pfyl", "dbb", "dpo"]
# problem → the peer's script and its extra arguments, the file it exports, dpl's program,
# and the methods dpl runs beyond PyEPO's five.
PROBLEMS = {
    "shortest_path": ("run_pyepo.py", ["--processes", "1"], "sp5_deg4_e05_s{seed}.safetensors", "shortest_path.dpl", ["net"]),
    "knapsack": ("run_pyepo_knapsack.py", [], "ks32_deg4_e05_s{seed}.safetensors", "knapsack.dpl", ["nid"]),
}


def pyepo_round(python, problem, seed, folder):
    script, extra = PROBLEMS[problem][0], PROBLEMS[problem][1]
    env = dict(os.environ, PYEPO_OUT=folder)
    out = subprocess.run([python, os.path.join(PYEPO, script), "--method", "all", "--data-seed", str(seed), "--export"] + extra,
                         env=env, capture_output=True, text=True, check=True).stdout
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {r["method"]: r for r in records if "method" in r}


def dpl_run(dpl, problem, data, method, folder):
    run = os.path.join(folder, f"run-{method}")
    subprocess.run([dpl, "run", os.path.join(ROOT, "programs", "pto", PROBLEMS[problem][3]), "--set", f"data={data}",
                    f"method={method}", "--out", run], cwd=ROOT, capture_output=True, text=True, check=True)
    with open(os.path.join(run, "metrics.json")) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problem", choices=sorted(PROBLEMS), default="shortest_path")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data-seeds", type=int, nargs="+", default=[42])
    ap.add_argument("--dpl", default=os.path.join(ROOT, ".build", "release", "dpl"))
    ap.add_argument("--python", default=os.path.expanduser("~/.peer-venv/bin/python"))
    ap.add_argument("--out", default="bench-pto.json")
    args = ap.parse_args()
    rows, records = [], []
    mine_only = PROBLEMS[args.problem][4]
    for seed in args.data_seeds:
        peer_t = {m: [] for m in METHODS}
        dpl_t = {m: [] for m in METHODS + mine_only}
        peer_r, dpl_r = {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, PROBLEMS[args.problem][2].format(seed=seed))
            for k in range(args.rounds):
                peer = pyepo_round(args.python, args.problem, seed, tmp)
                for m in METHODS:
                    peer_t[m].append(peer[m]["train_seconds"])
                    peer_r.setdefault(m, peer[m]["regret"])
                for m in METHODS + mine_only:
                    with tempfile.TemporaryDirectory() as runs:
                        mine = dpl_run(args.dpl, args.problem, data, m, runs)
                    dpl_t[m].append(mine["train_seconds"])
                    dpl_r.setdefault(m, mine["test_regret"])
                records.append({"data_seed": seed, "round": k, "pyepo": peer_t, "dpl": dpl_t})
        for m in METHODS + mine_only:
            p = statistics.median(peer_t[m]) if m in peer_t else None
            d = statistics.median(dpl_t[m])
            rows.append((seed, m, dpl_r[m], peer_r.get(m), d, p))
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
                 platform.machine())
    print(f"{args.problem}; machine: {model}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end; "
          f"{args.rounds} rounds, median training seconds\n")
    print("| data seed | method | dpl regret | PyEPO regret | dpl train s | PyEPO train s | PyEPO / dpl |")
    print("|---|---|---|---|---|---|---|")
    for seed, m, dr, pr, d, p in rows:
        pr_s = f"{100 * pr:.2f} %" if pr is not None else "—"
        p_s = f"{p:.3f}" if p is not None else "—"
        ratio = f"{p / d:.0f} ×" if p is not None and d > 0 else "—"
        print(f"| {seed} | {m} | {100 * dr:.2f} % | {pr_s} | {d:.3f} | {p_s} | {ratio} |")
    with open(args.out, "w") as f:
        json.dump({"rows": rows, "records": records}, f, indent=1)


if __name__ == "__main__":
    main()
