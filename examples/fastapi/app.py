"""A FastAPI + sse-starlette backend that speaks the whole Realtime Monitor wire contract
(docs/protocol.md): per-channel streams and one multiplexed stream with ids ordered across
channels, Last-Event-ID resume (or `reset` when it cannot), /history, a status that advertises
all of it, json.dumps payloads and heartbeats.

    pip install -r examples/fastapi/requirements.txt
    python3 examples/fastapi/app.py --port 8000                      # invented events, in memory
    python3 examples/fastapi/app.py --redis-url redis://127.0.0.1:6379   # events from Redis Streams

With Redis it reads the Node server's streams (keys {rtm}:<channel>), so whatever is published
there (`npm run publish`, the Node server's simulator, store.publish() from Python) reaches it,
and a restarted process resumes its clients with nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from sse_starlette import EventSourceResponse, ServerSentEvent

import simulator
from store import CHANNELS, Event, MemoryStore, Plan, RedisStore, Subscription

MAX_ID_CHARS = 256  # a longer Last-Event-ID is never one of ours
MAX_HISTORY_LIMIT = 1000


@dataclass
class Settings:
    redis_url: str | None = os.environ.get("REDIS_URL") or None
    redis_prefix: str = os.environ.get("REDIS_PREFIX", "rtm")
    history: int = int(os.environ.get("RTM_HISTORY", "1000"))  # events kept per channel
    heartbeat_seconds: float = float(os.environ.get("RTM_HEARTBEAT_SECONDS", "15"))
    rate: float = float(os.environ.get("RTM_RATE", "2"))  # invented events/s per channel
    simulate: bool | None = None  # default: only without Redis
    token: str | None = os.environ.get("RTM_AUTH_TOKEN") or None
    cors: str = os.environ.get("RTM_CORS", "*")  # comma-separated origins, or *


settings = Settings()
store: MemoryStore | RedisStore


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global store
    store = (RedisStore(settings.redis_url, settings.redis_prefix, settings.history)
             if settings.redis_url else MemoryStore(settings.history))
    await store.start()
    demo = simulating()
    task = asyncio.create_task(simulator.run(store, settings.rate)) if demo else None
    yield
    if task:
        task.cancel()
    await store.close()


def simulating() -> bool:
    wanted = settings.simulate if settings.simulate is not None else not settings.redis_url
    return wanted and settings.rate > 0


app = FastAPI(title="Realtime Monitor backend kit", lifespan=lifespan)
app.add_middleware(
    CORSMiddleware,
    allow_origins=[o.strip() for o in settings.cors.split(",")],
    allow_methods=["GET"],
    allow_headers=["Authorization", "Last-Event-ID", "Content-Type"],
    expose_headers=["Retry-After"],
)


def authorize(request: Request) -> None:
    """With a token configured, every endpoint wants `Authorization: Bearer <token>`."""
    if settings.token and request.headers.get("authorization") != f"Bearer {settings.token}":
        raise HTTPException(401, "a valid bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})


def unavailable(error: Exception) -> HTTPException:
    return HTTPException(503, f"event store unavailable: {error}", headers={"Retry-After": "2"})


@app.get("/api/v1/sse/status", dependencies=[Depends(authorize)])
async def status() -> dict[str, Any]:
    return {
        "status": "ok",
        "channels": list(CHANNELS),
        "connections": store.subscribers.counts(),
        "multiplex": True,
        "history": settings.history,
        "heartbeat_seconds": settings.heartbeat_seconds,
        "server_time": simulator.now(),
        "data": "demo" if simulating() else "live",
    }


def control(event: str, payload: dict[str, Any]) -> ServerSentEvent:
    """connected, ping, reset: no id, so they never move the client's cursor."""
    return ServerSentEvent(event=event, data=json.dumps({**payload, "timestamp": simulator.now()}))


def channel_event(event: Event, mux: bool) -> ServerSentEvent:
    # The multiplexed stream adds the channel to the payload; the id stays the same.
    data = json.dumps({**event.payload(), "channel": event.channel}) if mux else event.data
    return ServerSentEvent(id=event.id, event=event.event, data=data)


