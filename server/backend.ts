// The embedded dev backend: implements the wire contract (shared/protocol.md) on plain node:http.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isChannel, type Channel } from '../src/protocol/contract.ts'
import { claimDataMark } from './dataMark.ts'
import type { EventHub } from './events.ts'
import { MemoryHub } from './hub.ts'
import {
  answerPreflight,
  applyCors,
  hasBearer,
  isAuthorized,
  isHostAllowed,
  lingerIfUnread,
  sendError,
  trustedProxies,
} from './http.ts'
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

const warn = (text: string): void => console.warn(text)

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
  const memory = options.redisUrl === undefined ? new MemoryHub(options.historySize) : undefined
  const hub: EventHub =
    memory ??
    new RedisHub({
      url: options.redisUrl as string,
      prefix: options.redisPrefix,
      historySize: options.historySize,
      warn,
    })
  // On Redis the prefix's data mark must agree before anything is simulated or served.
  let refusal: string | null = null
  const marked: Promise<void> = memory
    ? Promise.resolve()
    : hub
        .ready()
        .then(() =>
          claimDataMark((hub as RedisHub).connection, options.redisPrefix, options.simulate),
        )
  marked.catch((error: unknown) => {
    refusal = error instanceof Error ? error.message : String(error)
    warn(`refusing to serve: ${refusal}`)
  })
  const streams = new Set<SseStream>()
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
    return hub.publish(channel, eventType, data)
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
    batcher: options.flushMs > 0 ? new WriteBatcher(options.flushMs) : undefined,
    trustedProxies: options.trustProxy.length > 0 ? trustedProxies(options.trustProxy) : undefined,
    publish,
    setFaults,
    setRates,
    dropConnections,
  }

  /** Answers one /api/v1 request; `url` parsed already. Errors reach handle()'s catch. */
  const serve = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (options.allowedHosts !== undefined && !isHostAllowed(req, options.allowedHosts)) {
      return sendError(
        res,
        403,
        'host_not_allowed',
        'this Host is not served here (--allowed-hosts)',
      )
    }
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
    console.error(
      `dev backend: request failed: ${error instanceof Error ? error.stack : String(error)}`,
    )
    try {
      if (!res.headersSent) sendError(res, 500, 'internal_error', 'the request failed')
      else res.destroy()
    } catch {
      res.destroy()
    }
  }

  const handle = (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    try {
      lingerIfUnread(req, res)
      let url: URL
      try {
        // Only a path: an absolute or malformed target (`//[`, `http://a:99999/`) is refused.
        const target = req.url ?? '/'
        if (!target.startsWith('/') || target.startsWith('//')) throw new TypeError(target)
        url = new URL(target, 'http://backend.invalid')
      } catch {
        res.setHeader('X-Content-Type-Options', 'nosniff')
        return sendError(res, 400, 'bad_request_target', 'the request target must be a path')
      }
      if (!url.pathname.startsWith('/api/v1/')) {
        if (next) return next()
        res.setHeader('X-Content-Type-Options', 'nosniff')
        return sendError(res, 404, 'not_found', `no endpoint ${url.pathname}`)
      }
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
    async close() {
      await simulation.stop()
      for (const stream of [...streams]) stream.end()
      await hub.close()
    },
  }
}
