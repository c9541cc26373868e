// Request routing of /api/v1: status, streams, history; publish and dev endpoints are in writeRoutes.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BlockList } from 'node:net'
import { CHANNELS, isChannel, type Channel } from '../src/protocol/contract.ts'
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, MAX_ID_CHARS } from '../src/protocol/limits.ts'
import { historyJson, type DropReport, type ResumePlan } from './events.ts'
import { remoteAddress, sendError, sendJson } from './http.ts'
import type { ServerLog } from './log.ts'
import type { ServerMetrics } from './metrics.ts'
import type { ResolvedOptions } from './options.ts'
import { SSE_HEADERS, SseStream, type WriteBatcher } from './sseWriter.ts'
import { isoUtc } from './time.ts'
import {
  devEndpoint,
  publishEndpoint,
  sendHubError,
  unknownChannel,
  type WriteContext,
} from './writeRoutes.ts'

/** What the routes need from the backend that owns them. */
export interface RouteContext extends WriteContext {
  options: ResolvedOptions
  streams: Set<SseStream>
  openPerAddress: Map<string, number>
  simulator: () => 'running' | 'standby' | 'off'
  batcher: WriteBatcher
  /** Reverse proxies allowed to name the client address; none: the peer is the client. */
  trustedProxies: BlockList | undefined
  log: ServerLog
  metrics: ServerMetrics
  /** Told of events that cannot be serialized (logged once, counted). */
  report: DropReport
  /** True once the server is shutting down: new streams are refused with 503. */
  draining: () => boolean
}

/** Seconds a client refused during a shutdown should wait (another instance will take it). */
const DRAIN_RETRY_AFTER_SECONDS = 1

export function connectionCounts(streams: Iterable<SseStream>): Record<Channel, number> {
  const counts = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>
  for (const stream of streams) for (const channel of stream.channels) counts[channel] += 1
  return counts
}

/** Routes a request whose path starts with /api/v1/ (CORS and auth already handled). */
export async function route(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const parts = url.pathname
    .split('/')
    .filter((part) => part !== '')
    .slice(2)
  const method = req.method ?? 'GET'
  const [area, name, sub, ...rest] = parts
  if (area === 'sse' && name !== undefined && rest.length === 0) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res)
    if (name === 'status' && sub === undefined) return sendStatus(ctx, res)
    if (name === 'stream' && sub === undefined) {
      // An older backend without multiplexing simply has no such route.
      if (ctx.options.multiplex) return multiplexStream(ctx, req, res, url)
    } else if (sub === undefined) {
      return channelStream(ctx, req, res, url, name)
    }
    if (sub === 'history' && ctx.options.history) return sendHistory(ctx, res, url, name)
  }
  if (area === 'publish' && name !== undefined && sub === undefined) {
    return publishEndpoint(ctx, req, res, name)
  }
  // Dev controls exist only in a dev start (their token was checked by the backend).
  if (area === 'dev' && ctx.options.dev && name !== undefined && sub === undefined) {
    return devEndpoint(ctx, req, res, method, name)
  }
  sendError(res, 404, 'not_found', `no endpoint ${method} ${url.pathname}`)
}

function methodNotAllowed(res: ServerResponse): void {
  sendError(res, 405, 'method_not_allowed', 'this endpoint only answers GET')
}

async function sendStatus(ctx: RouteContext, res: ServerResponse): Promise<void> {
  const { options, hub } = ctx
  const lengths = await hub.lengths().catch(() => null)
  sendJson(res, 200, {
    status: 'ok',
    channels: CHANNELS,
    connections: connectionCounts(ctx.streams),
    ...(options.multiplex ? { multiplex: true } : {}),
    ...(options.history ? { history: options.historySize } : {}),
    heartbeat_seconds: options.heartbeatSeconds,
    server_time: isoUtc(),
    // Extensions (docs/protocol.md): this instance's streams, the store and its state.
    stream_connections: ctx.streams.size,
    backend: hub.kind,
    stream_lengths: lengths,
    // "demo": this server runs the simulator and its events are invented (docs/protocol.md).
    data: options.simulate ? 'demo' : 'live',
    simulator: ctx.simulator(),
    ...hub.status(),
  })
}

/** Answers the stream/history faults; returns true when the request was answered. */
function answerFault(ctx: RouteContext, res: ServerResponse, stream: boolean): boolean {
  const faults = ctx.faults()
  if (faults.error500) {
    if (faults.retryAfterSeconds !== null) {
      const headers = { 'Retry-After': String(faults.retryAfterSeconds) }
      sendJson(res, 503, { error: 'unavailable', detail: 'fault: error500' }, headers)
    } else {
      sendError(res, 500, 'internal_error', 'fault: error500')
    }
    return true
  }
  if (!stream) return false
  if (faults.status401) {
    sendJson(
      res,
      401,
      { error: 'unauthorized', detail: 'fault: status401' },
      {
        'WWW-Authenticate': 'Bearer',
      },
    )
    return true
  }
  if (faults.status204) {
    res.writeHead(204)
    res.end()
    return true
  }
  if (faults.wrongContentType) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('this is not an event stream\n')
    return true
  }
  return false
}

