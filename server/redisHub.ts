// Event hub on Redis Streams: one stream per channel, shared by every instance; ids are entry ids.
import { Redis, type RedisOptions } from 'ioredis'
import { CHANNELS, type Channel } from '../src/protocol/contract.ts'
import {
  byPosition,
  envelope,
  HubUnavailableError,
  isAfter,
  warnDropped,
  type DropReport,
  type EventHub,
  type HistoryPage,
  type ResumePlan,
  type StoredEvent,
  type Subscriber,
} from './events.ts'
import {
  asEntries,
  parseEntryId,
  PUBLISH_SCRIPT,
  toStored,
  trimmedAfter,
  type Entry,
} from './redisEntries.ts'
import { StreamReader } from './redisReader.ts'

/** What status reports of the Redis connections. */
export type RedisState = 'connecting' | 'connected' | 'reconnecting' | 'closed'

export interface RedisHubOptions {
  url: string
  /** Key prefix; keys are `{prefix}:<channel>` (one hash slot, so a cluster can run the script). */
  prefix: string
  historySize: number
  warn: (text: string) => void
  /** Told of each error on a Redis connection (for metrics). */
  onError?: (connection: 'commands' | 'reader') => void
  /** Told of each event that cannot be serialized (default: a console warning). */
  report?: DropReport
}

/** A reader whose newest event arrived older than this is behind: /readyz says not ready. */
export const READY_MAX_READ_LAG_MS = 5000

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}

/** Reconnect delay: doubling from 100 ms to 2 s, with jitter. */
function retryDelay(times: number): number {
  const base = Math.min(2000, 100 * 2 ** Math.min(times, 5))
  return Math.round(base / 2 + Math.random() * (base / 2))
}

type PublishingRedis = Redis & {
  rtmPublish(
    stream: string,
    lastId: string,
    since: string,
    maxLen: number,
    event: string,
    data: string,
  ): Promise<unknown>
}

export class RedisHub implements EventHub {
  readonly kind = 'redis'
  private readonly commands: PublishingRedis
  private readonly readerConnection: Redis
  private readonly reader: StreamReader
  private readonly keys: Record<Channel, string>
  private readonly lastIdKey: string
  private readonly sinceKey: string
  private readonly started: Promise<void>
  /** True once the reader knows where each stream ends: before that, a stream could miss events. */
  private placed = false
  private disconnects = 0
  private lastError: string | null = null
  private closed = false

  constructor(private readonly options: RedisHubOptions) {
    const base: RedisOptions = { protocol: 2, retryStrategy: retryDelay }
    // Commands fail at once while Redis is away (publishers get 503 and retry); an in-flight
    // XADD is not resent after a reconnect, where it could be stored twice.
    this.commands = new Redis(options.url, {
      ...base,
      connectionName: 'rtm-commands',
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    }) as PublishingRedis
    // The reader's XREAD waits through outages and is resent after a reconnect.
    this.readerConnection = new Redis(options.url, {
      ...base,
      connectionName: 'rtm-reader',
      maxRetriesPerRequest: null,
    })
    const named = [
      ['commands', this.commands],
      ['reader', this.readerConnection],
    ] as const
    for (const [name, connection] of named) {
      connection.on('error', (error: Error) => {
        this.lastError = error.message
        options.onError?.(name)
      })
    }
    // Log the losses and the recoveries, not every retry.
    let connected = false
    this.commands.on('ready', () => {
      if (this.disconnects > 0)
        options.warn(`Redis connection to ${redactUrl(options.url)} is back`)
      connected = true
    })
    this.commands.on('close', () => {
      if (!connected || this.closed) return
      connected = false
      this.disconnects += 1
      options.warn(`Redis connection to ${redactUrl(options.url)} lost; reconnecting with backoff`)
    })
    this.commands.defineCommand('rtmPublish', { numberOfKeys: 3, lua: PUBLISH_SCRIPT })
    this.keys = Object.fromEntries(CHANNELS.map((c) => [c, `{${options.prefix}}:${c}`])) as Record<
      Channel,
      string
    >
    this.lastIdKey = `{${options.prefix}}:last-id`
    this.sinceKey = `{${options.prefix}}:since`
    this.reader = new StreamReader(
      this.readerConnection,
      this.keys,
      (error) => {
        this.lastError = (error as Error).message
        options.onError?.('reader')
      },
      options.report ?? warnDropped,
      options.warn,
    )
    this.started = this.reader.start()
    this.started.then(
      () => (this.placed = true),
      () => {},
    )
  }

  /** The connection for other users of this Redis (the simulator lease). */
  get connection(): Redis {
    return this.commands
  }

  get prefix(): string {
    return this.options.prefix
  }

  async ready(): Promise<void> {
    await this.started
    if (this.commands.status !== 'ready') {
      await new Promise<void>((resolve) => this.commands.once('ready', () => resolve()))
    }
  }

  async publish(channel: Channel, event: string, data: object | string): Promise<string> {
    const text = typeof data === 'string' ? data : JSON.stringify(data)
    const { keys, lastIdKey, sinceKey, options } = this
    const id = await this.run(() =>
      this.commands.rtmPublish(
        keys[channel],
        lastIdKey,
        sinceKey,
        options.historySize,
        event,
        text,
      ),
    )
    return String(id)
  }

  subscribe(channels: readonly Channel[], subscriber: Subscriber): () => void {
    return this.reader.subscribe(channels, subscriber)
  }

