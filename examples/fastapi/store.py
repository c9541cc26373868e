"""Where events live: in this process (MemoryStore) or in Redis Streams (RedisStore).

Both give every event one id, ordered across all channels, so one Last-Event-ID resumes a
multiplexed stream and an event has the same id on its channel stream, the multiplexed stream
and /history. Both answer the three questions the contract asks of a backend:

    plan(channels, last_event_id)  what to send a reconnecting stream: resets, then the replay
    history(channel, after, limit) a page of /history
    subscribe(channels)            a queue of live events, in id order
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHANNELS = ("dashboard", "alerts", "training", "backtest")

# A subscriber that falls this far behind is cut off; its client reconnects and resumes.
QUEUE_LIMIT = 10_000


@dataclass(frozen=True)
class Event:
    id: str
    key: tuple[int, int]  # the id as a sortable pair
    channel: str
    event: str
    data: str  # the JSON text of the payload, as json.dumps wrote it

    def payload(self) -> Any:
        return json.loads(self.data)


@dataclass
class Plan:
    resets: list[str]  # channels that may have lost events since the cursor
    reason: str
    replay: list[Event]  # events after the cursor, oldest first
    after: tuple[int, int] | None = None  # the cursor, when understood


@dataclass(eq=False)  # each one is its own (hashable by identity)
class Subscription:
    channels: tuple[str, ...]
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))

    overflowed: bool = False

    def offer(self, event: Event) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # Too slow: drop everything queued and end the stream (None). Its client resumes after
            # the last event it received, so nothing is lost; dropping only the oldest would be.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


def parse_id(text: str | None) -> tuple[int, int] | None:
    """`<ms>-<seq>` (a Redis entry id, also used by MemoryStore) as a pair; None if malformed."""
    match = re.fullmatch(r"(\d{1,15})-(\d{1,15})", text or "")
    return (int(match[1]), int(match[2])) if match else None


class Subscribers:
    def __init__(self) -> None:
        self.by_channel: dict[str, set[Subscription]] = {c: set() for c in CHANNELS}

    def add(self, channels: tuple[str, ...]) -> Subscription:
        sub = Subscription(channels)
        for channel in channels:
            self.by_channel[channel].add(sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        for channel in sub.channels:
            self.by_channel[channel].discard(sub)

    def deliver(self, event: Event) -> None:
        for sub in list(self.by_channel[event.channel]):
            sub.offer(event)

    def counts(self) -> dict[str, int]:
        return {c: len(subs) for c, subs in self.by_channel.items()}


class MemoryStore:
    """The newest `size` events per channel in this process. Ids are `<boot ms>-<n>`: after a
    restart, an id of the previous process is recognised as unknown and answered with `reset`
    instead of being mistaken for one of the new process's ids."""

    def __init__(self, size: int) -> None:
        self.boot = int(time.time() * 1000)
        self.last = 0
        self.rings: dict[str, deque[Event]] = {c: deque(maxlen=size) for c in CHANNELS}
        self.evicted: dict[str, int] = {c: 0 for c in CHANNELS}  # newest n pushed out of a ring
        self.subscribers = Subscribers()

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def publish(self, channel: str, event: str, payload: dict[str, Any]) -> str:
        self.last += 1
        stored = Event(f"{self.boot}-{self.last}", (self.boot, self.last), channel, event,
                       json.dumps(payload, allow_nan=False))
        ring = self.rings[channel]
        if ring.maxlen is not None and len(ring) == ring.maxlen and ring:
            self.evicted[channel] = ring[0].key[1]
        ring.append(stored)
        self.subscribers.deliver(stored)
        return stored.id

    def _cursor(self, text: str | None) -> int | None:
        key = parse_id(text)
        return key[1] if key and key[0] == self.boot and key[1] <= self.last else None

    async def plan(self, channels: tuple[str, ...], last_event_id: str | None) -> Plan:
        if last_event_id is None:
            return Plan([], "", [])
        after = self._cursor(last_event_id)
        if after is None:
            return Plan(list(channels), f"unknown last event id {last_event_id[:64]!r}", [])
        resets = [c for c in channels if self.evicted[c] > after]
        replay = sorted((e for c in channels for e in self.rings[c] if e.key[1] > after),
                        key=lambda e: e.key)
        return Plan(resets, f"events after id {last_event_id} are no longer kept", replay,
                    (self.boot, after))

    async def history(self, channel: str, after: str | None, limit: int) -> dict[str, Any]:
        ring = self.rings[channel]
        latest = ring[-1].id if ring else None
        if after is None:
            return page(list(ring)[-limit:], latest, False)
        cursor = self._cursor(after)
        if cursor is None:
            return page([], latest, True)
        events = [e for e in ring if e.key[1] > cursor][:limit]
        return page(events, latest, self.evicted[channel] > cursor)


def page(events: list[Event], latest_id: str | None, truncated: bool) -> dict[str, Any]:
    return {
        "events": [{"id": e.id, "event": e.event, "data": e.payload()} for e in events],
        "latest_id": latest_id,
        "truncated": truncated,
    }


