// Honest training ETAs and run states from observed progress: warm-up, unstable rates, stalls, and
// whether the backend's own eta_seconds agrees with what the client sees.
import type { RunStatus, TrainingProgress } from '../protocol/contract'
import { isFinished } from './runSeries'

/** One observed advance of a run. */
export interface ProgressSample {
  /**
   * Payload time (server clock), epoch ms: rates, "last progress N s ago" and stalls are measured
   * on it against the server-corrected clock, so a page opened on a quiet run sees its real age.
   */
  at: number
  /** Client time the event was received, epoch ms (not used for ages: a reload would reset them). */
  receivedAt: number
  /** Fraction of the run done, 0..1. */
  done: number
}

/** Samples kept per run. */
export const PROGRESS_SAMPLES = 12
/** Fewer advances than this: still warming up, no ETA shown. */
export const WARMUP_SAMPLES = 5
/** Interval rates spread more than this (coefficient of variation): the ETA is "unknown". */
export const UNSTABLE_CV = 0.5
/** No progress for this many usual intervals: stalled. */
export const STALL_FACTOR = 4
/** Least quiet time before "stalled", and the interval assumed before one is known. */
export const STALL_MIN_MS = 10_000
export const DEFAULT_INTERVAL_MS = 15_000
/** The backend's ETA agrees when within this share of the observed one (or STALL_MIN_MS). */
export const AGREE_SHARE = 0.2

/** Fraction done: epochs are 1-based and in progress; steps count within the current epoch. */
export function fractionDone(
  p: Pick<TrainingProgress, 'epoch' | 'total_epochs' | 'step' | 'total_steps' | 'status'>,
): number {
  if (p.status === 'completed') return 1
  if (p.total_epochs <= 0) return 0
  const within = p.step !== undefined && p.total_steps ? p.step / p.total_steps : 1
  const done = p.step !== undefined && p.total_steps ? p.epoch - 1 + within : p.epoch
  return Math.min(1, Math.max(0, done / p.total_epochs))
}

/** Adds a sample when the run moved forward; returns true if it did. */
export function recordProgress(samples: ProgressSample[], sample: ProgressSample): boolean {
  const last = samples[samples.length - 1]
  if (last && (sample.done <= last.done || sample.at <= last.at)) return false
  samples.push(sample)
  if (samples.length > PROGRESS_SAMPLES) samples.shift()
  return true
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The usual time between two advances (median, payload times); null with fewer than two. */
export function usualIntervalMs(samples: readonly ProgressSample[]): number | null {
  const gaps: number[] = []
  for (let i = 1; i < samples.length; i += 1) {
    gaps.push((samples[i] as ProgressSample).at - (samples[i - 1] as ProgressSample).at)
  }
  return gaps.length > 0 ? median(gaps) : null
}

export type RunState = RunStatus | 'stalled'

/** Payload time of the run's last advance, or of its newest report before any advance. */
export function lastProgressAt(samples: readonly ProgressSample[], lastAt: number): number {
  return samples[samples.length - 1]?.at ?? lastAt
}

/**
 * Running with no progress for several usual intervals is "stalled"; finished states stay as sent.
 * `lastAt` is the payload time of the newest report and `now` the server-corrected clock.
 */
export function runState(
  status: RunStatus,
  samples: readonly ProgressSample[],
  lastAt: number,
  now: number,
): RunState {
  if (status !== 'running') return status
  const last = lastProgressAt(samples, lastAt)
  const interval = usualIntervalMs(samples) ?? DEFAULT_INTERVAL_MS
  return now - last > Math.max(STALL_MIN_MS, STALL_FACTOR * interval) ? 'stalled' : 'running'
}

export type Eta =
  | { kind: 'none' }
  | { kind: 'warmup' }
  | { kind: 'unknown'; reason: 'unstable' | 'stalled' }
  | {
      kind: 'known'
      /** Seconds left by the observed rate. */
      observedS: number
      /** The backend's eta_seconds when sent. */
      backendS: number | null
      /** True when the backend's ETA is close to the observed one (then it is the one shown). */
      agrees: boolean
    }

/** The ETA to show for a run at `now` (server-corrected clock; `lastAt` as for `runState`). */
export function trainingEta(
  latest: Pick<TrainingProgress, 'status' | 'eta_seconds'>,
  samples: readonly ProgressSample[],
  lastAt: number,
  now: number,
): Eta {
  if (isFinished(latest.status) || latest.status === 'queued') return { kind: 'none' }
  if (samples.length < WARMUP_SAMPLES) return { kind: 'warmup' }
  if (runState(latest.status, samples, lastAt, now) === 'stalled') {
    return { kind: 'unknown', reason: 'stalled' }
  }
  const rates: number[] = []
  for (let i = 1; i < samples.length; i += 1) {
    const a = samples[i - 1] as ProgressSample
    const b = samples[i] as ProgressSample
    rates.push((b.done - a.done) / (b.at - a.at))
  }
  const mean = rates.reduce((sum, r) => sum + r, 0) / rates.length
  const sd = Math.sqrt(rates.reduce((sum, r) => sum + (r - mean) ** 2, 0) / rates.length)
  if (!(mean > 0) || sd / mean > UNSTABLE_CV) return { kind: 'unknown', reason: 'unstable' }
  const first = samples[0] as ProgressSample
  const last = samples[samples.length - 1] as ProgressSample
  const rate = (last.done - first.done) / (last.at - first.at)
  const sinceLast = Math.max(0, now - last.at)
  const observedS = Math.max(0, ((1 - last.done) / rate - sinceLast) / 1000)
  const backend = latest.eta_seconds
  if (backend === undefined) return { kind: 'known', observedS, backendS: null, agrees: false }
  // The backend's figure was true when sent: age it like the observed one.
  const backendS = Math.max(0, backend - sinceLast / 1000)
  const tolerance = Math.max(STALL_MIN_MS / 1000, AGREE_SHARE * observedS)
  return { kind: 'known', observedS, backendS, agrees: Math.abs(backendS - observedS) <= tolerance }
}
