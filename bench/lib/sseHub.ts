// The bench's SSE backend: the wire format of docs/protocol.md (as the dev backend writes it), kept lean.
import { epochNow } from './clock.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CHANNELS, isChannel, type Channel } from '../../src/protocol/contract.ts'

/** Events kept (at least) per channel for resume and `/history`, as the dev backend's default. */
export const HISTORY_SIZE = 1000
/** A client whose unsent bytes pass this is too slow and is dropped (the dev backend's policy). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024
const HEARTBEAT_SECONDS = 15

interface Stored {
  id: number
  channel: Channel
  event: string
  payload: object
  json: string
  wire?: string
  muxWire?: string
}

/** One event block with CRLF line ends, like sse-starlette; control events carry no id. */
function block(id: number | undefined, event: string, data: string): string {
  return `${id === undefined ? '' : `id: ${id}\r\n`}event: ${event}\r\ndata: ${data}\r\n\r\n`
}

function wireOf(stored: Stored, mux: boolean): string {
  if (!mux) return (stored.wire ??= block(stored.id, stored.event, stored.json))
  // The multiplexed stream names the channel inside the payload.
  const data = `${stored.json.slice(0, -1)}${stored.json === '{}' ? '' : ','}"channel":"${stored.channel}"}`
  return (stored.muxWire ??= block(stored.id, stored.event, data))
}

/** The newest events of a channel: at least HISTORY_SIZE, trimmed in bulk so a push stays cheap. */
class Ring {
  private items: Stored[] = []
  /** The highest id no longer kept. */
  evictedMax = 0

  push(stored: Stored): void {
    this.items.push(stored)
    if (this.items.length >= HISTORY_SIZE * 2) {
      this.evictedMax = (this.items[HISTORY_SIZE - 1] as Stored).id
      this.items = this.items.slice(HISTORY_SIZE)
    }
  }

  after(id: number, limit = Infinity): Stored[] {
    return this.items.filter((s) => s.id > id).slice(0, limit)
  }

  newest(limit: number): Stored[] {
    return this.items.slice(-limit)
  }

  latest(): Stored | undefined {
    return this.items.at(-1)
  }
}

class Stream {
  pending = ''
  private readonly ping: ReturnType<typeof setInterval>

  constructor(
    readonly res: ServerResponse,
    readonly channels: readonly Channel[],
    readonly mux: boolean,
    private readonly onClose: (stream: Stream) => void,
  ) {
    res.socket?.setNoDelay(true)
    res.on('close', () => this.close())
    this.ping = setInterval(
      () => this.write(`: ping - ${new Date().toISOString()}\r\n\r\n`),
      HEARTBEAT_SECONDS * 1000,
    )
  }

  write(text: string): void {
    if (this.res.destroyed) return
    this.res.write(text)
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.dropped = true
      this.res.destroy()
    }
  }

  /** True when the server dropped this client for reading too slowly. */
  dropped = false

  flush(): void {
    if (this.pending === '') return
    const text = this.pending
    this.pending = ''
    this.write(text)
  }

  close(): void {
    clearInterval(this.ping)
    this.onClose(this)
  }
}

/** What happened to stream connections since `resetCounts`. */
export interface StreamCounts {
  opened: number
  /** Streams the server dropped because the client read too slowly. */
  droppedSlow: number
  /** Every request to the API (status, history and streams). */
  requests: number
}

export class SseHub {
  readonly counts: StreamCounts = { opened: 0, droppedSlow: 0, requests: 0 }
  /**
   * When each API request reached the server (runner epoch ms), newest last: a page's engine in a
   * worker makes its requests where the page's resource timing cannot see them.
   */
  readonly arrivals: [path: string, at: number][] = []
  private lastId = 0
  private readonly rings = Object.fromEntries(CHANNELS.map((c) => [c, new Ring()])) as Record<
    Channel,
    Ring
  >
  private readonly streams = new Set<Stream>()

  get latestId(): number {
    return this.lastId
  }

