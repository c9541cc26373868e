// Bounded buffers for streaming data: a generic ring buffer and a columnar time series for charts.

/** Fixed-capacity FIFO; a push past capacity overwrites the oldest item. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[]
  private head = 0
  private size = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`)
    }
    this.items = new Array<T | undefined>(capacity)
  }

  get length(): number {
    return this.size
  }

  push(item: T): void {
    if (this.size < this.capacity) {
      this.items[(this.head + this.size) % this.capacity] = item
      this.size += 1
      return
    }
    this.items[this.head] = item
    this.head = (this.head + 1) % this.capacity
  }

  /** The newest item, or undefined when empty. */
  last(): T | undefined {
    if (this.size === 0) return undefined
    return this.items[(this.head + this.size - 1) % this.capacity]
  }

  /** Items oldest → newest. */
  toArray(): T[] {
    const out: T[] = []
    for (let i = 0; i < this.size; i += 1) {
      out.push(this.items[(this.head + i) % this.capacity] as T)
    }
    return out
  }

  clear(): void {
    // Drop references so overwritten payloads can be collected.
    this.items.fill(undefined)
    this.head = 0
    this.size = 0
  }
}

/** Compact the columns once this many dead slots have piled up at the front (and they are the majority). */
const COMPACT_AFTER = 1024

/**
 * Time-ordered (epoch ms) numeric series bounded by a time window and a hard point cap.
 * Trimming advances a head index; the arrays are compacted occasionally, so a push is amortised O(1).
 */
export class TimeSeries {
  private ts: number[] = []
  private vs: number[] = []
  private head = 0

  constructor(
    readonly windowMs: number,
    readonly maxPoints: number,
  ) {
    if (!(windowMs > 0) || !Number.isInteger(maxPoints) || maxPoints < 1) {
      throw new RangeError('TimeSeries needs windowMs > 0 and an integer maxPoints >= 1')
    }
  }

  get length(): number {
    return this.ts.length - this.head
  }

  /** Timestamps oldest → newest (do not mutate). */
  get times(): readonly number[] {
    this.compact()
    return this.ts
  }

  /** Values aligned with `times` (do not mutate). */
  get values(): readonly number[] {
    this.compact()
    return this.vs
  }

  /** The newest timestamp, or null when empty. */
  get lastTime(): number | null {
    return this.length > 0 ? (this.ts[this.ts.length - 1] as number) : null
  }

  /**
   * Appends a point. A point older than the newest one is dropped (charts need ordered time);
   * one at the same time replaces the newest value. Non-finite input is ignored.
   */
  push(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return
    const newest = this.lastTime
    if (newest !== null && t < newest) return
    if (newest !== null && t === newest) {
      this.vs[this.vs.length - 1] = v
      return
    }
    this.ts.push(t)
    this.vs.push(v)
    const cutoff = t - this.windowMs
    while (this.head < this.ts.length && (this.ts[this.head] as number) < cutoff) this.head += 1
    if (this.length > this.maxPoints) this.head = this.ts.length - this.maxPoints
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.ts.length) this.compact()
  }

  /** `[t, v]` pairs oldest → newest, from `sinceMs` on when given; a fresh array (ECharts data). */
  points(sinceMs?: number): [number, number][] {
    let start = this.head
    if (sinceMs !== undefined) start = this.lowerBound(sinceMs)
    const out: [number, number][] = new Array(this.ts.length - start)
    for (let i = start; i < this.ts.length; i += 1) {
      out[i - start] = [this.ts[i] as number, this.vs[i] as number]
    }
    return out
  }

  /**
   * Like `points`, but at most two points per bucket of equal time across the range: each
   * bucket's lowest and highest value, in time order, plus the first and the newest point. A
   * chart `buckets` pixels wide gets every spike and the live edge for a fraction of the points.
   */
  decimated(sinceMs: number | undefined, buckets: number): [number, number][] {
    const start = sinceMs === undefined ? this.head : this.lowerBound(sinceMs)
    const end = this.ts.length
    const count = Math.max(1, Math.floor(buckets))
    if (end - start <= count * 2) return this.points(sinceMs)
    const first = this.ts[start] as number
    const width = ((this.ts[end - 1] as number) - first) / count || 1
    const out: [number, number][] = []
    const emit = (i: number) => {
      const t = this.ts[i] as number
      if (out.length > 0 && (out[out.length - 1] as [number, number])[0] === t) return
      out.push([t, this.vs[i] as number])
    }
    let bucket = -1
    let low = start
    let high = start
    const flush = () => {
      if (bucket < 0) return
      emit(Math.min(low, high))
      if (low !== high) emit(Math.max(low, high))
    }
    emit(start)
    for (let i = start; i < end; i += 1) {
      const b = Math.min(count - 1, Math.floor(((this.ts[i] as number) - first) / width))
      if (b !== bucket) {
        flush()
        bucket = b
        low = i
        high = i
        continue
      }
      const v = this.vs[i] as number
      if (v < (this.vs[low] as number)) low = i
      if (v > (this.vs[high] as number)) high = i
    }
    flush()
    emit(end - 1)
    return out
  }

  clear(): void {
    this.ts = []
    this.vs = []
    this.head = 0
  }

  /** First live index whose time is >= t. */
  private lowerBound(t: number): number {
    let lo = this.head
    let hi = this.ts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.ts[mid] as number) < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private compact(): void {
    if (this.head === 0) return
    this.ts = this.ts.slice(this.head)
    this.vs = this.vs.slice(this.head)
    this.head = 0
  }
}
