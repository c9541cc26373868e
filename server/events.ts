// Published events, their wire texts, and the interface every event hub (memory, Redis) offers.
import type { Channel } from '../src/protocol/contract.ts'

/**
 * An event's place in the backend's one id space, compared as (major, minor): the memory hub's
 * counter is (n, 0), a Redis entry id `ms-seq` is (ms, seq). Ids are globally ordered across
 * channels in both hubs, which is what lets one cursor resume a multiplexed stream.
 */
export interface Position {
  major: number
  minor: number
}

/** One published channel event; wire texts are built lazily, once per stream flavour. */
export interface StoredEvent extends Position {
  idText: string
  channel: Channel
  event: string
  /** `data` text of the per-channel stream (JSON, or the raw injected text). */
  data: string
  /** The payload object, when `data` came from an object (raw injections have none). */
  payload: object | undefined
  wire?: string
  muxWire?: string
  /** The wire texts as bytes, made once and written to every stream of that kind (frameOf). */
  frames?: Partial<Record<FrameKind, Buffer>>
  /** Set once the event could not be serialized: streams skip it, and it is logged once. */
  unsendable?: boolean
  /** When it was stored, ms since the epoch (the Redis entry id's time), for the fan-out lag. */
  storedAt?: number
}

/** Told once per event that cannot be serialized, with the reason; the event is dropped. */
export type DropReport = (stored: StoredEvent, reason: string) => void

/** The message every dropped event is logged with. */
export function droppedMessage(stored: StoredEvent, reason: string): string {
  return (
    `dropped event ${stored.idText} (${stored.channel}, ${stored.event.slice(0, 64)}): ` +
    `cannot be serialized (${reason})`
  )
}

/** The report of an embedded backend without its own: a console warning. */
export const warnDropped: DropReport = (stored, reason) =>
  console.warn(droppedMessage(stored, reason))

export interface Subscriber {
  deliver(event: StoredEvent): void
}

/** What a stream sends before going live: resets (channels with a possible gap), then replay. */
export interface ResumePlan {
  resets: Channel[]
  /** Why the resets were sent (for the `reason` field). */
  reason: string
  replay: StoredEvent[]
  /** The resume cursor, when it was understood: live events at or before it are repeats. */
  after?: Position
}

export interface HistoryPage {
  /** Envelopes oldest first; `data` is the parsed payload object (raw text if it is not JSON). */
  events: { id: string; event: string; data: unknown }[]
  latest_id: string | null
  truncated: boolean
}

/** The hub's store cannot be reached now (Redis down): the request may be retried later. */
export class HubUnavailableError extends Error {}

/** What routes need from an event hub; the in-memory hub and the Redis hub both provide it. */
export interface EventHub {
  readonly kind: 'memory' | 'redis'
  /** Resolves once the hub can serve (at once in memory; after the first Redis connection). */
  ready(): Promise<void>
  /** Stores an event and fans it out (in Redis: to every instance); resolves with its id. */
  publish(channel: Channel, event: string, data: object | string): Promise<string>
  /** Live events of `channels` for a stream, in id order, from now on. */
  subscribe(channels: readonly Channel[], subscriber: Subscriber): () => void
  /** What to send a stream resuming after `lastEventId` (undefined: a fresh stream). */
  plan(channels: readonly Channel[], lastEventId: string | undefined): Promise<ResumePlan>
  history(channel: Channel, after: string | undefined, limit: number): Promise<HistoryPage>
  /** Events kept per channel; null when the store cannot be asked now. */
  lengths(): Promise<Record<Channel, number> | null>
  /** Why the hub cannot serve streams well now (Redis away, reader behind), or null. */
  problem(): string | null
  /** Extra status fields of this hub (the Redis connection state), if any. */
  status(): Record<string, unknown> | undefined
  close(): Promise<void>
}

/** Hands an event to every subscriber; one that throws is logged and does not stop the others. */
export function deliverToAll(
  subscribers: Iterable<Subscriber>,
  stored: StoredEvent,
  report: DropReport = warnDropped,
): void {
  for (const subscriber of subscribers) {
    try {
      subscriber.deliver(stored)
    } catch (error) {
      logUnsendable(stored, error, report)
    }
  }
}

export function isAfter(event: Position, than: Position): boolean {
  return event.major > than.major || (event.major === than.major && event.minor > than.minor)
}

export function byPosition(a: Position, b: Position): number {
  return a.major - b.major || a.minor - b.minor
}

const LINE_BREAK = /\r\n|\r|\n/

