// The embedded dev backend: implements the wire contract (shared/protocol.md) on plain node:http.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isChannel, type Channel } from '../src/realtime/protocol.ts'
import { Hub } from './hub.ts'
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
import { runSimulator, Simulator } from './simulator.ts'
import type { SseStream } from './sseWriter.ts'
import { loadState, StateSaver } from './stateFile.ts'

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
  /** Publishes one event now and returns its id; a string `data` is sent raw, unvalidated. */
  emit(channel: Channel, eventType: string, data: object | string): string
  setFaults(partial: Partial<Faults>): Faults
  /** Destroys every open stream socket now; returns how many. */
  dropConnections(): number
  setRates(partial: Partial<Rates>): Rates
  stats(): BackendStats
  /** Stops the simulator, saves the state file (if any) and ends every stream. */
  close(): void
}

export function createBackend(input: BackendOptions = {}): Backend {
  const options = resolveOptions(input)
  const hub = new Hub(options.historySize)
  const streams = new Set<SseStream>()
  let faults: Faults = { ...NO_FAULTS }
  let rates: Rates = { ...options.rates }
  let stopSimulator = (): void => {}

  const emit = (channel: Channel, eventType: string, data: object | string): string => {
    if (!isChannel(channel)) throw new Error(`unknown channel "${String(channel)}"`)
    // A line break would forge extra SSE fields; no backend sends that, so it is a caller bug.
    if (/[\r\n]/.test(eventType)) throw new Error('event type must not contain line breaks')
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
    streams,
    faults: () => faults,
    rates: () => rates,
    openPerAddress: new Map(),
    emit,
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
    if (!isAuthorized(req, options.authToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return sendError(res, 401, 'unauthorized', 'missing or wrong bearer token')
    }
    route(ctx, req, res, url).catch((error: unknown) => {
      sendError(res, 500, 'internal_error', String(error))
    })
  }

  const saved = options.stateFile === undefined ? undefined : loadState(options.stateFile, warn)
  if (saved) hub.restore(saved.hub)
  let simulator: Simulator | undefined
  if (options.simulate) {
    // A restored backend continues the simulator's ids; a new seed keeps the data from repeating.
    const seed = options.seed + (saved?.hub.lastId ?? 0)
    simulator = new Simulator({ seed, counters: saved?.simulator ?? undefined })
    stopSimulator = runSimulator(simulator, () => rates, emit)
  }
  const saver =
    options.stateFile === undefined
      ? undefined
      : new StateSaver(
          options.stateFile,
          (clean) => ({
            clean,
            hub: hub.snapshot(),
            simulator: simulator?.counters() ?? saved?.simulator ?? null,
          }),
          warn,
        )

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
    setFaults,
    dropConnections,
    setRates,
    stats: () => ({ streamConnections: streams.size, connections: connectionCounts(streams) }),
    close() {
      stopSimulator()
      saver?.close()
      for (const stream of [...streams]) stream.end()
    },
  }
}
