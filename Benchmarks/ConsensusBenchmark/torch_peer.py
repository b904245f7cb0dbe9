"""torch float32 peer for Synod's consensus benchmark: Yuma as yuma-simulation's `YumaRust`
computes it, in dense torch operations over full validators x UIDs matrices.

yuma-simulation is not on PyPI, so this is written from its steps: row-normalised W,
normalised S, prerank, a stake-weighted kappa consensus per miner found by binary search
over a precision grid (all miners at once), clipping, rank, incentive, trust, EMA bonds
(column-normalised), dividends. Not bit-exact (float32): it is the speed reference only.

Reads the benchmark's input files (argv) and prints {"file": seconds per epoch, ...} with
"torch" (its version) and "threads".
"""
import json
import sys
import time

import torch


def load(path):
    """W and B as yuma-simulation shapes them: validators (UIDs with stake) x every UID."""
    with open(path) as f:
        d = json.load(f)
    n = len(d["stake"])
    validators = [i for i, s in enumerate(d["stake"]) if s > 0]
    row = {uid: r for r, uid in enumerate(validators)}
    w = torch.zeros((len(validators), n), dtype=torch.float32)
    b = torch.zeros((len(validators), n), dtype=torch.float32)
    for matrix, rows in ((w, d["weights"]), (b, d.get("bonds") or [])):
        for i, entries in enumerate(rows):
            for j, v in entries:
                if i in row:
                    matrix[row[i], j] = v
    stake = torch.tensor([d["stake"][i] for i in validators], dtype=torch.float64).float()
    return stake, w, b


def yuma_rust(W, S, B_old, kappa=0.5, bond_penalty=1.0, bond_alpha=0.1, precision=100_000):
    # Weights: rows normalised (validators' own rows; a row of zeros stays zeros).
    W = W / (W.sum(dim=1, keepdim=True) + 1e-6)
    # Stake normalised.
    S = S / S.sum()
    # Prerank.
    P = (S.view(-1, 1) * W).sum(0)
    # Consensus: per miner the highest weight c on the precision grid that more than kappa
    # of the stake weights above, by bisection (every miner at once).
    c_low = torch.zeros(W.shape[1])
    c_high = torch.ones(W.shape[1])
    while float((c_high - c_low).max()) > 1 / precision:
        c_mid = (c_high + c_low) / 2
        above = S @ (W > c_mid).float()
        higher = above > kappa
        c_low = torch.where(higher, c_mid, c_low)
        c_high = torch.where(higher, c_high, c_mid)
    C = (c_high / c_high.sum() * 65_535).int() / 65_535
    # Clipping, rank, incentive, trust.
    W_clipped = torch.min(W, C)
    R = (S.view(-1, 1) * W_clipped).sum(0)
    I = (R / R.sum()).nan_to_num(0)
    T = (R / P).nan_to_num(0)
    T_v = W_clipped.sum(1) / W.sum(1)
    # Bonds: penalised weights times stake, column-normalised, then the EMA.
    W_b = (1 - bond_penalty) * W + bond_penalty * W_clipped
    B = S.view(-1, 1) * W_b / (S.view(-1, 1) * W_b).sum(0)
    B = B.nan_to_num(0)
    B_old = B_old / B_old.sum(0).clamp(min=1e-12)
    B_ema = bond_alpha * B + (1 - bond_alpha) * B_old
    B_ema = B_ema / B_ema.sum(0).clamp(min=1e-12)
    # Dividends.
    D = (B_ema * I).sum(1)
    D_normalized = D / D.sum()
    return I, D_normalized, T, T_v, B_ema


def main():
    torch.set_num_threads(2)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    with torch.no_grad():
        for path in sys.argv[1:]:
            S, W, B = load(path)
            # Short batches, many times over, the best counting: as Synod's side is timed.
            reps, batches = (5, 100) if len(S) <= 512 else ((2, 12) if len(S) <= 2048 else (1, 4))
            yuma_rust(W, S, B)
            best = float("inf")
            for _ in range(batches):
                start = time.perf_counter()
                for _ in range(reps):
                    yuma_rust(W, S, B)
                best = min(best, (time.perf_counter() - start) / reps)
            out[path] = best
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
