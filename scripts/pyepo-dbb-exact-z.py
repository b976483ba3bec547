#!/usr/bin/env python3
"""PyEPO's DBB run (../shared/bench/peer/pyepo/run_pyepo.py, seed 42, one process) with one
change: the L1 loss compares the path cost with PyTorch's own float32 `(w·c).sum(1)`
instead of Gurobi's objective z, so an optimal path has a loss gradient of exactly 0 (as in
dpl). docs/results.md quotes its regret. Run with the PyEPO venv's Python:

    ~/.peer-venv/bin/python scripts/pyepo-dbb-exact-z.py
"""
import os
import sys

PYEPO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "bench", "peer", "pyepo")
sys.path.insert(0, PYEPO)
sys.argv = ["run_pyepo.py", "--method", "dbb", "--data-seed", "42", "--processes", "1"] + sys.argv[1:]
import run_pyepo  # noqa: E402

original = run_pyepo.make_loss


def make_loss(method, optmodel, processes):
    loss, module = original(method, optmodel, processes)
    if method == "dbb":
        return (lambda cp, c, w, z: loss(cp, c, w, (w * c).sum(1).view(-1, 1))), module
    return loss, module


run_pyepo.make_loss = make_loss
run_pyepo.main()
