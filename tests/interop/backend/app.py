"""Realtime monitoring SSE backend, written the way FastAPI + sse-starlette services usually are.

One endpoint per channel, a `connected` event then named events numbered 1, 2, 3... on every
connection (Last-Event-ID is ignored: no history, no resume), a `ping` event every 30 s plus
sse-starlette's own comment pings, and a status endpoint with nothing but counters.

The tests drive it (tests/support/pythonBackend.ts); it also runs on its own:

    PYTHONPATH=.pydeps python3 tests/interop/backend/app.py --port 8000 --style dict

Every payload carries a marker, a per-process, per-channel sequence number that keeps counting
across connections (starting after --marker-start), so a test can tell exactly which events a
client applied:

    dashboard  breadth.unchanged       alerts    alert_id "py-<n>"
    training   step                    backtest  trades
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from sse_starlette import EventSourceResponse

CHANNELS = ("dashboard", "alerts", "training", "backtest")
EVENT_TYPES = {
    "dashboard": "dashboard_update",
    "alerts": "risk_alert",
    "training": "training_progress",
    "backtest": "backtest_progress",
}


@dataclass
class Settings:
    # "json": yield json.dumps(payload); "dict": yield the dict, which sse-starlette sends as str(dict).
    style: str = os.environ.get("SSE_PAYLOAD_STYLE", "json")
    rate: float = float(os.environ.get("SSE_RATE", "4"))  # events per second per connection
    ping_seconds: float = float(os.environ.get("SSE_PING_SECONDS", "30"))  # `ping` events
    comment_ping_seconds: float = float(os.environ.get("SSE_COMMENT_PING_SECONDS", "15"))
    fail_first: int = int(os.environ.get("SSE_FAIL_FIRST", "0"))  # first N stream requests get 500
    marker_start: int = int(os.environ.get("SSE_MARKER_START", "0"))


@dataclass
class Stats:
    connections: int = 0
    events_sent: int = 0
    stream_requests: int = 0
    sent: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CHANNELS})


settings = Settings()
stats = Stats()
markers = {channel: itertools.count(1) for channel in CHANNELS}

app = FastAPI(title="Realtime monitor SSE")
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_methods=["*"],
    allow_headers=["*"],
)


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


# Alert messages as real ones look: quotes, apostrophes, backslashes, tabs, non-ASCII.
ALERT_MESSAGES = [
    "Position weight 18.2% exceeds limit 15%",
    "Drawdown on 'mean-reversion-20d' reached 11.8%",
    'Symbol "600519.SH" moved 7.1% in 5 min',
    "Can't reach feed C:\\feeds\\sse\\level2 — retrying",
    "Exposure to 贵州茅台 (600519.SH) above limit 🚨",
    "Volatility spike: σ = 3.2 on CSI 300 ⚡ — l'écart s'élargit",
    "Liquidity: 漢字 order book thin, spread 0.8‰",
    "Line one\nline two\ttabbed, back\\slash and both quotes ' \"",
    "Emoji check 👩‍💻🇨🇳 and a zero-width joiner",
]
SEVERITIES = ("info", "warning", "critical")
CATEGORIES = ("drawdown", "exposure", "volatility", "concentration", "liquidity", "system")


def dashboard_payload(n: int, rng: random.Random) -> dict[str, Any]:
    last = round(3300 + rng.uniform(-50, 50), 2)
    return {
        "timestamp": now(),
        "indices": [
            {"symbol": "000001.SH", "name": "SSE Composite", "last": last,
             "change": round(last - 3300, 2), "change_pct": round((last - 3300) / 3300, 6)},
            {"symbol": "399001.SZ", "name": "SZSE Component", "last": 10512.0,
             "change": -12.5, "change_pct": -0.00119},
        ],
        "breadth": {"advancing": 2411 + n % 50, "declining": 1820, "unchanged": n},
        "turnover": 912345678901.0,
        "portfolio": {"equity": 1254300.5 + n, "pnl_day": 8450.2, "pnl_day_pct": 0.0068,
                      "exposure_pct": 0.62},
        # Extra fields a real service carries along (not in the contract): booleans, None, a tuple.
        "market_open": True,
        "halted": False,
        "source_note": None,
        "session": ("09:30", "15:00"),
    }


def alert_payload(n: int, rng: random.Random) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "alert_id": f"py-{n}",
        "timestamp": now(),
        "severity": SEVERITIES[n % len(SEVERITIES)],
        "category": CATEGORIES[n % len(CATEGORIES)],
        "message": ALERT_MESSAGES[n % len(ALERT_MESSAGES)],
        "acknowledged": False,
        "resolved_at": None,
    }
    if n % 3 != 0:
        payload["symbol"] = "600519.SH"
        payload["value"] = round(0.15 + rng.random() / 10, 4)
        payload["threshold"] = 0.15
    return payload


def training_payload(n: int, rng: random.Random) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "run_id": "r-py",
        "model": "lstm-v3",
        "timestamp": now(),
        "status": "running",
        "epoch": 1 + n // 100,
        "total_epochs": 10_000,
        "step": n,
        "total_steps": 1_000_000,
        "metrics": {"loss": round(1 / (1 + n / 50) + rng.random() / 100, 6), "accuracy": 0.71},
        "learning_rate": 5e-05,
        "eta_seconds": 930,
        "is_best": n % 5 == 0,
        "checkpoint": None,
    }
    return payload


def backtest_payload(n: int, rng: random.Random) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "backtest_id": "b-py",
        "strategy": "mean-reversion-20d",
        "timestamp": now(),
        "status": "running",
        "progress": min(1.0, n / 10_000),
        "current_date": "2021-06-30",
        "equity": 1183000.0 + rng.uniform(-1000, 1000),
        "benchmark_equity": 1090000.0,
        "drawdown": 0.034,
        "trades": n,
        "dry_run": False,
        "notes": None,
    }
    if n % 4 == 0:
        payload["metrics"] = {"total_return": 0.183, "annual_return": 0.071, "sharpe": 1.21,
                              "max_drawdown": 0.118, "win_rate": 0.54}
    return payload


BUILDERS = {
    "dashboard": dashboard_payload,
    "alerts": alert_payload,
    "training": training_payload,
    "backtest": backtest_payload,
}


def encode(data: dict[str, Any]) -> Any:
    return json.dumps(data) if settings.style == "json" else data


@app.get("/api/v1/sse/status")
async def status() -> dict[str, Any]:
    return {"connections": stats.connections, "events_sent": stats.events_sent, "sent": stats.sent}


@app.get("/api/v1/sse/{channel}")
async def stream(channel: str, request: Request) -> EventSourceResponse:
    if channel not in CHANNELS:
        raise HTTPException(status_code=404, detail=f"unknown channel {channel}")
    stats.stream_requests += 1
    if stats.stream_requests <= settings.fail_first:
        raise HTTPException(status_code=500, detail="backend warming up")

    async def events() -> AsyncIterator[Any]:
        stats.connections += 1
        rng = random.Random()
        try:
            yield {"event": "connected", "data": encode(
                {"client_id": request.query_params.get("client_id", "anonymous"),
                 "channels": [channel], "timestamp": now()})}
            interval = 1 / settings.rate if settings.rate > 0 else (settings.ping_seconds or 1)
            last_ping = time.monotonic()
            for event_id in itertools.count(1):
                await asyncio.sleep(interval)
                if await request.is_disconnected():
                    break
                if settings.ping_seconds > 0 and time.monotonic() - last_ping >= settings.ping_seconds:
                    last_ping = time.monotonic()
                    yield {"event": "ping", "data": encode({"timestamp": now()})}
                if settings.rate <= 0:
                    continue
                marker = settings.marker_start + next(markers[channel])
                payload = BUILDERS[channel](marker, rng)
                stats.events_sent += 1
                stats.sent[channel] += 1
                yield {"id": str(event_id), "event": EVENT_TYPES[channel], "data": encode(payload)}
        finally:
            stats.connections -= 1

    return EventSourceResponse(events(), ping=settings.comment_ping_seconds)


def exit_when_stdin_closes() -> None:
    """For test runners: the parent holds our stdin; when it goes away, so do we."""
    def watch() -> None:
        while sys.stdin.buffer.read(1024):
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--style", choices=("json", "dict"), default=settings.style)
    parser.add_argument("--rate", type=float, default=settings.rate,
                        help="events per second per channel connection (0: none)")
    parser.add_argument("--ping-seconds", type=float, default=settings.ping_seconds,
                        help="seconds between `ping` events (0: none)")
    parser.add_argument("--comment-ping-seconds", type=float, default=settings.comment_ping_seconds,
                        help="sse-starlette's comment ping interval (0: none)")
    parser.add_argument("--fail-first", type=int, default=settings.fail_first,
                        help="answer the first N stream requests with HTTP 500")
    parser.add_argument("--marker-start", type=int, default=settings.marker_start,
                        help="payload markers count from this number + 1")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="exit when stdin closes (the process that started us is gone)")
    args = parser.parse_args()
    settings.style = args.style
    settings.rate = args.rate
    settings.ping_seconds = args.ping_seconds
    settings.comment_ping_seconds = args.comment_ping_seconds
    settings.fail_first = args.fail_first
    settings.marker_start = args.marker_start
    if args.exit_with_stdin:
        exit_when_stdin_closes()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False,
                timeout_graceful_shutdown=1)


if __name__ == "__main__":
    main()