function channelStream(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  name: string,
): Promise<void> | void {
  if (!isChannel(name)) return unknownChannel(res, name)
  return openStream(ctx, req, res, url, [name], false)
}

function multiplexStream(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> | void {
  const names = (url.searchParams.get('channels') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  if (names.length === 0) {
    return sendError(res, 400, 'no_channels', { expected: 'channels=a,b,c', channels: CHANNELS })
  }
  const unknown = names.find((name) => !isChannel(name))
  if (unknown !== undefined) return unknownChannel(res, unknown)
  return openStream(ctx, req, res, url, [...new Set(names as Channel[])], true)
}

async function openStream(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  channels: Channel[],
  mux: boolean,
): Promise<void> {
  if (answerFault(ctx, res, true)) return
  if (ctx.draining()) {
    const headers = { 'Retry-After': String(DRAIN_RETRY_AFTER_SECONDS), Connection: 'close' }
    const body = { error: 'shutting_down', detail: 'this instance is shutting down; try again' }
    return sendJson(res, 503, body, headers)
  }
  const address = remoteAddress(req, ctx.trustedProxies)
  const open = ctx.openPerAddress.get(address) ?? 0
  if (ctx.options.maxClientsPerIp > 0 && open >= ctx.options.maxClientsPerIp) {
    return sendError(res, 429, 'too_many_connections', `at most ${open} streams per address`)
  }
  if (res.destroyed) return
  // The Last-Event-ID header wins over the query parameter (EventSource sends the header).
  const header = req.headers['last-event-id']
  const fromHeader = typeof header === 'string' && header !== '' ? header : undefined
  const lastEventId = fromHeader ?? (url.searchParams.get('last_event_id') || undefined)
  const clientId = url.searchParams.get('client_id') || `c-${randomBytes(6).toString('hex')}`

  let unsubscribe = (): void => {}
  /** Set once the 200 head went out: only opened streams are logged as opened and closed. */
  let opened = false
  const stream = new SseStream(res, {
    clientId,
    channels,
    mux,
    heartbeatSeconds: ctx.options.heartbeatSeconds,
    faults: ctx.faults,
    batcher: ctx.batcher,
    report: ctx.report,
    delivered: ctx.metrics.delivered,
    onClose: (closed) => {
      unsubscribe()
      if (ctx.streams.delete(closed)) {
        const left = (ctx.openPerAddress.get(address) ?? 1) - 1
        if (left > 0) ctx.openPerAddress.set(address, left)
        else ctx.openPerAddress.delete(address)
      }
      if (!opened) return
      ctx.log.info(
        {
          stream: clientId.slice(0, 64),
          kind: mux ? 'multiplexed' : 'channel',
          channels: [...channels],
          client: address,
          duration_ms: Math.round(performance.now() - closed.startedAt),
          events: closed.eventsSent,
          reason: closed.closeReason,
        },
        'stream closed',
      )
    },
  })
  ctx.streams.add(stream)
  ctx.openPerAddress.set(address, open + 1)
  // Subscribed before the plan is read: live events wait in the stream, none falls in between.
  unsubscribe = ctx.hub.subscribe(channels, stream)
  let plan: ResumePlan
  try {
    plan = await ctx.hub.plan(channels, lastEventId)
  } catch (error) {
    stream.discard()
    return sendHubError(res, error)
  }
  if (!stream.isOpen) return
  res.writeHead(200, SSE_HEADERS)
  res.flushHeaders()
  opened = true
  ctx.metrics.streamOpened(mux)
  ctx.log.info(
    {
      stream: clientId.slice(0, 64),
      kind: mux ? 'multiplexed' : 'channel',
      channels: [...channels],
      client: address,
      resumed: lastEventId !== undefined,
      replayed: plan.replay.length,
      resets: plan.resets,
    },
    'stream opened',
  )
  stream.open(ctx.options.retryMs, plan)
}

async function sendHistory(
  ctx: RouteContext,
  res: ServerResponse,
  url: URL,
  name: string,
): Promise<void> {
  if (!isChannel(name)) return unknownChannel(res, name)
  const limitText = url.searchParams.get('limit')
  let limit = DEFAULT_HISTORY_LIMIT
  if (limitText !== null) {
    limit = Number(limitText)
    if (!/^\d{1,9}$/.test(limitText) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
      const detail = `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`
      return sendError(res, 400, 'bad_limit', detail)
    }
  }
  const after = url.searchParams.get('after') ?? undefined
  if (after !== undefined && (after === '' || after.length > MAX_ID_CHARS)) {
    const detail = `after must be a non-empty event id of at most ${MAX_ID_CHARS} characters`
    return sendError(res, 400, 'bad_after', detail)
  }
  if (answerFault(ctx, res, false)) return
  try {
    const text = historyJson(await ctx.hub.history(name, after, limit), (message) =>
      ctx.log.warn({ channel: name }, message),
    )
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    res.end(text)
  } catch (error) {
    sendHubError(res, error)
  }
}
