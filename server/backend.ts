// The embedded dev backend: implements the wire contract (shared/protocol.md) on plain node:http.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isChannel, type Channel } from '../src/protocol/contract.ts'
import type { EventHub } from './events.ts'
import { MemoryHub } from './hub.ts'
import { answerPreflight, applyCors, isAuthorized, sendError } from './http.ts'
import {
  NO_FAULTS,
  resolveOptions,
  type BackendOptions,
  type Faults,
  type Rates,
  type ResolvedOptions,
} from './options.ts'
import { connectionCounts, route, type RouteContext } from './routes.ts'
import { RedisHub } from './redisHub.ts'
import { startSimulation } from './simulation.ts'
import { WriteBatcher, type SseStream } from './sseWriter.ts'

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
  /** Publishes one event (memory or Redis) and resolves with its id; a string is sent raw. */
  publish(channel: Channel, eventType: string, data: object | string): Promise<string>
  /** Resolves once the event store can serve (at once in memory; Redis connected). */
  ready(): Promise<void>
  setFaults(partial: Partial<Faults>): Faults
  /** Destroys every open stream socket now; returns how many. */
  dropConnections(): number
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
    return hub.publish(channel, eventType, data)
  }

  const setFaults = (partial: Partial<Faults>): Faults => {
    const wasStalled = faults.stall
    faults = { ...faults, ...partial }
    if (wasStalled && !faults.stall) for (const stream of streams) stream.flushNow()
    return faults
  }

  const setRates = (partial: Partial<Rates>): Rates => {
    rates = { ...rates, ...partial }
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
    publish,
    setFaults,
    setRates,
    dropConnections,
  }

  const handle = (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    const url = new URL(req.url ?? '/', 'http://dev-backend')
    if (!url.pathname.startsWith('/api/v1/')) {
      if (next) next()
      else sendError(res, 404, 'not_found', `no endpoint ${url.pathname}`)
      return
    }
    const allowed = applyCors(req, res, options.corsOrigins)
    if (req.method === 'OPTIONS') return answerPreflight(res, allowed)
    // Producers authenticate with the publish token instead of the readers' token.
    const publishing = url.pathname.startsWith('/api/v1/publish/')
    if (!publishing && !isAuthorized(req, options.authToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return sendError(res, 401, 'unauthorized', 'missing or wrong bearer token')
    }
    route(ctx, req, res, url).catch((error: unknown) => {
      sendError(res, 500, 'internal_error', String(error))
    })
  }

  const simulation = startSimulation(options, hub, memory, () => rates, publish)

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
    ready: () => hub.ready(),
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
