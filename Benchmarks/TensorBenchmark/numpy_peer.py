"""numpy peer for Synod's tensor benchmark: the same operations at the same sizes.

Prints one JSON object: {"numpy": version, "ops": {name: seconds per operation}}.
Run by TensorBenchmark in the same environment (OPENBLAS_* variables unchanged).
"""
import json
import sys
import time

import numpy as np


def best(fn, reps, rounds=5):
    result = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        result = min(result, (time.perf_counter() - start) / reps)
    return result


def main():
    rng = np.random.default_rng(1)
    ops = {}
    for label, n, reps in (("1M", 1 << 20, 50), ("16M", 1 << 24, 4)):
        a = rng.random(n, dtype=np.float32)
        b = rng.random(n, dtype=np.float32)
        ops[f"add {label}"] = best(lambda: a + b, reps)
        ops[f"mul {label}"] = best(lambda: a * b, reps)
        ops[f"exp {label}"] = best(lambda: np.exp(a), reps)
    x = rng.random(1 << 20, dtype=np.float32)
    ops["sum 1M"] = best(lambda: x.sum(), 200)
    ops["normalize 1M"] = best(lambda: x / x.sum(), 50)

    def softmax():
        e = np.exp(x - x.max())
        return e / e.sum()

    ops["softmax 1M"] = best(softmax, 50)
    m = rng.random((256, 768), dtype=np.float32)
    v = rng.random(768, dtype=np.float32)

    def cosine():
        return (m @ v) / (np.linalg.norm(m, axis=1) * np.linalg.norm(v))

    ops["cosine 256x768"] = best(cosine, 500)

    def topk():
        idx = np.argpartition(-x, 64)[:64]
        return idx[np.argsort(-x[idx], kind="stable")]

    ops["topk 64 of 1M"] = best(topk, 50)
    g1 = rng.random((1024, 1024), dtype=np.float32)
    g2 = rng.random((1024, 1024), dtype=np.float32)
    ops["sgemm 1024"] = best(lambda: g1 @ g2, 10)
    json.dump({"numpy": np.__version__, "ops": ops}, sys.stdout)


if __name__ == "__main__":
    main()
