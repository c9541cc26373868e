// The embedded dev backend: implements the wire contract (shared/protocol.md) on plain node:http.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CHANNELS, isChannel, type Channel } from '../src/protocol/contract.ts'
import { claimDataMark } from './dataMark.ts'
import {
  droppedMessage,
  type DropReport,
  type EventHub,
  type StoredEvent,
  type Subscriber,
} from './events.ts'
import { MemoryHub } from './hub.ts'
import {
  answerPreflight,
  applyCors,
  errorCodeOf,
  hasBearer,
  isAuthorized,
  isHostAllowed,
  lingerIfUnread,
  remoteAddress,
  sendError,
  trustedProxies,
} from './http.ts'
import { ServerMetrics } from './metrics.ts'
import { OPS_PATHS, serveOps, type OperationsContext } from './operations.ts'
import {
  NO_FAULTS,
  parseRates,
  resolveOptions,
  type BackendOptions,
  type Faults,
  type Rates,
  type ResolvedOptions,
} from './options.ts'
import { connectionCounts, route, type RouteContext } from './routes.ts'
import { checkEventData } from './publishLimits.ts'
import { RedisHub } from './redisHub.ts'
import { startSimulation } from './simulation.ts'
import { WriteBatcher, type SseStream } from './sseWriter.ts'
import { LimitError } from './writeRoutes.ts'

export type { BackendOptions, Faults, Rates } from './options.ts'

export interface BackendStats {
  /** Open stream connections. */
  streamConnections: number
  /** Open streams carrying each channel. */
  connections: Record<Channel, number>
}

export interface Backend {
  readonly options: Readonly<ResolvedOptions>
  /** The current fault switches. */
  readonly faults: Readonly<Faults>
  readonly rates: Readonly<Rates>
  /** Serves paths under /api/v1/; anything else goes to `next` (or gets a 404 JSON). */
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void
  /** In-memory backend only: publishes one event now and returns its id; a string is sent raw. */
  emit(channel: Channel, eventType: string, data: object | string): string
  /**
   * Publishes one event (memory or Redis) and resolves with its id; a string is sent raw. Rejects
   * with LimitError when the data is over a publish bound (src/protocol/limits.ts).
   */
  publish(channel: Channel, eventType: string, data: object | string): Promise<string>
  /**
   * Resolves once the event store can serve (at once in memory; Redis connected and its prefix's
   * data mark agrees with this start). Rejects with DataMarkError when live and demo would mix.
   */
  ready(): Promise<void>
  setFaults(partial: Partial<Faults>): Faults
  /** Destroys every open stream socket now; returns how many. */
  dropConnections(): number
  /** Throws on a rate that is not a number from 0 to MAX_RATE_PER_CHANNEL. */
  setRates(partial: Partial<Rates>): Rates
  stats(): BackendStats
  /** Why the backend should not take new streams now (/readyz answers 503), or null. */
  readiness(): string | null
  /**
   * Starts a shutdown: /readyz and new streams answer 503, and every open stream is told to come
   * back (`retry:` spread over up to `shutdownRetryMs`) and ended. Returns how many were open.
   */
  drain(): number
  readonly metrics: ServerMetrics
  /** Stops the simulator, saves the state file (if any), ends every stream, closes Redis. */
  close(): Promise<void>
}

function checkEvent(channel: Channel, eventType: string): void {
  if (!isChannel(channel)) throw new Error(`unknown channel "${String(channel)}"`)
  // A line break would forge extra SSE fields; no backend sends that, so it is a caller bug.
  if (/[\r\n]/.test(eventType)) throw new Error('event type must not contain line breaks')
}

