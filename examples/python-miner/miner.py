#!/usr/bin/env python3
"""A complete Synod miner in Python, using only the standard library and `bittensor`.

It serves the Synod miner protocol (docs/miner-protocol.md):

    POST /v1/subnets/{netuid}/forward   btauth/1-signed JSON task -> JSON answer
    GET  /health                         {"status": "ok"}

The task here is the bundled `echo-sum` subnet's: {"numbers": [...]} -> {"sum": ...}.
Replace `answer()` with your subnet's work.

    pip install bittensor==11.3.0
    python miner.py --wallet miner --hotkey default --port 8091 [--validator 5F...]

The hotkey must be an ed25519 key (create one with `synod keys new --wallet miner`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import bittensor as bt
from bittensor import http_auth

FORWARD = re.compile(r"^/v1/subnets/(\d+)/forward$")
MAX_BODY = 1 << 20


def answer(netuid: int, task: dict) -> dict:
    """The miner's work: here, the echo-sum subnet's sum."""
    numbers = task.get("numbers")
    if not isinstance(numbers, list) or not all(isinstance(n, (int, float)) for n in numbers):
        raise ValueError("task.numbers must be a list of numbers")
    return {"sum": sum(numbers)}


def make_handler(hotkey_ss58: str, validators: set[str] | None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/health":
                self.reply(200, {"status": "ok"})
            else:
                self.reply(404, {"error": "not_found", "message": f"no route {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.reply(413, {"error": "too_large", "message": f"body exceeds {MAX_BODY} bytes"})
                return
            body = self.rfile.read(length)
            match = FORWARD.match(self.path.split("?", 1)[0])
            if match is None:
                self.reply(404, {"error": "not_found", "message": f"no route {self.path}"})
                return
            try:
                # Verify over the raw bytes and the request target exactly as received.
                caller = http_auth.verify(
                    dict(self.headers.items()), body,
                    method="POST", path=self.path, self_hotkey_ss58=hotkey_ss58,
                )
            except http_auth.AuthError as error:
                self.reply(401, {"error": type(error).__name__, "message": str(error)})
                return
            if validators is not None and caller.hotkey_ss58 not in validators:
                self.reply(403, {"error": "forbidden", "message": "not a validator this miner serves"})
                return
            try:
                task = json.loads(body)
                result = answer(int(match.group(1)), task)
            except (ValueError, AttributeError) as error:
                self.reply(400, {"error": "bad_task", "message": str(error)})
                return
            self.reply(200, result)

        def log_message(self, *_args) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="A Synod miner (btauth/1, ed25519 hotkey).")
    parser.add_argument("--wallet", default="default", help="wallet name")
    parser.add_argument("--hotkey", default="default", help="hotkey name")
    parser.add_argument("--wallet-path", default=None, help="wallets directory (default ~/.bittensor/wallets)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091, help="0 picks a free port")
    parser.add_argument("--validator", action="append", help="only accept these validator hotkeys")
    args = parser.parse_args()

    wallet_args = {"name": args.wallet, "hotkey": args.hotkey}
    if args.wallet_path:
        wallet_args["path"] = args.wallet_path
    hotkey = bt.Wallet(**wallet_args).hotkey
    validators = set(args.validator) if args.validator else None
    server = ThreadingHTTPServer((args.host, args.port), make_handler(hotkey.ss58_address, validators))
    # The first line tells a supervisor (or a test) where the miner listens.
    print(f"listening {server.server_address[1]} {hotkey.ss58_address}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
