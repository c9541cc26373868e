// Small statistics over latency samples and frame times.

export interface Percentiles {
  count: number
  p50: number | null
  p95: number | null
  p99: number | null
  max: number | null
}

/** Nearest-rank percentiles; sorts `samples` in place. */
export function percentiles(samples: Float64Array): Percentiles {
  samples.sort()
  const at = (q: number) =>
    samples.length === 0
      ? null
      : (samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] as number)
  return {
    count: samples.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: samples.length === 0 ? null : (samples[samples.length - 1] as number),
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** One frame at 60 Hz. */
export const FRAME_MS = 1000 / 60

export interface FrameStats {
  /** Frames seen in the window. */
  frames: number
  /** Gaps between frames longer than 1.5 frames. */
  longGaps: number
  /** Frames missing in those gaps (a 50 ms gap misses two). */
  dropped: number
  /** Longest gap between two frames, ms. */
  maxGapMs: number | null
}

/** Frame stats for rAF times (ascending) inside [from, to]. */
export function frameStats(times: readonly number[], from: number, to: number): FrameStats {
  const inside = times.filter((t) => t >= from && t <= to)
  let longGaps = 0
  let dropped = 0
  let maxGap: number | null = null
  for (let i = 1; i < inside.length; i += 1) {
    const gap = (inside[i] as number) - (inside[i - 1] as number)
    maxGap = maxGap === null ? gap : Math.max(maxGap, gap)
    if (gap > 1.5 * FRAME_MS) {
      longGaps += 1
      dropped += Math.max(1, Math.round(gap / FRAME_MS) - 1)
    }
  }
  // A page frozen for the whole window shows no frames at all: every frame was dropped.
  if (inside.length < 2) dropped = Math.round((to - from) / FRAME_MS)
  return { frames: inside.length, longGaps, dropped, maxGapMs: maxGap }
}

export function decodeFloat64(base64: string): Float64Array {
  const bytes = Buffer.from(base64, 'base64')
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return new Float64Array(copy.buffer)
}

export function round(value: number | null, digits = 1): number | null {
  if (value === null || !Number.isFinite(value)) return value
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
