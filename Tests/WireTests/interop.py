"""The bittensor SDK's side of Synod's interoperability tests.

Reads one JSON command per line on stdin and answers one JSON line each, so a test pays
for Python's start-up once. Commands:
  {"op": "sign", "seed": hex, "method", "path", "body": hex, "receiver": ss58, "nonce"?: int}
  {"op": "verify", "headers": {...}, "body": hex, "method", "path", "receiver": ss58}
  {"op": "wallet_new", "path", "name", "hotkey"}      -> ed25519 hotkey written by the SDK
  {"op": "wallet_read", "path", "name", "hotkey"}     -> the address the SDK reads
  {"op": "address", "public_key": hex}
"""

import json
import sys

import bittensor as bt
from bittensor import http_auth
from bittensor_core import CRYPTO_ED25519, CRYPTO_SR25519, Keypair, ss58_encode


def run(command: dict) -> dict:
    op = command["op"]
    if op == "sign":
        crypto = CRYPTO_ED25519 if command.get("scheme", "ed25519") == "ed25519" else CRYPTO_SR25519
        keypair = Keypair.create_from_seed(bytes.fromhex(command["seed"]), crypto_type=crypto)
        headers = http_auth.sign(
            keypair, method=command["method"], path=command["path"],
            body=bytes.fromhex(command["body"]), receiver_ss58=command["receiver"],
            nonce_ns=command.get("nonce"),
        )
        return {"headers": headers}
    if op == "verify":
        try:
            caller = http_auth.verify(
                command["headers"], bytes.fromhex(command["body"]),
                method=command["method"], path=command["path"], self_hotkey_ss58=command["receiver"],
            )
        except http_auth.AuthError as error:
            return {"error": type(error).__name__, "message": str(error)}
        return {"hotkey": caller.hotkey_ss58, "nonce": caller.nonce_ns}
    if op == "wallet_new":
        wallet = bt.Wallet(name=command["name"], hotkey=command["hotkey"], path=command["path"])
        crypto = CRYPTO_ED25519 if command.get("scheme", "ed25519") == "ed25519" else CRYPTO_SR25519
        wallet.create_new_hotkey(use_password=False, overwrite=True, suppress=True, crypto_type=crypto)
        return {"address": wallet.hotkey.ss58_address}
    if op == "wallet_read":
        wallet = bt.Wallet(name=command["name"], hotkey=command["hotkey"], path=command["path"])
        # Signing with the key read proves the whole key, not only the address, crossed over.
        signature = wallet.hotkey.sign(b"synod interop")
        return {"address": wallet.hotkey.ss58_address, "signature": "0x" + bytes(signature).hex()}
    if op == "mnemonic":
        words = Keypair.generate_mnemonic(command.get("words", 12))
        keypair = Keypair.create_from_mnemonic(words, crypto_type=CRYPTO_SR25519)
        return {"mnemonic": words, "address": keypair.ss58_address}
    if op == "address":
        return {"address": ss58_encode(bytes.fromhex(command["public_key"]), 42)}
    raise ValueError(f"unknown op {op}")


for line in sys.stdin:
    try:
        print(json.dumps(run(json.loads(line))), flush=True)
    except Exception as error:  # reported to the test, which fails with it
        print(json.dumps({"exception": f"{type(error).__name__}: {error}"}), flush=True)
