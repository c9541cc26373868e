// One instance's fan-out from Redis: XREAD BLOCK on every channel stream, delivered in id order.
import type { Redis } from 'ioredis'
import { CHANNELS, type Channel } from '../src/protocol/contract.ts'
import {
  byPosition,
  deliverToAll,
  isAfter,
  warnDropped,
  type DropReport,
  type Position,
  type StoredEvent,
  type Subscriber,
} from './events.ts'
import { asEntries, parseEntryId, toStored, type Entry } from './redisEntries.ts'

/** Entries read per stream per XREAD. */
const BATCH = 500
/** How long one XREAD waits for new entries; shorter only makes idle instances chattier. */
const BLOCK_MS = 5000
/** Pause after a failed read (the connection itself reconnects with its own backoff). */
const RETRY_MS = 200

export class StreamReader {
  /** The last entry id read from each stream: XREAD resumes there, also after a reconnect. */
  readonly positions: Record<Channel, string>
  private readonly subscribers: Record<Channel, Set<Subscriber>>
  private readonly channelOfKey: Map<string, Channel>
  private stopped = false
  /**
   * How old the newest event of the last XREAD reply was when it arrived, ms (0 after a read that
   * found nothing new): large while this instance is behind the streams.
   */
  lagMs = 0

  constructor(
    private readonly redis: Redis,
    private readonly keys: Record<Channel, string>,
    private readonly onError: (error: unknown) => void,
    private readonly report: DropReport = warnDropped,
    private readonly warn: (text: string) => void = (text) => console.warn(text),
  ) {
    this.positions = Object.fromEntries(CHANNELS.map((c) => [c, '0-0'])) as Record<Channel, string>
    this.subscribers = Object.fromEntries(CHANNELS.map((c) => [c, new Set()])) as Record<
      Channel,
      Set<Subscriber>
    >
    this.channelOfKey = new Map(CHANNELS.map((c) => [keys[c], c]))
  }

  /** Starts after the newest entry of each stream; resolves once positioned, then reads on. */
  async start(): Promise<void> {
    for (const channel of CHANNELS) {
      const newest = asEntries(
        await this.redis.call('XREVRANGE', this.keys[channel], '+', '-', 'COUNT', 1),
      )
      this.positions[channel] = newest[0]?.[0] ?? '0-0'
    }
    void this.loop()
  }

  stop(): void {
    this.stopped = true
  }

  subscribe(channels: readonly Channel[], subscriber: Subscriber): () => void {
    for (const channel of channels) this.subscribers[channel].add(subscriber)
    return () => {
      for (const channel of channels) this.subscribers[channel].delete(subscriber)
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let reply: unknown
      try {
        const ids = CHANNELS.map((c) => this.positions[c])
        const keys = CHANNELS.map((c) => this.keys[c])
        reply = await this.redis.call(
          'XREAD',
          'COUNT',
          BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...ids,
        )
      } catch (error) {
        if (this.stopped) return
        this.onError(error)
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
        continue
      }
      try {
        if (Array.isArray(reply)) this.dispatch(reply)
        else this.lagMs = 0
      } catch (error) {
        // A reply this reader cannot handle must not stop the reading (nor the process).
        this.onError(error)
        this.warn(`redis reader: a reply was skipped (${String(error)})`)
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
      }
    }
  }

  /**
   * Delivers one XREAD reply in global id order. A stream cut at BATCH entries may have older
   * entries than another stream's later ones still unread: only entries up to the earliest cut
   * are delivered now, the rest is read again next time.
   */
  private dispatch(reply: unknown[]): void {
    const batches: { channel: Channel; entries: Entry[] }[] = []
    let cut: Position | undefined
    for (const item of reply) {
      if (!Array.isArray(item)) continue
      const channel = this.channelOfKey.get(String(item[0]))
      if (channel === undefined) continue
      const entries = asEntries(item[1])
      batches.push({ channel, entries })
      const last = entries.length >= BATCH ? parseEntryId(entries.at(-1)?.[0] ?? '') : undefined
      if (last && (cut === undefined || isAfter(cut, last))) cut = last
    }
    const events: StoredEvent[] = []
    for (const { channel, entries } of batches) {
      for (const entry of entries) {
        const position = parseEntryId(entry[0])
        if (position === undefined) continue
        if (cut !== undefined && isAfter(position, cut)) break
        events.push(toStored(channel, entry, position))
      }
    }
    events.sort(byPosition)
    const newest = events.at(-1)
    this.lagMs = newest === undefined ? 0 : Math.max(0, Date.now() - newest.major)
    for (const event of events) {
      this.positions[event.channel] = event.idText
      deliverToAll(this.subscribers[event.channel], event, this.report)
    }
  }
}
