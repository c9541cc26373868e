// In-memory event hub: one global id counter, a ring buffer per channel, the subscribers of each.
import { CHANNELS, type Channel } from '../src/protocol/contract.ts'
import {
  deliverToAll,
  envelope,
  warnDropped,
  type DropReport,
  type EventHub,
  type HistoryPage,
  type ResumePlan,
  type StoredEvent,
  type Subscriber,
} from './events.ts'

/** An event in a state file: id, event type, data text. */
export type SavedEvent = [id: number, event: string, data: string]

export interface HubSnapshot {
  lastId: number
  channels: Record<Channel, { evictedMax: number; events: SavedEvent[] }>
}

/** Fixed-size ring of the newest events of one channel; remembers the highest evicted id. */
export class Ring {
  private readonly items: (StoredEvent | undefined)[]
  private start = 0
  size = 0
  evictedMax = 0

  constructor(readonly capacity: number) {
    this.items = new Array<StoredEvent | undefined>(capacity)
  }

  push(stored: StoredEvent): void {
    if (this.capacity === 0) {
      this.evictedMax = Math.max(this.evictedMax, stored.major)
      return
    }
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = stored
      this.size += 1
      return
    }
    this.evictedMax = Math.max(this.evictedMax, this.items[this.start]?.major ?? 0)
    this.items[this.start] = stored
    this.start = (this.start + 1) % this.capacity
  }

  at(index: number): StoredEvent {
    return this.items[(this.start + index) % this.capacity] as StoredEvent
  }

  latest(): StoredEvent | undefined {
    return this.size === 0 ? undefined : this.at(this.size - 1)
  }

  /** Events with id > `after`, oldest first, at most `limit`. */
  after(after: number, limit = Infinity): StoredEvent[] {
    let low = 0
    let high = this.size
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.at(middle).major > after) high = middle
      else low = middle + 1
    }
    return this.slice(low, Math.min(this.size, low + limit))
  }

  /** The newest `count` events, oldest first. */
  newest(count: number): StoredEvent[] {
    return this.slice(Math.max(0, this.size - count), this.size)
  }

  private slice(from: number, to: number): StoredEvent[] {
    const out: StoredEvent[] = []
    for (let index = from; index < to; index += 1) out.push(this.at(index))
    return out
  }
}

/** A last event id the hub can resume from: a canonical decimal integer. */
function parseId(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined
}

export class MemoryHub implements EventHub {
  readonly kind = 'memory'
  private lastId = 0
  readonly rings: Record<Channel, Ring>
  readonly subscribers: Record<Channel, Set<Subscriber>>

  constructor(
    historySize: number,
    private readonly report: DropReport = warnDropped,
  ) {
    this.rings = Object.fromEntries(CHANNELS.map((c) => [c, new Ring(historySize)])) as Record<
      Channel,
      Ring
    >
    this.subscribers = Object.fromEntries(CHANNELS.map((c) => [c, new Set()])) as Record<
      Channel,
      Set<Subscriber>
    >
  }

  get latestId(): number {
    return this.lastId
  }

  /** The id counter and every ring, oldest first, for a state file. */
  snapshot(): HubSnapshot {
    const channels = Object.fromEntries(
      CHANNELS.map((channel) => {
        const ring = this.rings[channel]
        const events = ring.newest(ring.size).map((e): SavedEvent => [e.major, e.event, e.data])
        return [channel, { evictedMax: ring.evictedMax, events }]
      }),
    ) as HubSnapshot['channels']
    return { lastId: this.lastId, channels }
  }

  /** Loads a snapshot into an empty hub (events beyond a ring's capacity count as evicted). */
  restore(snapshot: HubSnapshot): void {
    this.lastId = snapshot.lastId
    for (const channel of CHANNELS) {
      const saved = snapshot.channels[channel]
      const ring = this.rings[channel]
      for (const [id, event, data] of saved.events) {
        ring.push({
          major: id,
          minor: 0,
          idText: String(id),
          channel,
          event,
          data,
          payload: undefined,
        })
      }
      ring.evictedMax = Math.max(ring.evictedMax, saved.evictedMax)
    }
  }

  ready(): Promise<void> {
    return Promise.resolve()
  }

  async publish(channel: Channel, event: string, data: object | string): Promise<string> {
    return this.emit(channel, event, data)
  }

  async plan(channels: readonly Channel[], lastEventId: string | undefined): Promise<ResumePlan> {
    return this.planNow(channels, lastEventId)
  }

  async history(channel: Channel, after: string | undefined, limit: number): Promise<HistoryPage> {
    return this.historyNow(channel, after, limit)
  }

  async lengths(): Promise<Record<Channel, number>> {
    return Object.fromEntries(CHANNELS.map((c) => [c, this.rings[c].size])) as Record<
      Channel,
      number
    >
  }

  problem(): null {
    return null
  }

  status(): undefined {
    return undefined
  }

  async close(): Promise<void> {}

  /** Stores an event in its channel's ring and hands it to every subscriber; returns its id. */
  emit(channel: Channel, event: string, data: object | string): string {
    this.lastId += 1
    const raw = typeof data === 'string'
    const stored: StoredEvent = {
      major: this.lastId,
      minor: 0,
      idText: String(this.lastId),
      channel,
      event,
      data: raw ? data : JSON.stringify(data),
      payload: raw ? undefined : data,
      storedAt: Date.now(),
    }
    this.rings[channel].push(stored)
    deliverToAll(this.subscribers[channel], stored, this.report)
    return stored.idText
  }

  subscribe(channels: readonly Channel[], subscriber: Subscriber): () => void {
    for (const channel of channels) this.subscribers[channel].add(subscriber)
    return () => {
      for (const channel of channels) this.subscribers[channel].delete(subscriber)
    }
  }

  /** What to send a stream resuming after `lastEventId` (undefined: a fresh stream). */
  planNow(channels: readonly Channel[], lastEventId: string | undefined): ResumePlan {
    if (lastEventId === undefined) return { resets: [], reason: '', replay: [] }
    const after = parseId(lastEventId)
    if (after === undefined || after > this.lastId) {
      const reason = `unknown last event id ${JSON.stringify(lastEventId.slice(0, 64))}`
      return { resets: [...channels], reason, replay: [] }
    }
    const resets = channels.filter((channel) => this.rings[channel].evictedMax > after)
    const reason = `events after id ${after} are no longer buffered`
    const replay = channels.flatMap((channel) => this.rings[channel].after(after))
    if (channels.length > 1) replay.sort((a, b) => a.major - b.major)
    return { resets, reason, replay, after: { major: after, minor: 0 } }
  }

  historyNow(channel: Channel, after: string | undefined, limit: number): HistoryPage {
    const ring = this.rings[channel]
    const latest = ring.latest()
    const page = (events: StoredEvent[], truncated: boolean): HistoryPage => ({
      events: events.map(envelope),
      latest_id: latest?.idText ?? null,
      truncated,
    })
    if (after === undefined) return page(ring.newest(limit), false)
    const afterId = parseId(after)
    if (afterId === undefined || afterId > this.lastId) return page([], true)
    return page(ring.after(afterId, limit), ring.evictedMax > afterId)
  }
}
