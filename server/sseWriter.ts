// One open SSE response: one write per tick, sends pings, obeys stall/drop faults, never throws.
import type { ServerResponse } from 'node:http'
import type { Channel } from '../src/protocol/contract.ts'
import {
  formatEvent,
  isAfter,
  chunkOf,
  safeFrameOf,
  type DropReport,
  type Position,
  type ResumePlan,
  type StoredEvent,
  type Subscriber,
} from './events.ts'
import type { Faults } from './options.ts'
import { isoUtc, pythonUtc } from './time.ts'

/** A client whose socket buffer grows beyond this many bytes is too slow and gets dropped. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const

export interface SseStreamOptions {
  clientId: string
  channels: readonly Channel[]
  /** Multiplexed stream: data carries `channel`, resets name their channel. */
  mux: boolean
  heartbeatSeconds: number
  faults: () => Faults
  onClose: (stream: SseStream) => void
  /** Writes every stream with something queued, at most once per `--flush-ms` (or per tick). */
  batcher: WriteBatcher
  /** Told of an event that cannot be serialized (default: a console warning). */
  report?: DropReport
  /** Events written, per channel, counted here for every stream (metrics). */
  delivered?: Record<Channel, number>
}

/** Why a stream ended: the client left, the server ended it, it was too slow, or it was cut. */
export type CloseReason = 'client' | 'shutdown' | 'too_slow' | 'dropped' | 'refused'

/**
 * Flushes every stream that has something queued, all at once, with one timer for all of them:
 * at the end of the event loop's turn (`setImmediate`), but with `everyMs` > 0 never sooner than
 * `everyMs` after the previous flush. Whatever reached a stream in between (several events of one
 * Redis read, of several reads or publishes) leaves in one write: at most one write per stream
 * per `everyMs`, and an event waits at most `everyMs` (none when the last flush is older).
 */
export class WriteBatcher {
  private readonly dirty = new Set<SseStream>()
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined
  private afterFlush: (() => void)[] = []
  private lastFlushAt = -Infinity
  /** The queues joined during a flush, by first chunk: streams with the same queue share a copy. */
  private readonly joined = new Map<Buffer, { chunks: Buffer[]; data: Buffer }[]>()
  private flushing = false

  constructor(readonly everyMs: number) {}

  add(stream: SseStream): void {
    this.dirty.add(stream)
    if (this.timer !== undefined) return
    const wait = this.lastFlushAt + this.everyMs - performance.now()
    this.timer =
      wait >= 1 ? setTimeout(() => this.flushAll(), wait) : setImmediate(() => this.flushAll())
  }

  /** True while some stream waits for the next flush. */
  get pending(): boolean {
    return this.timer !== undefined
  }

  /** Runs `then` right after the next flush (for the fan-out lag). */
  whenFlushed(then: () => void): void {
    this.afterFlush.push(then)
  }

  /**
   * `chunks` as one buffer. Streams of one kind usually hold the same shared frames, so during a
   * flush the copy is made once and written to all of them: no allocation per client.
   */
  join(chunks: readonly Buffer[], bytes: number): Buffer {
    if (!this.flushing) return Buffer.concat(chunks, bytes)
    const first = chunks[0] as Buffer
    const known = this.joined.get(first)
    const same = known?.find(
      (entry) =>
        entry.chunks.length === chunks.length &&
        entry.chunks.every((chunk, index) => chunk === chunks[index]),
    )
    if (same !== undefined) return same.data
    const data = Buffer.concat(chunks, bytes)
    const entry = { chunks: [...chunks], data }
    if (known === undefined) this.joined.set(first, [entry])
    else known.push(entry)
    return data
  }

  private flushAll(): void {
    this.timer = undefined
    this.lastFlushAt = performance.now()
    const streams = [...this.dirty]
    this.dirty.clear()
    this.flushing = true
    try {
      for (const stream of streams) stream.flushNow()
    } finally {
      this.flushing = false
      this.joined.clear()
    }
    const after = this.afterFlush
    this.afterFlush = []
    for (const then of after) then()
  }
}

export class SseStream implements Subscriber {
  /** Bytes queued for the next write: shared event frames and this stream's own control lines. */
  private pending: Buffer[] = []
  private pendingBytes = 0
  private scheduled = false
  /**
   * Writes go straight to the socket as ready-made HTTP/1.1 chunks (one system call per tick,
   * no per-client encoding); false for HEAD, HTTP/1.0 (no chunked encoding) or a response not
   * yet on its socket (pipelining), which write through the response.
   */
  private direct = false
  private eventsQueued = 0
  private dropping = false
  private closed = false
  /** Why it ended, once it did. */
  closeReason: CloseReason | undefined
  /** When it was created (performance.now()), for its duration in the log. */
  readonly startedAt = performance.now()
  /** Live events that arrived while the resume plan was being read; null once open. */
  private held: StoredEvent[] | null = []
  /** Live events at or before this position were replayed already (or precede the cursor). */
  private floor: Position | undefined
  private readonly heartbeat: ReturnType<typeof setInterval> | undefined

  constructor(
    readonly res: ServerResponse,
    readonly options: SseStreamOptions,
  ) {
    res.on('close', () => this.cleanup('client'))
    res.on('error', () => this.cleanup('client'))
    res.socket?.setNoDelay(true)
    const everyMs = options.heartbeatSeconds * 1000
    if (everyMs > 0) {
      this.heartbeat = setInterval(() => this.ping(), everyMs)
      this.heartbeat.unref()
    }
  }

