// Options, fault switches and event rates of the dev backend, with their defaults in one place.
import { CHANNELS, type Channel } from '../src/protocol/contract.ts'
import { MAX_RATE_PER_CHANNEL } from '../src/protocol/limits.ts'
import { consoleLog, type ServerLog } from './log.ts'

/** Simulated events per second, per channel. */
export type Rates = Record<Channel, number>

/** Fault switches that emulate misbehaving backends and proxies, switchable at run time. */
export interface Faults {
  /** Stream and history endpoints answer 500 JSON (503 + Retry-After with retryAfterSeconds). */
  error500: boolean
  /** Streams write nothing, pings included; new streams get 200 headers only (a buffering proxy). */
  stall: boolean
  /** Stream endpoints answer 204 ("stop, do not reconnect"). */
  status204: boolean
  /** Stream endpoints answer 401 JSON. */
  status401: boolean
  /** Stream endpoints answer 200 with `text/plain`. */
  wrongContentType: boolean
  /** With error500: answer 503 with this `Retry-After` instead of 500. */
  retryAfterSeconds: number | null
  /** Each stream is destroyed right after writing this many channel events. */
  dropAfterEvents: number | null
}

export interface BackendOptions {
  heartbeatSeconds?: number
  historySize?: number
  multiplex?: boolean
  history?: boolean
  /**
   * Run the market simulator (invented events). Default: only with `dev` or `demo`; a production
   * start never invents data. Wherever it runs, the status says `"data": "demo"`.
   */
  simulate?: boolean
  /** A demo deployment: no dev controls, but the simulator runs and everything says "demo". */
  demo?: boolean
  rates?: Partial<Rates>
  retryMs?: number
  /** Browser origins allowed cross-origin; `'*'` (any) only with `dev`. Default: `'*'` with dev, none without. */
  corsOrigins?: readonly string[] | '*'
  authToken?: string
  /** Mounts the dev controls (/api/v1/dev/*): faults, rates, drop, emit. Never in production. */
  dev?: boolean
  /** Bearer token of the dev controls; with `authToken` set, the dev controls need one. */
  devToken?: string
  /** Host names the Host header must name (DNS rebinding); `.example.com` allows subdomains. */
  allowedHosts?: readonly string[]
  maxClientsPerIp?: number
  /** Seed of the simulator's random generator (same seed, same data). */
  seed?: number
  /** Where the in-memory backend saves its ids and rings, to resume clients after a restart. */
  stateFile?: string
  /** Redis URL: events go through Redis Streams, shared by every instance (default: in memory). */
  redisUrl?: string
  /**
   * Prefix of the Redis keys (`{prefix}:alerts`, ...), to share one Redis between deployments.
   * Default `rtm`; `rtm-demo` when the simulator runs, so invented events never land in real streams.
   */
  redisPrefix?: string
  /** Bearer token producers need for POST /api/v1/publish/{channel}; none: publishing is off. */
  publishToken?: string
  /** Reverse proxies (addresses or networks) whose `X-Real-IP` / `X-Forwarded-For` name the client. */
  trustProxy?: readonly string[]
  /**
   * At most one write per stream per this many ms (fewer system calls with many clients); an
   * event then waits up to this long. 0: one write per stream per event-loop turn.
   */
  flushMs?: number
  /** Bearer token of GET /metrics; default: the readers' `authToken` (none: open). */
  metricsToken?: string
  /** On shutdown each stream is told `retry:` a random value from a tenth of this to this, ms. */
  shutdownRetryMs?: number
  /** Where requests, streams and warnings are logged (default: warnings on the console). */
  log?: ServerLog
}

export interface ResolvedOptions {
  heartbeatSeconds: number
  historySize: number
  multiplex: boolean
  history: boolean
  simulate: boolean
  demo: boolean
  rates: Rates
  retryMs: number | undefined
  corsOrigins: readonly string[] | '*'
  authToken: string | undefined
  dev: boolean
  devToken: string | undefined
  allowedHosts: readonly string[] | undefined
  maxClientsPerIp: number
  seed: number
  stateFile: string | undefined
  redisUrl: string | undefined
  redisPrefix: string
  publishToken: string | undefined
  trustProxy: readonly string[]
  flushMs: number
  metricsToken: string | undefined
  shutdownRetryMs: number
  log: ServerLog
}

export const DEFAULT_RATES: Rates = {
  dashboard: 2, // a market snapshot every half second
  alerts: 0.3, // an alert every few seconds
  training: 1, // progress of the running training jobs
  backtest: 1, // progress of the running backtests
}

