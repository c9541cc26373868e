// One open SSE response: batches writes per tick, sends pings, obeys stall/drop faults, never throws.
import type { ServerResponse } from 'node:http'
import type { Channel } from '../src/protocol/contract.ts'
import {
  formatEvent,
  isAfter,
  safeWireOf,
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
  /** Gathers writes for a few milliseconds (fewer, larger writes); none: write every tick. */
  batcher?: WriteBatcher
  /** Told of an event that cannot be serialized (default: a console warning). */
  report?: DropReport
  /** Events written, per channel, counted here for every stream (metrics). */
  delivered?: Record<Channel, number>
}

/** Why a stream ended: the client left, the server ended it, it was too slow, or it was cut. */
export type CloseReason = 'client' | 'shutdown' | 'too_slow' | 'dropped' | 'refused'

/**
 * Flushes every stream that has something queued once per `everyMs`, with one timer for all of
 * them: with thousands of clients, one write per client per event costs more than the event.
 */
export class WriteBatcher {
  private readonly dirty = new Set<SseStream>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private afterFlush: (() => void)[] = []

  constructor(readonly everyMs: number) {}

  add(stream: SseStream): void {
    this.dirty.add(stream)
    this.timer ??= setTimeout(() => this.flushAll(), this.everyMs)
  }

  /** True while some stream waits for the next flush. */
  get pending(): boolean {
    return this.timer !== undefined
  }

  /** Runs `then` right after the next flush (for the fan-out lag). */
  whenFlushed(then: () => void): void {
    this.afterFlush.push(then)
  }

  private flushAll(): void {
    this.timer = undefined
    const streams = [...this.dirty]
    this.dirty.clear()
    for (const stream of streams) stream.flushNow()
    const after = this.afterFlush
    this.afterFlush = []
    for (const then of after) then()
  }
}

export class SseStream implements Subscriber {
  /** Text queued for the next write (V8 concatenation is cheap: ropes). */
  private pending = ''
  private scheduled = false
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
    const wire = safeWireOf(stored, this.options.mux, this.options.report)
    if (wire === undefined) return
    this.enqueue(wire)
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
    if (this.options.faults().stall) return
    this.enqueue(`: ping - ${pythonUtc()}\r\n\r\n`)
  }

  private enqueue(text: string): void {
    if (this.closed) return
    this.pending += text
    if (this.pending.length + this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.destroy('too_slow')
      return
    }
    if (!this.scheduled) {
      this.scheduled = true
      if (this.options.batcher) this.options.batcher.add(this)
      else queueMicrotask(() => this.flush())
    }
  }

  private flush(): void {
    this.scheduled = false
    if (this.closed || this.pending === '' || this.options.faults().stall) return
    const chunk = this.pending
    this.pending = ''
    if (this.dropping) {
      // Destroy only once the last events reached the socket, so the client sees exactly N.
      this.res.write(chunk, () => this.destroy())
      this.closed = true
      this.closeReason = 'dropped'
      this.stopTimers()
      this.options.onClose(this)
      return
    }
    this.res.write(chunk)
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.destroy('too_slow')
  }

  private stopTimers(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
  }

  private cleanup(reason: CloseReason): void {
    if (this.closed) return
    this.closed = true
    this.closeReason = reason
    this.pending = ''
    this.stopTimers()
    this.options.onClose(this)
  }
}
