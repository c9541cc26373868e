// The load source: the dev backend's seeded simulator publishing on the bench hub at a set total rate.
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { Simulator } from '../../server/simulator.ts'
import { epochNow } from './clock.ts'
import type { SseHub } from './sseHub.ts'

/** Emission period: each tick publishes what the rate asks for since the last one. */
export const TICK_MS = 10
/** After a stalled event loop, at most this much backlog is made up (the rest is not sent). */
const MAX_BACKLOG_MS = 500

/** Send times by event id (ids are the backend's global sequence), from a base id on. */
export class SendLog {
  private base = 1
  private times = new Float64Array(1 << 16)
  private last = 0

  reset(base: number): void {
    this.base = base
    this.last = base - 1
    this.times.fill(0)
  }

  record(id: number, at: number): void {
    const index = id - this.base
    if (index < 0) return
    if (index >= this.times.length) {
      const grown = new Float64Array(Math.max(this.times.length * 2, index + 1))
      grown.set(this.times)
      this.times = grown
    }
    this.times[index] = at
    this.last = Math.max(this.last, id)
  }

  /** Send time of `id`, or 0 when it was not sent since the last reset. */
  at(id: number): number {
    const index = id - this.base
    return index >= 0 && index < this.times.length ? (this.times[index] as number) : 0
  }

  get lastId(): number {
    return this.last
  }
}

export class LoadSource {
  readonly log = new SendLog()
  private simulator = new Simulator({ seed: 1 })
  private rate = 0
  private owed = 0
  private turn = 0
  private lastTick = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private latest = 0
  /** Events published since `start`. */
  sent = 0
  startedAt = 0

  constructor(private readonly hub: SseHub) {}

  /** The newest id the backend published. */
  get latestId(): number {
    return this.latest
  }

  /**
   * Starts publishing `rate` events/s in total, spread round-robin over the four channels, with a
   * fresh simulator of `seed` (same seed, same payloads: every page sees the same data).
   */
  start(rate: number, seed: number): void {
    this.stop()
    this.simulator = new Simulator({ seed })
    this.rate = rate
    this.owed = 0
    this.turn = 0
    this.sent = 0
    this.startedAt = epochNow()
    this.lastTick = performance.now()
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  private tick(): void {
    const now = performance.now()
    const elapsed = Math.min(now - this.lastTick, MAX_BACKLOG_MS)
    this.lastTick = now
    this.owed += (this.rate * elapsed) / 1000
    const count = Math.floor(this.owed)
    if (count === 0) return
    this.owed -= count
    // Payloads are made first, so the stamp below measures the wire, not the simulator.
    const batch: { channel: Channel; event: string; data: object }[] = []
    for (let i = 0; i < count; i += 1) {
      const channel = CHANNELS[this.turn % CHANNELS.length] as Channel
      this.turn += 1
      batch.push({ channel, ...this.simulator.next(channel) })
    }
    const first = this.latest + 1
    for (const { channel, event, data } of batch)
      this.latest = this.hub.publish(channel, event, data)
    // "Sent" is when the tick's text is handed to the sockets.
    const at = epochNow()
    this.hub.flush()
    for (let id = first; id <= this.latest; id += 1) this.log.record(id, at)
    this.sent += count
  }
}