export function createBackend(input: BackendOptions = {}): Backend {
  const options = resolveOptions(input)
  const { log } = options
  const warn = (text: string): void => log.warn({}, text)
  const streams = new Set<SseStream>()
  let draining = false
  const metrics: ServerMetrics = new ServerMetrics({
    openStreams() {
      let multiplexed = 0
      for (const stream of streams) if (stream.options.mux) multiplexed += 1
      return { multiplexed, channel: streams.size - multiplexed }
    },
    subscriptions: () => connectionCounts(streams),
    redisUp:
      options.redisUrl === undefined
        ? undefined
        : () => ((hub as RedisHub).state() === 'connected' ? 1 : 0),
    ready: () => readiness() === null,
  })
  // Every event that cannot be serialized: logged once, counted, dropped (never the stream).
  const report: DropReport = (stored, reason) => {
    metrics.unsendable()
    log.warn({ event_id: stored.idText, channel: stored.channel }, droppedMessage(stored, reason))
  }
  const memory =
    options.redisUrl === undefined ? new MemoryHub(options.historySize, report) : undefined
  const hub: EventHub =
    memory ??
    new RedisHub({
      url: options.redisUrl as string,
      prefix: options.redisPrefix,
      historySize: options.historySize,
      warn,
      onError: (connection) => metrics.redisError(connection),
      report,
    })
  // On Redis the prefix's data mark must agree before anything is simulated or served.
  let refusal: string | null = null
  let markSettled = false
  const marked: Promise<void> = memory
    ? Promise.resolve()
    : hub
        .ready()
        .then(() =>
          claimDataMark((hub as RedisHub).connection, options.redisPrefix, options.simulate),
        )
  marked.then(
    () => (markSettled = true),
    (error: unknown) => {
      refusal = error instanceof Error ? error.message : String(error)
      log.error({}, `refusing to serve: ${refusal}`)
    },
  )
  const readiness = (): string | null => {
    if (draining) return 'this instance is shutting down'
    if (refusal !== null) return refusal
    if (!markSettled) return 'the event store is not ready yet'
    return hub.problem()
  }
  let faults: Faults = { ...NO_FAULTS }
  let rates: Rates = { ...options.rates }

  const emit = (channel: Channel, eventType: string, data: object | string): string => {
    checkEvent(channel, eventType)
    if (!memory) throw new Error('emit() is for the in-memory backend; use publish() with Redis')
    return memory.emit(channel, eventType, data)
  }

  const publish = async (channel: Channel, eventType: string, data: object | string) => {
    checkEvent(channel, eventType)
    const problem = checkEventData(data)
    if (problem !== null) throw new LimitError(problem)
    const id = await hub.publish(channel, eventType, data)
    // In memory every stored event passes the fan-out watch below, which counts it there.
    if (!memory) metrics.published[channel] += 1
    return id
  }

  const setFaults = (partial: Partial<Faults>): Faults => {
    const wasStalled = faults.stall
    faults = { ...faults, ...partial }
    if (wasStalled && !faults.stall) for (const stream of streams) stream.flushNow()
    return faults
  }

  const setRates = (partial: Partial<Rates>): Rates => {
    // The one check of every rate (flags, environment, /dev/rates, callers): a bounded loop.
    const checked = parseRates(partial)
    if (typeof checked === 'string') throw new Error(checked)
    rates = { ...rates, ...checked }
    return rates
  }

  const dropConnections = (): number => {
    const open = [...streams]
    for (const stream of open) stream.destroy()
    return open.length
  }

  const ctx: RouteContext = {
    options,
    hub,
    publishToken: options.publishToken,
    streams,
    faults: () => faults,
    rates: () => rates,
    openPerAddress: new Map(),
    simulator: () => simulation.state(),
    batcher: new WriteBatcher(options.flushMs),
    trustedProxies: options.trustProxy.length > 0 ? trustedProxies(options.trustProxy) : undefined,
    log,
    metrics,
    report,
    draining: () => draining,
    publish,
    setFaults,
    setRates,
    dropConnections,
  }

  // Every event this instance fans out: counted, and its lag from publish to the last stream's
  // write observed once the writes of its tick are done. Subscribed first, so it sees each event
  // before any stream does.
  let written: StoredEvent[] = []
  const observeFanOut = (): void => {
    const now = Date.now()
    for (const stored of written) {
      metrics.fanOutLag.observe(Math.max(0, now - (stored.storedAt as number)) / 1000)
    }
    written = []
  }
  const fanOutWatch: Subscriber = {
    deliver(stored) {
      metrics.received[stored.channel] += 1
      if (memory) metrics.published[stored.channel] += 1
      if (stored.storedAt === undefined) return
      metrics.redisReadLag?.observe(Math.max(0, Date.now() - stored.storedAt) / 1000)
      written.push(stored)
      if (written.length > 1) return
      // Streams queue their writes after this; they leave at the batcher's next flush.
      queueMicrotask(() => {
        if (ctx.batcher.pending) ctx.batcher.whenFlushed(observeFanOut)
        else observeFanOut()
      })
    },
  }
  hub.subscribe(CHANNELS, fanOutWatch)

  /** A Host not in --allowed-hosts gets 403 (DNS rebinding); true when it was refused. */
  const refuseHost = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (options.allowedHosts === undefined || isHostAllowed(req, options.allowedHosts)) return false
    sendError(res, 403, 'host_not_allowed', 'this Host is not served here (--allowed-hosts)')
    return true
  }

  /** One log line per answered request (streams have their own), and 4xx counted by reason. */
  const logRequest = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string | null,
    client: string,
    startedAt: number,
  ): void => {
    const status = res.statusCode
    const stream =
      status === 200 && String(res.getHeader('Content-Type')).startsWith('text/event-stream')
    if (stream) return
    const code = errorCodeOf(res)
    if (status >= 400 && status < 500) metrics.rejected(status, code ?? 'other')
    const fields = {
      method: req.method,
      path: path?.slice(0, 200) ?? null,
      status,
      duration_ms: Math.round((performance.now() - startedAt) * 10) / 10,
      client,
      error: code,
      ...(res.writableFinished ? {} : { aborted: true }),
    }
    // Probes come every few seconds from every orchestrator: only at debug level.
    if (path !== null && OPS_PATHS.has(path) && status < 400) log.debug(fields, 'request')
    else log.info(fields, 'request')
  }

  /** Answers one /api/v1 request; `url` parsed already. Errors reach handle()'s catch. */
  const serve = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (refuseHost(req, res)) return
    const allowed = applyCors(req, res, options.corsOrigins)
    if (req.method === 'OPTIONS') return answerPreflight(res, allowed)
    if (refusal !== null) return sendError(res, 503, 'data_mark_refused', refusal)
    const path = url.pathname
    // Producers and dev controls have their own tokens; the readers' token opens neither.
    const publishing = path.startsWith('/api/v1/publish/')
    const dev = options.dev && path.startsWith('/api/v1/dev/')
    if (dev) {
      if (options.devToken === undefined && options.authToken !== undefined) {
        const detail = 'dev controls need their own token (--dev-token) when --auth-token is set'
        return sendError(res, 403, 'dev_token_required', detail)
      }
      if (options.devToken !== undefined && !hasBearer(req, options.devToken)) {
        res.setHeader('WWW-Authenticate', 'Bearer')
        return sendError(res, 401, 'unauthorized', 'missing or wrong dev token')
      }
    } else if (!publishing && !isAuthorized(req, options.authToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return sendError(res, 401, 'unauthorized', 'missing or wrong bearer token')
    }
    route(ctx, req, res, url).catch((error: unknown) => fail(res, error))
  }

  /** A bug met while answering: logged, answered 500 if still possible, never thrown further. */
  const fail = (res: ServerResponse, error: unknown): void => {
    log.error(
      {},
      `dev backend: request failed: ${error instanceof Error ? error.stack : String(error)}`,
    )
    try {
      if (!res.headersSent) sendError(res, 500, 'internal_error', 'the request failed')
      else res.destroy()
    } catch {
      res.destroy()
    }
  }

  const operations: OperationsContext = { options, metrics, readiness, refuseHost, fail }

  const handle = (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    try {
      lingerIfUnread(req, res)
      const startedAt = performance.now()
      let path: string | null = null
      const watch = (): void => {
        const client = remoteAddress(req, ctx.trustedProxies)
        res.once('close', () => logRequest(req, res, path, client, startedAt))
      }
      let url: URL
      try {
        // Only a path: an absolute or malformed target (`//[`, `http://a:99999/`) is refused.
        const target = req.url ?? '/'
        if (!target.startsWith('/') || target.startsWith('//')) throw new TypeError(target)
        url = new URL(target, 'http://backend.invalid')
      } catch {
        watch()
        res.setHeader('X-Content-Type-Options', 'nosniff')
        return sendError(res, 400, 'bad_request_target', 'the request target must be a path')
      }
      // Only the path is logged: a query may carry anything, secrets included.
      path = url.pathname
      if (OPS_PATHS.has(path)) {
        watch()
        res.setHeader('X-Content-Type-Options', 'nosniff')
        return serveOps(operations, req, res, path)
      }
      if (!path.startsWith('/api/v1/')) {
        if (next) return next()
        watch()
        res.setHeader('X-Content-Type-Options', 'nosniff')
        return sendError(res, 404, 'not_found', `no endpoint ${url.pathname}`)
      }
      watch()
      res.setHeader('X-Content-Type-Options', 'nosniff')
      serve(req, res, url)
    } catch (error) {
      fail(res, error)
    }
  }

  const simulation = startSimulation(options, hub, memory, () => rates, publish, marked)

  return {
    options,
    get faults() {
      return faults
    },
    get rates() {
      return rates
    },
    handle,
    emit,
    publish,
    ready: () => marked,
    setFaults,
    dropConnections,
    setRates,
    stats: () => ({ streamConnections: streams.size, connections: connectionCounts(streams) }),
    readiness,
    drain() {
      draining = true
      const open = [...streams]
      const most = options.shutdownRetryMs
      // Spread over a tenth of the bound to all of it: the clients do not all come back at once.
      for (const stream of open) stream.end(Math.round(most / 10 + Math.random() * most * 0.9))
      return open.length
    },
    metrics,
    async close() {
      draining = true
      await simulation.stop()
      for (const stream of [...streams]) stream.end()
      await hub.close()
    },
  }
}