class RedisStore:
    """Redis Streams with the Node server's layout, so both read and write the same events:
    keys `{prefix}:<channel>` with fields event, data and prev (the channel's previous entry id),
    `{prefix}:last-id` (the newest id of all channels) and `{prefix}:since` (the first id this
    Redis remembers). Producers publish through publish.lua, never with a bare XADD *: it keeps
    ids ordered across all channels."""

    BATCH = 500  # entries read per stream per XREAD

    def __init__(self, url: str, prefix: str, size: int) -> None:
        from redis import asyncio as aioredis  # only needed in Redis mode

        # Any: redis-py types every reply as sync-or-async, bytes-or-str; with decode_responses
        # and the asyncio client they are awaitable str replies.
        self.redis: Any = aioredis.from_url(url, decode_responses=True)
        self.reader_redis: Any = aioredis.from_url(url, decode_responses=True)
        self.keys = {c: f"{{{prefix}}}:{c}" for c in CHANNELS}
        self.last_id_key = f"{{{prefix}}}:last-id"
        self.since_key = f"{{{prefix}}}:since"
        self.size = size
        self.script = self.redis.register_script(
            (Path(__file__).parent / "publish.lua").read_text())
        self.subscribers = Subscribers()
        self.positions: dict[str, str] = {}
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for channel, key in self.keys.items():  # live events: those after the newest ones now
            newest = await self.redis.xrevrange(key, count=1)
            self.positions[channel] = newest[0][0] if newest else "0-0"
        self.reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self.reader:
            self.reader.cancel()
        await self.redis.aclose()
        await self.reader_redis.aclose()

    async def publish(self, channel: str, event: str, payload: dict[str, Any]) -> str:
        data = json.dumps(payload, allow_nan=False)
        keys = [self.keys[channel], self.last_id_key, self.since_key]
        return str(await self.script(keys=keys, args=[self.size, event, data]))

    def _event(self, channel: str, entry: tuple[str, dict[str, str]]) -> Event:
        entry_id, fields = entry
        return Event(entry_id, parse_id(entry_id) or (0, 0), channel,
                     fields.get("event", "message"), fields.get("data", ""))

    async def _read(self) -> None:
        """One XREAD loop for the whole process, fanned out to the subscribers in id order."""
        while True:
            try:
                reply = await self.reader_redis.xread(
                    {self.keys[c]: self.positions[c] for c in CHANNELS}, count=self.BATCH,
                    block=5000)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: the client library reconnects; try again shortly
                await asyncio.sleep(0.2)
                continue
            channel_of = {key: c for c, key in self.keys.items()}
            events: list[Event] = []
            cut: tuple[int, int] | None = None  # a full batch may have older entries unread
            for key, entries in reply or []:
                if len(entries) >= self.BATCH:
                    last = parse_id(entries[-1][0]) or (0, 0)
                    cut = last if cut is None else min(cut, last)
                events += [self._event(channel_of[key], entry) for entry in entries]
            for event in sorted(events, key=lambda e: e.key):
                if cut is not None and event.key > cut:
                    break
                self.positions[event.channel] = event.id
                self.subscribers.deliver(event)

    @staticmethod
    def _trimmed_after(first: list[tuple[str, dict[str, str]]], after: tuple[int, int]) -> bool:
        """True when entries after `after` were trimmed away, judged by the first entry left
        (XRANGE - + COUNT 1), which names the channel's entry before it in `prev`."""
        if not first:
            return False
        entry_id, fields = first[0]
        prev = parse_id(fields.get("prev")) or parse_id(entry_id)
        return prev is not None and prev > after

    def _known(self, text: str, last_id: str | None, since_id: str | None
               ) -> tuple[tuple[int, int] | None, str]:
        """The cursor if this Redis can resume after it, else why not."""
        after = parse_id(text)
        newest = parse_id(last_id or "0-0")
        if after is None or newest is None or after > newest:
            return None, f"unknown last event id {text[:64]!r}"
        since = parse_id(since_id or "0-0")
        if since is not None and since > after:
            return None, f"the event store lost its data after id {text}"
        return after, ""

    async def plan(self, channels: tuple[str, ...], last_event_id: str | None) -> Plan:
        if last_event_id is None:
            return Plan([], "", [])
        # One transaction, so the replay is a snapshot: every event not in it is newer than all
        # that are (the publish script orders ids as it commits them), and live ones after the
        # last replayed id are exactly the rest.
        tx = self.redis.pipeline(transaction=True)
        tx.get(self.last_id_key).get(self.since_key)
        if parse_id(last_event_id):
            for channel in channels:
                tx.xrange(self.keys[channel], count=1).xrange(self.keys[channel],
                                                              min=f"({last_event_id}")
        last_id, since_id, *ranges = await tx.execute()
        after, why = self._known(last_event_id, last_id, since_id)
        if after is None:
            return Plan(list(channels), why, [])
        resets = [c for i, c in enumerate(channels) if self._trimmed_after(ranges[2 * i], after)]
        replay = [self._event(c, entry) for i, c in enumerate(channels)
                  for entry in ranges[2 * i + 1]]
        replay.sort(key=lambda e: e.key)
        return Plan(resets, f"events after id {last_event_id} are no longer kept", replay, after)

    async def history(self, channel: str, after: str | None, limit: int) -> dict[str, Any]:
        key = self.keys[channel]
        if after is None:
            entries = list(reversed(await self.redis.xrevrange(key, count=limit)))
            latest = entries[-1][0] if entries else None
            return page([self._event(channel, e) for e in entries], latest, False)
        tx = self.redis.pipeline(transaction=True)
        tx.get(self.last_id_key).get(self.since_key).xrevrange(key, count=1).xrange(key, count=1)
        if parse_id(after):
            tx.xrange(key, min=f"({after}", count=limit)
        last_id, since_id, newest, first, *found = await tx.execute()
        latest = newest[0][0] if newest else None
        cursor, top = parse_id(after), parse_id(last_id or "0-0")
        if cursor is None or top is None or cursor > top:  # not an id of this store
            return page([], latest, True)
        # Known but older than what is kept: the page starts at the oldest event left.
        since = parse_id(since_id or "0-0")
        lost = (since is not None and since > cursor) or self._trimmed_after(first, cursor)
        return page([self._event(channel, e) for e in found[0]], latest, lost)