async def events(sub: Subscription, plan: Plan, client_id: str, mux: bool
                 ) -> AsyncIterator[ServerSentEvent]:
    try:
        yield control("connected", {"client_id": client_id, "channels": list(sub.channels)})
        for channel in plan.resets:  # it cannot resume: say so before anything else
            yield control("reset", {"reason": plan.reason, **({"channel": channel} if mux else {})})
        for event in plan.replay:
            yield channel_event(event, mux)
        # Live events, minus those the replay already sent (we subscribed before reading it).
        floor = plan.replay[-1].key if plan.replay else plan.after
        while (live := await sub.queue.get()) is not None:  # None: too slow, end the stream
            if floor is None or live.key > floor:
                floor = None
                yield channel_event(live, mux)
    finally:
        store.subscribers.remove(sub)


async def open_stream(request: Request, channels: tuple[str, ...], mux: bool
                      ) -> EventSourceResponse:
    header = request.headers.get("last-event-id")
    last_event_id = header or request.query_params.get("last_event_id") or None
    # Subscribe first, then read what was missed: no event can fall in between.
    sub = store.subscribers.add(channels)
    try:
        plan = await store.plan(channels, last_event_id)
    except Exception as error:
        store.subscribers.remove(sub)
        raise unavailable(error) from error
    client_id = request.query_params.get("client_id") or f"c-{id(sub):x}"
    # sse-starlette sends `: ping` comments every heartbeat and `X-Accel-Buffering: no` for nginx.
    return EventSourceResponse(events(sub, plan, client_id, mux), ping=settings.heartbeat_seconds)


@app.get("/api/v1/sse/stream", dependencies=[Depends(authorize)])
async def multiplexed(request: Request, channels: str = "") -> EventSourceResponse:
    names = tuple(dict.fromkeys(c.strip() for c in channels.split(",") if c.strip()))
    if not names:
        raise HTTPException(400, "expected channels=a,b,c")
    for name in names:
        known_channel(name)
    return await open_stream(request, names, mux=True)


@app.get("/api/v1/sse/{channel}", dependencies=[Depends(authorize)])
async def channel_stream(request: Request, channel: str) -> EventSourceResponse:
    return await open_stream(request, (known_channel(channel),), mux=False)


@app.get("/api/v1/sse/{channel}/history", dependencies=[Depends(authorize)])
async def history(
    channel: str,
    after: str | None = Query(None, min_length=1, max_length=MAX_ID_CHARS),
    limit: int = Query(100, ge=1, le=MAX_HISTORY_LIMIT),
) -> dict[str, Any]:
    known_channel(channel)
    try:
        return await store.history(channel, after, limit)
    except Exception as error:
        raise unavailable(error) from error


def known_channel(name: str) -> str:
    if name not in CHANNELS:
        raise HTTPException(404, f"unknown channel {name!r}; channels: {', '.join(CHANNELS)}")
    return name


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
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                        help="0 picks a free port (uvicorn logs which)")
    parser.add_argument("--redis-url", default=settings.redis_url,
                        help="read events from Redis Streams (env REDIS_URL); none: in memory")
    parser.add_argument("--redis-prefix", default=settings.redis_prefix,
                        help="key prefix, as the Node server's --redis-prefix (default rtm)")
    parser.add_argument("--history", type=int, default=settings.history,
                        help="events kept per channel (in Redis: MAXLEN of what it publishes)")
    parser.add_argument("--heartbeat-seconds", type=float, default=settings.heartbeat_seconds)
    parser.add_argument("--rate", type=float, default=settings.rate,
                        help="invented events per second per channel")
    parser.add_argument("--simulate", action=argparse.BooleanOptionalAction, default=None,
                        help="publish invented events (default: only without Redis)")
    parser.add_argument("--token", default=settings.token,
                        help="require Authorization: Bearer <token> (env RTM_AUTH_TOKEN)")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="exit when stdin closes (test runners use it)")
    args = parser.parse_args()
    settings.redis_url = args.redis_url
    settings.redis_prefix = args.redis_prefix
    settings.history = max(1, args.history)
    settings.heartbeat_seconds = args.heartbeat_seconds
    settings.rate = args.rate
    settings.simulate = args.simulate
    settings.token = args.token
    if args.exit_with_stdin:
        exit_when_stdin_closes()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False,
                timeout_graceful_shutdown=1)


if __name__ == "__main__":
    main()
