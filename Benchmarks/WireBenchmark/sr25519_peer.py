"""sr25519 sign and verify rates of bittensor_core (Rust, what the SDK uses), one thread.

Prints one JSON line: {"sign": per_second, "verify": per_second}.
"""
import json
import sys
import time

from bittensor_core import CRYPTO_SR25519, Keypair

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
key = Keypair.create_from_seed(bytes([1] * 32), crypto_type=CRYPTO_SR25519)
message = bytes([7] * 256)
signature = key.sign(message)


def rate(operation):
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(64):
            operation()
        count += 64
    return count / (time.perf_counter() - start)


print(json.dumps({
    "sign": rate(lambda: key.sign(message)),
    "verify": rate(lambda: key.verify(message, signature)),
}))