  get channels(): readonly Channel[] {
    return this.options.channels
  }

  get isOpen(): boolean {
    return !this.closed
  }

  /** Channel events written so far. */
  get eventsSent(): number {
    return this.eventsQueued
  }

  /**
   * The stream's opening: optional retry, `connected`, resets, the replay, then the live events
   * that arrived meanwhile (the stream subscribes before the plan is read, so none falls between).
   */
  open(retryMs: number | undefined, plan: ResumePlan): void {
    const { res } = this
    this.direct =
      res.chunkedEncoding &&
      res.req.method !== 'HEAD' &&
      res.socket !== null &&
      res.socket.writable &&
      res.headersSent
    if (retryMs !== undefined) this.enqueue(`retry: ${retryMs}\r\n\r\n`)
    const now = new Date()
    this.control('connected', {
      client_id: this.options.clientId,
      channels: this.options.channels,
      timestamp: isoUtc(now),
    })
    for (const channel of plan.resets) {
      const data = { reason: plan.reason, timestamp: isoUtc(now) }
      this.control('reset', this.options.mux ? { ...data, channel } : data)
    }
    const held = this.held ?? []
    this.held = null
    this.floor = plan.replay.at(-1) ?? plan.after
    for (const stored of plan.replay) this.write(stored)
    for (const stored of held) this.deliver(stored)
  }

  /** A live event: held until `open()`, skipped when the replay already had it. */
  deliver(stored: StoredEvent): void {
    if (this.held !== null) {
      this.held.push(stored)
      return
    }
    if (this.floor !== undefined) {
      if (!isAfter(stored, this.floor)) return
      this.floor = undefined // live events come in id order: none after this one can repeat
    }
    this.write(stored)
  }

  private write(stored: StoredEvent): void {
    if (this.closed || this.dropping) return
    const frame = safeFrameOf(stored, this.options.mux, this.direct, this.options.report)
    if (frame === undefined) return
    this.enqueueBytes(frame)
    this.eventsQueued += 1
    if (this.options.delivered) this.options.delivered[stored.channel] += 1
    const dropAfter = this.options.faults().dropAfterEvents
    if (dropAfter !== null && this.eventsQueued >= dropAfter) this.dropping = true
  }

  /** Writes everything queued now (used when a stall ends). */
  flushNow(): void {
    this.flush()
  }

  /** Destroys the socket at once, like a network failure. */
  destroy(reason: CloseReason = 'dropped'): void {
    this.res.destroy()
    this.cleanup(reason)
  }

  /** Forgets the stream before it opened, leaving the response to an error answer. */
  discard(): void {
    this.cleanup('refused')
  }

  /**
   * Ends the response cleanly (server shutdown), after what is queued; with `retryMs`, first tells
   * the client when to come back (`retry:`), so a fleet of clients does not return at once.
   */
  end(retryMs?: number): void {
    if (this.closed) return
    if (retryMs !== undefined && this.held === null) this.enqueue(`retry: ${retryMs}\r\n\r\n`)
    this.flush()
    this.res.end()
    this.cleanup('shutdown')
  }

  private control(event: string, data: object): void {
    this.enqueue(formatEvent(undefined, event, JSON.stringify(data)))
  }

  private ping(): void {
    // Before open() the head is not out yet: nothing may be written.
    if (this.options.faults().stall || this.held !== null) return
    this.enqueue(`: ping - ${pythonUtc()}\r\n\r\n`)
  }

  /** This stream's own lines (retry, control events, pings), framed like the events. */
  private enqueue(text: string): void {
    const bytes = Buffer.from(text, 'utf8')
    this.enqueueBytes(this.direct ? chunkOf(bytes) : bytes)
  }

  private enqueueBytes(bytes: Buffer): void {
    if (this.closed) return
    this.pending.push(bytes)
    this.pendingBytes += bytes.length
    if (this.pendingBytes + this.buffered() > MAX_BUFFERED_BYTES) {
      this.destroy('too_slow')
      return
    }
    if (!this.scheduled) {
      this.scheduled = true
      this.options.batcher.add(this)
    }
  }

  /** Bytes written but not yet taken by the network (the response's count includes its socket's). */
  private buffered(): number {
    return this.res.writableLength
  }

  private flush(): void {
    this.scheduled = false
    if (this.closed || this.pending.length === 0 || this.options.faults().stall) return
    const chunks = this.pending
    // One write per flush: the shared frame itself when it is alone, else one copy of all of
    // them, shared with the streams that hold the same (one socket write each costs more).
    const data =
      chunks.length === 1
        ? (chunks[0] as Buffer)
        : this.options.batcher.join(chunks, this.pendingBytes)
    chunks.length = 0
    this.pendingBytes = 0
    // Destroy only once the last events reached the socket, so the client sees exactly N.
    const then = this.dropping ? () => this.destroy() : undefined
    const socket = this.res.socket
    if (this.direct && socket !== null) socket.write(data, then)
    else this.res.write(data, then)
    if (this.dropping) {
      this.closed = true
      this.closeReason = 'dropped'
      this.stopTimers()
      this.options.onClose(this)
      return
    }
    if (this.buffered() > MAX_BUFFERED_BYTES) this.destroy('too_slow')
  }

  private stopTimers(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
  }

  private cleanup(reason: CloseReason): void {
    if (this.closed) return
    this.closed = true
    this.closeReason = reason
    this.pending = []
    this.pendingBytes = 0
    this.stopTimers()
    this.options.onClose(this)
  }
}
