// The server's Prometheus metrics (prom-client): streams, events, fan-out lag, Redis, rejections.
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
} from 'prom-client'
import { CHANNELS, type Channel } from '../src/protocol/contract.ts'

/** Fan-out and read lag buckets, seconds: 1 ms to 10 s. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** Node's process metrics (CPU, memory, event loop, GC, handles): one set per process. */
let processRegistry: Registry | undefined
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

const perChannel = (): Record<Channel, number> =>
  Object.fromEntries(CHANNELS.map((channel) => [channel, 0])) as Record<Channel, number>

/** What the metrics read from the server when scraped. */
export interface MetricsSources {
  /** Open streams by kind. */
  openStreams(): { multiplexed: number; channel: number }
  /** Open streams carrying each channel. */
  subscriptions(): Record<Channel, number>
  /** Redis: 1 while its connections are ready, else 0. Undefined: the events are in memory. */
  redisUp?: () => number
  /** 1 while /readyz would answer 200. */
  ready(): boolean
}

/**
 * A counter per channel fed from plain numbers: the fan-out path adds to an array slot (cheap at
 * hundreds of thousands of deliveries a second) and the counter reads it when scraped.
 */
function channelCounter(
  registry: Registry,
  config: Omit<CounterConfiguration<'channel'>, 'labelNames' | 'registers' | 'collect'>,
  counts: Record<Channel, number>,
): void {
  new Counter({
    ...config,
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset()
      for (const channel of CHANNELS) this.inc({ channel }, counts[channel])
    },
  })
}

export class ServerMetrics {
  readonly registry = new Registry()
  /** Events this instance stored (publish endpoint, simulator, dev emit). */
  readonly published = perChannel()
  /** Events this instance handed to its streams (read from Redis, or stored in memory). */
  readonly received = perChannel()
  /** Event writes to streams: one per stream per event. */
  readonly delivered = perChannel()
  /** Publish to the moment this instance had written the event to every stream carrying it. */
  readonly fanOutLag: Histogram
  /** Publish (the Redis entry id's time) to this instance's XREAD returning it; Redis only. */
  readonly redisReadLag: Histogram | undefined
  private readonly rejections: Counter<'status' | 'reason'>
  private readonly redisErrors: Counter<'connection'> | undefined
  private readonly streamsOpened: Counter<'kind'>
  private readonly unsendableEvents: Counter

  constructor(sources: MetricsSources) {
    const registers = [this.registry]
    new Gauge({
      name: 'rtm_open_streams',
      help: 'Open SSE streams by kind (multiplexed: /sse/stream; channel: /sse/{channel})',
      labelNames: ['kind'],
      registers,
      collect() {
        const open = sources.openStreams()
        this.set({ kind: 'multiplexed' }, open.multiplexed)
        this.set({ kind: 'channel' }, open.channel)
      },
    })
    new Gauge({
      name: 'rtm_channel_subscriptions',
      help: 'Open streams carrying each channel',
      labelNames: ['channel'],
      registers,
      collect() {
        const counts = sources.subscriptions()
        for (const channel of CHANNELS) this.set({ channel }, counts[channel])
      },
    })
    channelCounter(
      this.registry,
      { name: 'rtm_events_published_total', help: 'Events stored through this instance' },
      this.published,
    )
    channelCounter(
      this.registry,
      {
        name: 'rtm_events_received_total',
        help: 'Events this instance fanned out to its streams (read from Redis, or stored in memory)',
      },
      this.received,
    )
    channelCounter(
      this.registry,
      {
        name: 'rtm_events_delivered_total',
        help: 'Events written to streams (one per stream per event)',
      },
      this.delivered,
    )
    this.fanOutLag = new Histogram({
      name: 'rtm_fanout_lag_seconds',
      help: 'From publish to the event written to every stream of this instance carrying it',
      buckets: LAG_BUCKETS,
      registers,
    })
    const { redisUp } = sources
    if (redisUp !== undefined) {
      this.redisReadLag = new Histogram({
        name: 'rtm_redis_read_lag_seconds',
        help: "From publish (the Redis entry id's time) to this instance's XREAD returning it",
        buckets: LAG_BUCKETS,
        registers,
      })
      this.redisErrors = new Counter({
        name: 'rtm_redis_errors_total',
        help: 'Errors on the Redis connections (commands: publish, resume, history; reader: XREAD)',
        labelNames: ['connection'],
        registers,
      })
      new Gauge({
        name: 'rtm_redis_up',
        help: 'Both Redis connections ready (1) or not (0)',
        registers,
        collect() {
          this.set(redisUp())
        },
      })
    }
    this.rejections = new Counter({
      name: 'rtm_requests_rejected_total',
      help: 'Requests answered 4xx, by status and error code',
      labelNames: ['status', 'reason'],
      registers,
    })
    this.streamsOpened = new Counter({
      name: 'rtm_streams_opened_total',
      help: 'SSE streams opened, by kind',
      labelNames: ['kind'],
      registers,
    })
    this.unsendableEvents = new Counter({
      name: 'rtm_events_unsendable_total',
      help: 'Events dropped because they cannot be serialized (logged once each)',
      registers,
    })
    new Gauge({
      name: 'rtm_ready',
      help: '1 while /readyz answers 200 (accepting streams; on Redis: connected and caught up)',
      registers,
      collect() {
        this.set(sources.ready() ? 1 : 0)
      },
    })
  }

  rejected(status: number, reason: string): void {
    this.rejections.inc({ status: String(status), reason })
  }

  redisError(connection: 'commands' | 'reader'): void {
    this.redisErrors?.inc({ connection })
  }

  streamOpened(mux: boolean): void {
    this.streamsOpened.inc({ kind: mux ? 'multiplexed' : 'channel' })
  }

  unsendable(): void {
    this.unsendableEvents.inc()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The exposition text: this server's metrics, then the process's. */
  async text(): Promise<string> {
    const own = await this.registry.metrics()
    return `${own}\n${await processMetrics().metrics()}`
  }
}