  async plan(channels: readonly Channel[], lastEventId: string | undefined): Promise<ResumePlan> {
    if (!this.placed) {
      throw new HubUnavailableError(
        'this instance is still starting its Redis reader; try again shortly',
      )
    }
    if (lastEventId === undefined) return { resets: [], reason: '', replay: [] }
    const unknown = (): ResumePlan => ({
      resets: [...channels],
      reason: `unknown last event id ${JSON.stringify(lastEventId.slice(0, 64))}`,
      replay: [],
    })
    const after = parseEntryId(lastEventId)
    if (after === undefined) return unknown()
    // One transaction: the newest id, and each stream's first entry and entries after the cursor.
    const tx = this.commands.multi().get(this.lastIdKey).get(this.sinceKey)
    for (const channel of channels) {
      const key = this.keys[channel]
      tx.call('XRANGE', key, '-', '+', 'COUNT', 1).call('XRANGE', key, `(${lastEventId}`, '+')
    }
    const replies = await this.run(() => tx.exec())
    const newest = parseEntryId(String(replies?.[0]?.[1] ?? '0-0'))
    if (newest === undefined || isAfter(after, newest)) return unknown()
    const since = parseEntryId(String(replies?.[1]?.[1] ?? '0-0'))
    if (since !== undefined && isAfter(since, after)) {
      const reason = `the event store lost its data after id ${lastEventId}`
      return { resets: [...channels], reason, replay: [] }
    }
    const resets: Channel[] = []
    const replay: StoredEvent[] = []
    channels.forEach((channel, index) => {
      if (trimmedAfter(replies?.[2 + index * 2]?.[1], after)) resets.push(channel)
      for (const entry of asEntries(replies?.[3 + index * 2]?.[1])) {
        const position = parseEntryId(entry[0])
        if (position) replay.push(toStored(channel, entry, position))
      }
    })
    replay.sort(byPosition)
    return { resets, reason: `events after id ${lastEventId} are no longer kept`, replay, after }
  }

  async history(channel: Channel, after: string | undefined, limit: number): Promise<HistoryPage> {
    const key = this.keys[channel]
    if (after === undefined) {
      const newest = asEntries(
        await this.run(() => this.commands.call('XREVRANGE', key, '+', '-', 'COUNT', limit)),
      )
      const events = newest.reverse().map((entry) => this.envelope(channel, entry))
      return { events, latest_id: events.at(-1)?.id ?? null, truncated: false }
    }
    const tx = this.commands
      .multi()
      .get(this.lastIdKey)
      .get(this.sinceKey)
      .call('XRANGE', key, '-', '+', 'COUNT', 1)
      .call('XREVRANGE', key, '+', '-', 'COUNT', 1)
    const position = parseEntryId(after)
    if (position) tx.call('XRANGE', key, `(${after}`, '+', 'COUNT', limit)
    const replies = await this.run(() => tx.exec())
    const newest = parseEntryId(String(replies?.[0]?.[1] ?? '0-0'))
    const since = parseEntryId(String(replies?.[1]?.[1] ?? '0-0'))
    const latest = asEntries(replies?.[3]?.[1])[0]?.[0] ?? null
    if (!position || !newest || isAfter(position, newest)) {
      return { events: [], latest_id: latest, truncated: true }
    }
    const lost =
      (since !== undefined && isAfter(since, position)) || trimmedAfter(replies?.[2]?.[1], position)
    return {
      events: asEntries(replies?.[4]?.[1]).map((entry) => this.envelope(channel, entry)),
      latest_id: latest,
      truncated: lost,
    }
  }

  async lengths(): Promise<Record<Channel, number> | null> {
    if (this.commands.status !== 'ready') return null
    const pipeline = this.commands.pipeline()
    for (const channel of CHANNELS) pipeline.xlen(this.keys[channel])
    const replies = await pipeline.exec()
    return Object.fromEntries(
      CHANNELS.map((c, i) => [c, Number(replies?.[i]?.[1] ?? 0)]),
    ) as Record<Channel, number>
  }

  /** Redis state for status: both connections must be ready to call it connected. */
  state(): RedisState {
    if (this.closed) return 'closed'
    const statuses = [this.commands.status, this.readerConnection.status]
    if (statuses.every((status) => status === 'ready')) return 'connected'
    return this.disconnects > 0 || statuses.includes('reconnecting') ? 'reconnecting' : 'connecting'
  }

  /** Why this instance should not take streams now (not connected, not placed, behind), or null. */
  problem(): string | null {
    if (this.closed) return 'the Redis connections are closed'
    if (!this.placed) return 'the Redis reader has not found where the channel streams end yet'
    const state = this.state()
    if (state !== 'connected') return `Redis is ${state}`
    if (this.reader.lagMs > READY_MAX_READ_LAG_MS) {
      return `the Redis reader is ${Math.round(this.reader.lagMs)} ms behind the streams`
    }
    return null
  }

  status(): Record<string, unknown> {
    return {
      redis: {
        state: this.state(),
        disconnects: this.disconnects,
        last_error: this.lastError,
        read_positions: { ...this.reader.positions },
      },
    }
  }

  async close(): Promise<void> {
    this.closed = true
    this.reader.stop()
    this.readerConnection.disconnect()
    await this.commands.quit().catch(() => this.commands.disconnect())
  }

  private envelope(channel: Channel, entry: Entry): HistoryPage['events'][number] {
    return envelope(toStored(channel, entry, parseEntryId(entry[0]) ?? { major: 0, minor: 0 }))
  }

  /** Runs a command; a connection problem becomes HubUnavailableError (503 + Retry-After). */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (this.commands.status !== 'ready') {
      throw new HubUnavailableError(`Redis is ${this.state()}; try again shortly`)
    }
    try {
      return await command()
    } catch (error) {
      if (this.commands.status !== 'ready')
        throw new HubUnavailableError(`Redis connection lost: ${(error as Error).message}`)
      throw error
    }
  }
}