/** One SSE event block with CRLF line ends, like sse-starlette; `id` is omitted for control events. */
export function formatEvent(id: string | undefined, event: string, data: string): string {
  const head = id === undefined ? `event: ${event}\r\n` : `id: ${id}\r\nevent: ${event}\r\n`
  if (!/[\r\n]/.test(data)) return `${head}data: ${data}\r\n\r\n`
  return `${head}${data
    .split(LINE_BREAK)
    .map((line) => `data: ${line}\r\n`)
    .join('')}\r\n`
}

/** Data text of the multiplexed stream: the payload plus `"channel"` (raw non-objects stay raw). */
function muxData(stored: StoredEvent): string {
  let payload = stored.payload
  if (payload === undefined) {
    try {
      const parsed: unknown = JSON.parse(stored.data)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return stored.data
      payload = parsed
    } catch {
      return stored.data
    }
  }
  const json = stored.payload === undefined ? JSON.stringify(payload) : stored.data
  const tail = `"channel":${JSON.stringify(stored.channel)}}`
  return json === '{}' ? `{${tail}` : `${json.slice(0, -1)},${tail}`
}

/** The wire text of an event for a stream flavour, serialized once and cached on the event. */
export function wireOf(stored: StoredEvent, mux: boolean): string {
  if (mux) return (stored.muxWire ??= formatEvent(stored.idText, stored.event, muxData(stored)))
  return (stored.wire ??= formatEvent(stored.idText, stored.event, stored.data))
}

/** A stream kind (per channel or multiplexed), and whether its bytes are an HTTP/1.1 chunk. */
export type FrameKind = 'plain' | 'chunk' | 'muxPlain' | 'muxChunk'

const CRLF = Buffer.from('\r\n', 'latin1')

/** `body` as one HTTP/1.1 chunk: its size in hex, CRLF, the bytes, CRLF. */
export function chunkOf(body: Buffer): Buffer {
  const size = Buffer.from(`${body.length.toString(16)}\r\n`, 'latin1')
  return Buffer.concat([size, body, CRLF], size.length + body.length + 2)
}

/**
 * The bytes of an event for a stream kind, made once per event and shared by every stream of
 * that kind: encoding the text and framing the chunk cost nothing per client. `chunk` adds the
 * HTTP/1.1 chunk framing, for streams that write to their socket directly.
 */
export function frameOf(stored: StoredEvent, mux: boolean, chunk: boolean): Buffer {
  const kind: FrameKind = mux ? (chunk ? 'muxChunk' : 'muxPlain') : chunk ? 'chunk' : 'plain'
  const frames = (stored.frames ??= {})
  const cached = frames[kind]
  if (cached !== undefined) return cached
  const plainKind: FrameKind = mux ? 'muxPlain' : 'plain'
  const plain = (frames[plainKind] ??= Buffer.from(wireOf(stored, mux), 'utf8'))
  return chunk ? (frames[kind] = chunkOf(plain)) : plain
}

/** Why an event was dropped, once per event (a stream, the reader or history met it first). */
export function logUnsendable(
  stored: StoredEvent,
  error: unknown,
  report: DropReport = warnDropped,
): void {
  if (stored.unsendable) return
  stored.unsendable = true
  report(stored, error instanceof Error ? error.message : String(error))
}

/**
 * The bytes of an event (frameOf), or undefined (logged once) when it cannot be serialized, e.g. data
 * nested deeper than JSON.stringify's stack allows: the event is dropped, never the stream.
 */
export function safeFrameOf(
  stored: StoredEvent,
  mux: boolean,
  chunk: boolean,
  report: DropReport = warnDropped,
): Buffer | undefined {
  if (stored.unsendable) return undefined
  try {
    return frameOf(stored, mux, chunk)
  } catch (error) {
    logUnsendable(stored, error, report)
    return undefined
  }
}

/**
 * A history page as JSON text, each event serialized on its own: one that cannot be (too deep)
 * is left out and logged instead of failing the page.
 */
export function historyJson(
  page: HistoryPage,
  warn: (message: string) => void = (message) => console.warn(message),
): string {
  const events: string[] = []
  for (const item of page.events) {
    try {
      events.push(JSON.stringify(item))
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      warn(`dropped event ${item.id} from a history page: cannot be serialized (${reason})`)
    }
  }
  const rest = JSON.stringify({ latest_id: page.latest_id, truncated: page.truncated })
  return `{"events":[${events.join(',')}],${rest.slice(1)}`
}

/** A history envelope: `data` parsed back to an object (raw text stays text). */
export function envelope(stored: StoredEvent): HistoryPage['events'][number] {
  let data: unknown = stored.payload
  if (data === undefined) {
    try {
      data = JSON.parse(stored.data)
    } catch {
      data = stored.data
    }
  }
  return { id: stored.idText, event: stored.event, data }
}