export const DEFAULT_OPTIONS: ResolvedOptions = {
  heartbeatSeconds: 15, // sse-starlette's default ping interval; 0 = no pings
  historySize: 1000, // events kept per channel for resume and history
  multiplex: true, // false: behave like an older backend without /sse/stream
  history: true, // false: no history endpoint, status omits `history`
  simulate: false, // no invented data unless `dev` or `demo` asks for the simulator
  demo: false, // not a demo deployment
  rates: DEFAULT_RATES, // simulated events per second per channel
  retryMs: undefined, // when set, every stream opens with `retry: N`
  corsOrigins: [], // no cross-origin browser (with `dev`: any origin)
  authToken: undefined, // when set, /api/v1 needs `Authorization: Bearer <token>`
  dev: false, // no /api/v1/dev/* controls
  devToken: undefined, // dev controls open to anyone who reaches them (dev only, no authToken)
  allowedHosts: undefined, // any Host header
  maxClientsPerIp: 50, // open streams per client address before 429; 0 = no limit
  seed: 20260104, // simulator seed
  stateFile: undefined, // no state file: a restart starts from id 1
  redisUrl: undefined, // in memory, one process
  redisPrefix: 'rtm', // keys {rtm}:dashboard, {rtm}:alerts, ... (DEMO_REDIS_PREFIX when simulating)
  publishToken: undefined, // publishing endpoint off
  trustProxy: [], // no proxy: the peer address is the client's
  flushMs: 0, // one write per stream per event-loop turn (docs/deploy.md: when to set 25)
  metricsToken: undefined, // /metrics takes the readers' token (open without one)
  shutdownRetryMs: 3000, // on shutdown streams come back within 0.3–3 s, spread out
  log: consoleLog, // warnings and errors as console text; `npm start` logs JSON lines
}

/** Where a simulating instance keeps its events on Redis unless told otherwise. */
export const DEMO_REDIS_PREFIX = 'rtm-demo'

/** The longest write interval (--flush-ms): an event may wait this long, and longer is not live. */
export const MAX_FLUSH_MS = 1000

export const FLUSH_MS_RULE = `must be a number of milliseconds from 0 to ${MAX_FLUSH_MS}`

export function isFlushMs(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_FLUSH_MS
}

export const NO_FAULTS: Faults = {
  error500: false,
  stall: false,
  status204: false,
  status401: false,
  wrongContentType: false,
  retryAfterSeconds: null,
  dropAfterEvents: null,
}

/** Options with their defaults; throws on values no backend may run with (bad rates, `*` CORS in production). */
export function resolveOptions(options: BackendOptions = {}): ResolvedOptions {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as BackendOptions
  const rates = parseRates(options.rates ?? {})
  if (typeof rates === 'string') throw new Error(`rates: ${rates}`)
  const dev = options.dev === true
  const demo = options.demo === true
  const corsOrigins = options.corsOrigins ?? (dev ? '*' : [])
  if (corsOrigins === '*' && !dev) {
    throw new Error('any origin (CORS "*") is for dev starts only; name the allowed origins')
  }
  if (demo && options.simulate === false) throw new Error('a demo start runs the simulator')
  if (options.flushMs !== undefined && !isFlushMs(options.flushMs)) {
    throw new Error(`flushMs ${FLUSH_MS_RULE}, got ${String(options.flushMs)}`)
  }
  // Invented data only when asked for: a dev start or a demo deployment.
  const simulate = options.simulate ?? (dev || demo)
  const redisPrefix = options.redisPrefix ?? (simulate ? DEMO_REDIS_PREFIX : 'rtm')
  return {
    ...DEFAULT_OPTIONS,
    ...defined,
    dev,
    demo,
    simulate,
    redisPrefix,
    corsOrigins,
    rates: { ...DEFAULT_RATES, ...rates },
  } as ResolvedOptions
}

/** Checks a partial rates object (from JSON or flags); returns an error text or the rates. */
export function parseRates(input: unknown): Partial<Rates> | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return 'rates must be an object of channel: events per second'
  }
  const rates: Partial<Rates> = {}
  for (const [key, value] of Object.entries(input)) {
    if (!(CHANNELS as readonly string[]).includes(key)) return `unknown channel "${key}"`
    if (typeof value !== 'number' || !(value >= 0 && value <= MAX_RATE_PER_CHANNEL)) {
      return `rate of ${key} must be a number from 0 to ${MAX_RATE_PER_CHANNEL} (events per second)`
    }
    rates[key as Channel] = value
  }
  return rates
}

/** Parses `dashboard=5,alerts=1` (flags and environment). */
export function parseRatesList(list: string): Partial<Rates> | string {
  const entries: Record<string, number> = {}
  for (const part of list.split(',').filter((item) => item.trim() !== '')) {
    const [key, value, extra] = part.split('=').map((item) => item.trim())
    if (key === undefined || value === undefined || extra !== undefined || value === '') {
      return `bad rate "${part}", expected channel=number`
    }
    entries[key] = Number(value)
  }
  return parseRates(entries)
}

/** Checks a partial faults object from JSON; returns an error text or the faults. */
export function parseFaults(input: unknown): Partial<Faults> | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return 'faults must be a JSON object'
  }
  const faults: Record<string, boolean | number | null> = {}
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(NO_FAULTS, key)) return `unknown fault "${key}"`
    const numeric = key === 'retryAfterSeconds' || key === 'dropAfterEvents'
    if (numeric) {
      const ok =
        value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 0)
      if (!ok) return `${key} must be a non-negative integer or null`
    } else if (typeof value !== 'boolean') {
      return `${key} must be a boolean`
    }
    faults[key] = value as boolean | number | null
  }
  return faults as Partial<Faults>
}
