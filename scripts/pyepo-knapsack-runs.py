#!/usr/bin/env python3
"""PyEPO's knapsack peer (../shared/bench/peer/pyepo/run_pyepo_knapsack.py, data seed 42) for
runs the script does not offer: other torch seeds, and PyEPO's negative identity
(`pyepo.func.negativeIdentity`, Sahoo et al. 2023) as method `nid`, with DBB's L1 regret
loss. Each argument is METHOD:TORCH_SEED; one JSON line per run, as the peer prints.
docs/pto.md quotes its figures. Run with the PyEPO venv's Python:

    ~/.peer-venv/bin/python scripts/pyepo-knapsack-runs.py nid:42 dbb:1 dbb:2 2s:1 pfyl:2
"""
import json
import os
import sys
from types import SimpleNamespace

PYEPO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "bench", "peer", "pyepo")
sys.path.insert(0, PYEPO)
import pyepo  # noqa: E402
import run_pyepo_knapsack as peer  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

original = peer.make_loss


def make_loss(method, optmodel):
    if method == "nid":
        nid = pyepo.func.negativeIdentity(optmodel, processes=1)
        l1 = nn.L1Loss()
        return lambda cp, c, w, z: l1((nid(cp) * c).sum(1).view(-1, 1), z)
    return original(method, optmodel)


peer.make_loss = make_loss


def main():
    torch.set_num_threads(1)
    _, optmodel, ds_train, ds_test = peer.build(42, 42)
    for spec in sys.argv[1:]:
        method, seed = spec.split(":")
        args = SimpleNamespace(torch_seed=int(seed), epochs=20, data_seed=42)
        record = peer.run_method(method, optmodel, ds_train, ds_test, args)
        record["torch_seed"] = int(seed)
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
