"""The Python peer for the wire benchmark: FastAPI + uvicorn, verifying every request with
bittensor.http_auth.verify (bittensor 11.3.0), answering the same trivial task as the
Synod axon's benchmark handler."""

import json
import os

from bittensor import http_auth
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

RECEIVER = os.environ["SYNOD_BENCH_RECEIVER"]
app = FastAPI()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/v1/subnets/{netuid}/forward")
async def forward(netuid: int, request: Request) -> Response:
    body = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        http_auth.verify(request.headers, body, method="POST", path=target, self_hotkey_ss58=RECEIVER)
    except http_auth.AuthError as error:
        return JSONResponse({"error": type(error).__name__, "message": str(error)}, status_code=401)
    task = json.loads(body)
    return Response(json.dumps({"sum": sum(task["numbers"])}, separators=(",", ":")), media_type="application/json")
