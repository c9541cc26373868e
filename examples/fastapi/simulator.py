"""Invented events for the four channels, for a backend without a real producer (status says
`"data": "demo"`). Your producers call `store.publish(channel, event, payload)` the same way."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

EVENT_TYPES = {
    "dashboard": "dashboard_update",
    "alerts": "risk_alert",
    "training": "training_progress",
    "backtest": "backtest_progress",
}


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def dashboard(n: int, rng: random.Random) -> dict[str, Any]:
    last = round(3300 + rng.uniform(-40, 40), 2)
    return {
        "timestamp": now(),
        "indices": [
            {"symbol": "000001.SH", "name": "SSE Composite", "last": last,
             "change": round(last - 3300, 2), "change_pct": round((last - 3300) / 3300, 6)},
            {"symbol": "399001.SZ", "name": "SZSE Component", "last": 10512.0,
             "change": -12.5, "change_pct": -0.00119},
        ],
        "breadth": {"advancing": 2411 + n % 50, "declining": 1820, "unchanged": 301},
        "turnover": 912345678901.0 + n,
        "portfolio": {"equity": round(1254300.5 + rng.uniform(-900, 900), 2), "pnl_day": 8450.2,
                      "pnl_day_pct": 0.0068, "exposure_pct": 0.62},
    }


def alert(n: int, rng: random.Random) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "alert_id": f"a-{n}",
        "timestamp": now(),
        "severity": ("info", "warning", "critical")[n % 3],
        "category": ("drawdown", "exposure", "volatility", "concentration", "liquidity")[n % 5],
        "message": f"Position weight {15 + n % 7}.2% exceeds limit 15%",
    }
    if n % 2:  # optional fields: sometimes there, sometimes None, sometimes absent
        payload.update(symbol="600519.SH", value=round(0.15 + rng.random() / 10, 4), threshold=0.15)
    elif n % 4 == 0:
        payload["symbol"] = None
    return payload


def training(n: int, rng: random.Random) -> dict[str, Any]:
    run, step = divmod(n, 400)  # a run every 400 events, 8 epochs of 50 steps
    done = step == 399
    return {
        "run_id": f"r-{run}", "model": "lstm-v3", "timestamp": now(),
        "status": "completed" if done else "running",
        "epoch": 1 + step // 50, "total_epochs": 8, "step": step, "total_steps": 400,
        "metrics": {"loss": round(1 / (1 + step / 40) + rng.random() / 100, 6),
                    "val_loss": None, "accuracy": round(min(0.99, 0.5 + step / 900), 4)},
        "learning_rate": 5e-4, "eta_seconds": (399 - step) * 2,
    }


def backtest(n: int, rng: random.Random) -> dict[str, Any]:
    run, step = divmod(n, 250)
    payload: dict[str, Any] = {
        "backtest_id": f"b-{run}", "strategy": "mean-reversion-20d", "timestamp": now(),
        "status": "completed" if step == 249 else "running",
        "progress": round((step + 1) / 250, 4), "current_date": f"2021-{1 + step // 25:02d}-15",
        "equity": round(1_000_000 * (1 + step / 1000) + rng.uniform(-500, 500), 2),
        "benchmark_equity": round(1_000_000 * (1 + step / 1500), 2),
        "drawdown": round(rng.uniform(0, 0.05), 4), "trades": step * 3,
    }
    if step == 249:
        payload["metrics"] = {"total_return": 0.183, "annual_return": 0.071, "sharpe": 1.21,
                              "max_drawdown": 0.118, "win_rate": 0.54}
    return payload


BUILDERS: dict[str, Callable[[int, random.Random], dict[str, Any]]] = {
    "dashboard": dashboard, "alerts": alert, "training": training, "backtest": backtest,
}


async def run(store: Any, rate: float, seed: int | None = None) -> None:
    """Publishes `rate` events per second on each channel, forever."""
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        for channel, build in BUILDERS.items():
            try:
                await store.publish(channel, EVENT_TYPES[channel], build(n, rng))
            except Exception:  # the store is away (Redis restarting): skip this event
                pass
        await asyncio.sleep(1 / rate)
