"""numpy float64 peer for Synod's consensus benchmark: the same Yuma steps, vectorised.

Reads the benchmark's input files (argv) and prints {"file": seconds per epoch}.
Not bit-exact (float64, a sort-based median): it is the speed reference only.
"""
import json
import sys
import time

import numpy as np


def load(path):
    with open(path) as f:
        d = json.load(f)
    n = len(d["stake"])
    w = np.zeros((n, n))
    for i, row in enumerate(d["weights"]):
        for j, v in row:
            w[i, j] = v
    b = np.zeros((n, n))
    for i, row in enumerate(d.get("bonds") or []):
        for j, v in row:
            b[i, j] = v
    return np.array(d["stake"], dtype=np.float64), w, b, d["emission"]


def col_normalize(m):
    s = m.sum(axis=0)
    s[s == 0] = 1
    return m / s


def epoch(stake, w, b, emission, kappa=32767 / 65535, alpha=0.1, k=64):
    s = stake / stake.sum()
    order = np.argsort(s, kind="stable")
    permit = np.zeros_like(s, dtype=bool)
    permit[order[-k:]] = True
    permit &= s > 0
    active = np.where(permit, s, 0.0)
    active = active / active.sum()
    w = w * permit[:, None]
    np.fill_diagonal(w, 0)
    rs = w.sum(axis=1, keepdims=True)
    rs[rs == 0] = 1
    w = w / rs
    rows = active > 0
    ws, st = w[rows], active[rows] / active[rows].sum()
    idx = np.argsort(ws, axis=0, kind="stable")
    cum = np.cumsum(st[idx], axis=0)
    pick = (cum > (1 - kappa)).argmax(axis=0)
    consensus = np.take_along_axis(ws, idx, axis=0)[pick, np.arange(w.shape[1])]
    clipped = np.minimum(w, consensus)
    trust = clipped.sum(axis=1)
    ranks = active @ clipped
    incentive = ranks / ranks.sum() if ranks.sum() else ranks
    delta = col_normalize(clipped * active[:, None])
    ema = col_normalize(alpha * delta + (1 - alpha) * col_normalize(b))
    dividends = ema @ incentive
    dividends = dividends / dividends.sum() if dividends.sum() else dividends
    combined = incentive + dividends
    return np.floor(combined / combined.sum() * emission), trust


def main():
    out = {}
    for path in sys.argv[1:]:
        stake, w, b, emission = load(path)
        # Short batches, many times over, the best counting: as Synod's side is timed.
        reps, batches = (5, 100) if len(stake) <= 512 else ((2, 12) if len(stake) <= 2048 else (1, 4))
        best = float("inf")
        for _ in range(batches):
            start = time.perf_counter()
            for _ in range(reps):
                epoch(stake, w.copy(), b, emission)
            best = min(best, (time.perf_counter() - start) / reps)
        out[path] = best
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
