// Request routing of /api/v1: status, streams, history and the dev control endpoints.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CHANNEL_EVENT, CHANNELS, isChannel, type Channel } from '../src/realtime/protocol.ts'
import type { Hub } from './hub.ts'
import { readJson, remoteAddress, sendError, sendJson } from './http.ts'
import {
  parseFaults,
  parseRates,
  type Faults,
  type Rates,
  type ResolvedOptions,
} from './options.ts'
import { SSE_HEADERS, SseStream } from './sseWriter.ts'
import { isoUtc } from './time.ts'

/** Largest history page. */
const MAX_HISTORY_LIMIT = 1000
/** History page size when `limit` is not given. */
const DEFAULT_HISTORY_LIMIT = 100

/** What the routes need from the backend that owns them. */
export interface RouteContext {
  options: ResolvedOptions
  hub: Hub
  streams: Set<SseStream>
  faults: () => Faults
  rates: () => Rates
  openPerAddress: Map<string, number>
  emit(channel: Channel, eventType: string, data: object | string): string
  setFaults(partial: Partial<Faults>): Faults
  setRates(partial: Partial<Rates>): Rates
  dropConnections(): number
}

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
  if (area === 'dev' && name !== undefined && sub === undefined) {
    return devEndpoint(ctx, req, res, method, name)
  }
  sendError(res, 404, 'not_found', `no endpoint ${method} ${url.pathname}`)
}

function methodNotAllowed(res: ServerResponse): void {
  sendError(res, 405, 'method_not_allowed', 'this endpoint only answers GET')
}

function sendStatus(ctx: RouteContext, res: ServerResponse): void {
  const { options } = ctx
  sendJson(res, 200, {
    status: 'ok',
    channels: CHANNELS,
    connections: connectionCounts(ctx.streams),
    ...(options.multiplex ? { multiplex: true } : {}),
    ...(options.history ? { history: options.historySize } : {}),
    heartbeat_seconds: options.heartbeatSeconds,
    server_time: isoUtc(),
    stream_connections: ctx.streams.size,
  })
}

function unknownChannel(res: ServerResponse, name: string): void {
  sendError(res, 400, 'unknown_channel', { channel: name, channels: CHANNELS })
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
): void {
  if (!isChannel(name)) return unknownChannel(res, name)
  openStream(ctx, req, res, url, [name], false)
}

function multiplexStream(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const names = (url.searchParams.get('channels') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  if (names.length === 0) {
    return sendError(res, 400, 'no_channels', { expected: 'channels=a,b,c', channels: CHANNELS })
  }
  const unknown = names.find((name) => !isChannel(name))
  if (unknown !== undefined) return unknownChannel(res, unknown)
  openStream(ctx, req, res, url, [...new Set(names as Channel[])], true)
}

function openStream(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  channels: Channel[],
  mux: boolean,
): void {
  if (answerFault(ctx, res, true)) return
  const address = remoteAddress(req)
  const open = ctx.openPerAddress.get(address) ?? 0
  if (open >= ctx.options.maxClientsPerIp) {
    return sendError(res, 429, 'too_many_connections', `at most ${open} streams per address`)
  }
  if (res.destroyed) return
  // The Last-Event-ID header wins over the query parameter (EventSource sends the header).
  const header = req.headers['last-event-id']
  const fromHeader = typeof header === 'string' && header !== '' ? header : undefined
  const lastEventId = fromHeader ?? (url.searchParams.get('last_event_id') || undefined)
  const clientId = url.searchParams.get('client_id') || `c-${randomBytes(6).toString('hex')}`
  res.writeHead(200, SSE_HEADERS)
  res.flushHeaders()

  let unsubscribe = (): void => {}
  const stream = new SseStream(res, {
    clientId,
    channels,
    mux,
    heartbeatSeconds: ctx.options.heartbeatSeconds,
    faults: ctx.faults,
    onClose: (closed) => {
      unsubscribe()
      if (ctx.streams.delete(closed)) {
        const left = (ctx.openPerAddress.get(address) ?? 1) - 1
        if (left > 0) ctx.openPerAddress.set(address, left)
        else ctx.openPerAddress.delete(address)
      }
    },
  })
  ctx.streams.add(stream)
  ctx.openPerAddress.set(address, open + 1)
  // Replay and subscription in the same tick: no event can fall between them.
  stream.open(ctx.options.retryMs, ctx.hub.plan(channels, lastEventId))
  unsubscribe = ctx.hub.subscribe(channels, stream)
  if (!stream.isOpen) unsubscribe()
}

function sendHistory(ctx: RouteContext, res: ServerResponse, url: URL, name: string): void {
  if (!isChannel(name)) return unknownChannel(res, name)
  const limitText = url.searchParams.get('limit')
  let limit = DEFAULT_HISTORY_LIMIT
  if (limitText !== null) {
    if (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1) {
      return sendError(res, 400, 'bad_limit', 'limit must be an integer from 1 to 1000')
    }
    limit = Math.min(Number(limitText), MAX_HISTORY_LIMIT)
  }
  const after = url.searchParams.get('after') ?? undefined
  if (after !== undefined && (after === '' || after.length > 200)) {
    return sendError(res, 400, 'bad_after', 'after must be a non-empty event id')
  }
  if (answerFault(ctx, res, false)) return
  sendJson(res, 200, ctx.hub.history(name, after, limit))
}

async function devEndpoint(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  name: string,
): Promise<void> {
  if (method === 'GET' && name === 'faults') return sendJson(res, 200, ctx.faults())
  if (method === 'GET' && name === 'rates') return sendJson(res, 200, ctx.rates())
  if (method !== 'POST') {
    return sendError(res, 405, 'method_not_allowed', `use POST /api/v1/dev/${name}`)
  }
  const body = await readJson(req)
  if (body instanceof Error) return sendError(res, 400, 'bad_body', body.message)
  switch (name) {
    case 'faults': {
      const faults = parseFaults(body ?? {})
      if (typeof faults === 'string') return sendError(res, 400, 'bad_faults', faults)
      return sendJson(res, 200, ctx.setFaults(faults))
    }
    case 'rates': {
      const rates = parseRates(body ?? {})
      if (typeof rates === 'string') return sendError(res, 400, 'bad_rates', rates)
      return sendJson(res, 200, ctx.setRates(rates))
    }
    case 'drop':
      return sendJson(res, 200, { dropped: ctx.dropConnections() })
    case 'emit':
      return devEmit(ctx, res, body)
    default:
      return sendError(res, 404, 'not_found', `no dev endpoint ${name}`)
  }
}

function devEmit(ctx: RouteContext, res: ServerResponse, body: unknown): void {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const { channel, event, data } = input
  if (!isChannel(channel)) return unknownChannel(res, String(channel))
  if (event !== undefined && (typeof event !== 'string' || !/^[\w.-]+$/.test(event))) {
    return sendError(res, 400, 'bad_event', 'event must be a word')
  }
  if (typeof data !== 'string' && (typeof data !== 'object' || data === null)) {
    return sendError(res, 400, 'bad_data', 'data must be an object or a raw string')
  }
  const id = ctx.emit(channel, event ?? CHANNEL_EVENT[channel], data)
  sendJson(res, 200, { id })
}