  resetCounts(): void {
    this.counts.opened = 0
    this.counts.droppedSlow = 0
    this.counts.requests = 0
  }

  get streamConnections(): number {
    return this.streams.size
  }

  /** Stores an event and queues it on every stream carrying its channel; `flush` writes them. */
  publish(channel: Channel, event: string, payload: object): number {
    this.lastId += 1
    const stored: Stored = {
      id: this.lastId,
      channel,
      event,
      payload,
      json: JSON.stringify(payload),
    }
    this.rings[channel].push(stored)
    for (const stream of this.streams) {
      if (stream.channels.includes(channel)) stream.pending += wireOf(stored, stream.mux)
    }
    return stored.id
  }

  /** Writes what every stream has queued: one socket write per stream per tick. */
  flush(): void {
    for (const stream of this.streams) stream.flush()
  }

  close(): void {
    for (const stream of [...this.streams]) stream.res.end()
  }

  /** Answers `/api/v1/sse/*`; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://bench')
    const parts = url.pathname.split('/').filter(Boolean)
    if (parts[0] !== 'api' || parts[1] !== 'v1' || parts[2] !== 'sse') return false
    this.counts.requests += 1
    this.arrivals.push([url.pathname, epochNow()])
    if (this.arrivals.length > 1000) this.arrivals.splice(0, 500)
    const [name, sub] = parts.slice(3)
    if (name === 'status') {
      json(res, 200, {
        status: 'ok',
        channels: CHANNELS,
        multiplex: true,
        history: HISTORY_SIZE,
        heartbeat_seconds: HEARTBEAT_SECONDS,
        server_time: new Date().toISOString(),
        stream_connections: this.streams.size,
      })
    } else if (name === 'stream' && sub === undefined) {
      const channels = (url.searchParams.get('channels') ?? '').split(',').filter(isChannel)
      if (channels.length === 0) json(res, 400, { error: 'no_channels' })
      else this.open(req, res, channels, true)
    } else if (isChannel(name) && sub === undefined) {
      this.open(req, res, [name], false)
    } else if (isChannel(name) && sub === 'history') {
      this.history(res, name, url)
    } else {
      json(res, 404, { error: 'not_found' })
    }
    return true
  }

  private open(req: IncomingMessage, res: ServerResponse, channels: Channel[], mux: boolean): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    })
    this.counts.opened += 1
    const stream = new Stream(res, channels, mux, (closed) => {
      if (closed.dropped) this.counts.droppedSlow += 1
      this.streams.delete(closed)
    })
    const now = new Date().toISOString()
    let text = block(undefined, 'connected', JSON.stringify({ channels, timestamp: now }))
    const header = req.headers['last-event-id']
    const last = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined
    if (last !== undefined) {
      // Resume: reset the channels whose events after `last` are gone, replay the rest in id order.
      for (const channel of channels) {
        if (this.rings[channel].evictedMax <= last) continue
        const data = { reason: `events after id ${last} are no longer buffered`, timestamp: now }
        text += block(undefined, 'reset', JSON.stringify(mux ? { ...data, channel } : data))
      }
      const replay = channels
        .flatMap((channel) => this.rings[channel].after(last))
        .sort((a, b) => a.id - b.id)
      for (const stored of replay) text += wireOf(stored, mux)
    }
    stream.write(text)
    this.streams.add(stream)
  }

  private history(res: ServerResponse, channel: Channel, url: URL): void {
    const ring = this.rings[channel]
    const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100) || 100)
    const afterText = url.searchParams.get('after')
    const after = afterText === null ? undefined : Number(afterText)
    const page =
      after === undefined
        ? ring.newest(limit)
        : Number.isInteger(after)
          ? ring.after(after, limit)
          : []
    json(res, 200, {
      events: page.map((s) => ({ id: String(s.id), event: s.event, data: s.payload })),
      latest_id: ring.latest() ? String(ring.latest()?.id) : null,
      truncated: after !== undefined && (!Number.isInteger(after) || ring.evictedMax > after),
    })
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  })
  res.end(JSON.stringify(body))
}
