"""Runs the resume lines of examples/fastapi/README.md as the existing app they are added to.

The README shows only what a team adds to an endpoint it already has; this host is the rest of
that app: a FastAPI `app` with a status endpoint declared first, a producer that publishes into
the snippet's `store`, and /history read from that store, so a test can check the resume.

    python3 tests/interop/backend/readme_snippet_host.py --snippet snippet.py --port 0
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request

KIT = Path(__file__).resolve().parents[3] / "examples" / "fastapi"
sys.path.insert(0, str(KIT))  # the snippet imports store.py from the kit

import simulator  # noqa: E402  (after the path is set)

parser = argparse.ArgumentParser()
parser.add_argument("--snippet", required=True)
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--rate", type=float, default=20)
parser.add_argument("--exit-with-stdin", action="store_true")
args = parser.parse_args()

app = FastAPI()


@app.get("/api/v1/sse/status")  # an existing app's own endpoint, declared before the snippet's
async def status() -> dict[str, object]:
    return {"status": "ok", "history": 1000, "heartbeat_seconds": 15}


namespace: dict[str, object] = {"app": app, "Request": Request, "__name__": "readme_snippet"}
exec(compile(Path(args.snippet).read_text(), "examples/fastapi/README.md", "exec"), namespace)
store = namespace["store"]


@app.get("/api/v1/sse/{channel}/history")
async def history(channel: str, after: str | None = None, limit: int = 100) -> dict[str, object]:
    return await store.history(channel, after, limit)  # type: ignore[attr-defined]


tasks: list[asyncio.Task[None]] = []  # held, so the producer is not garbage-collected


async def produce() -> None:
    await store.start()  # type: ignore[attr-defined]
    tasks.append(asyncio.create_task(simulator.run(store, args.rate)))


app.router.on_startup.append(produce)

if args.exit_with_stdin:
    def watch() -> None:
        while sys.stdin.buffer.read(1024):
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()

uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", access_log=False,
            timeout_graceful_shutdown=1)
