// Training runs by run_id: latest progress, per-epoch metric curves, ordering, bound and quietness.
import type { TrainingProgress } from '../protocol/contract'
import { evictOverCap, hasPoint, isFinished, upsertPoint } from './runSeries'
import type { Point, RunClock } from './runSeries'
import { parseTimestamp } from '@/protocol/timestamp'
import { fractionDone, recordProgress } from './trainingEta'
import type { ProgressSample } from './trainingEta'

/** Runs kept; the oldest finished ones go first. */
export const TRAINING_RUNS_CAP = 50
/** Points kept per curve (one per epoch). */
export const CURVE_CAP = 2000
export const CURVE_KEYS = ['loss', 'val_loss', 'accuracy', 'val_accuracy'] as const
export type CurveKey = (typeof CURVE_KEYS)[number]

/** A published, immutable view of one run. */
export interface TrainingRun {
  runId: string
  latest: TrainingProgress
  /** Client time (epoch ms) the newest event for the run was received. */
  updatedAt: number
  /** `[epoch, value]`, ascending by epoch. */
  curves: Readonly<Record<CurveKey, readonly Point[]>>
  /** Payload time (epoch ms) of the newest event applied. */
  lastAt: number
  /** Recent advances, oldest first: the ETA and "stalled" are read from them. */
  progress: readonly ProgressSample[]
}

interface RunState extends RunClock {
  runId: string
  latest: TrainingProgress
  curves: Record<CurveKey, Point[]>
  progress: ProgressSample[]
}

const STATUS_RANK = { running: 0, queued: 1, completed: 2, failed: 2, cancelled: 2 } as const

/** Running first, then queued (each newest started first), then finished, most recently finished first. */
export function compareRuns(a: RunClock, b: RunClock): number {
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status]
  if (rank !== 0) return rank
  return isFinished(a.status) ? b.lastAt - a.lastAt : b.firstAt - a.firstAt
}

function addPoints(run: RunState, data: TrainingProgress, onlyMissing: boolean): void {
  for (const key of CURVE_KEYS) {
    const value = data.metrics[key]
    if (value === undefined) continue
    const curve = run.curves[key]
    if (onlyMissing && hasPoint(curve, data.epoch)) continue
    upsertPoint(curve, data.epoch, value, CURVE_CAP)
  }
}

/** Mutable per-event state; `snapshot()` publishes it. Not reactive. */
export class TrainingBook {
  private readonly runs = new Map<string, RunState>()
  private readonly snapshots = new Map<string, TrainingRun>()
  private readonly changed = new Set<string>()

  constructor(readonly cap = TRAINING_RUNS_CAP) {}

  get size(): number {
    return this.runs.size
  }

  apply(data: TrainingProgress, receivedAt: number): void {
    const at = parseTimestamp(data.timestamp) ?? receivedAt
    let run = this.runs.get(data.run_id)
    if (!run) {
      run = {
        runId: data.run_id,
        latest: data,
        status: data.status,
        firstAt: at,
        lastAt: at,
        updatedAt: receivedAt,
        curves: { loss: [], val_loss: [], accuracy: [], val_accuracy: [] },
        progress: [],
      }
      this.runs.set(data.run_id, run)
    }
    this.changed.add(data.run_id)
    if (at < run.lastAt) {
      // A late or replayed event: it may fill an epoch we lack, but never overrides newer data.
      addPoints(run, data, true)
      return
    }
    run.latest = data
    run.status = data.status
    run.lastAt = at
    run.updatedAt = receivedAt
    if (data.status === 'running') {
      recordProgress(run.progress, { at, receivedAt, done: fractionDone(data) })
    }
    addPoints(run, data, false)
    for (const id of evictOverCap(this.runs, this.cap)) {
      this.snapshots.delete(id)
      this.changed.delete(id)
    }
  }

  /** Runs in display order; unchanged runs keep their previous snapshot object. */
  snapshot(): TrainingRun[] {
    for (const id of this.changed) {
      const run = this.runs.get(id)
      if (!run) continue
      this.snapshots.set(id, {
        runId: run.runId,
        latest: run.latest,
        updatedAt: run.updatedAt,
        curves: {
          loss: run.curves.loss.slice(),
          val_loss: run.curves.val_loss.slice(),
          accuracy: run.curves.accuracy.slice(),
          val_accuracy: run.curves.val_accuracy.slice(),
        },
        lastAt: run.lastAt,
        progress: run.progress.slice(),
      })
    }
    this.changed.clear()
    return [...this.runs.values()]
      .sort(compareRuns)
      .map((run) => this.snapshots.get(run.runId) as TrainingRun)
  }

  clear(): void {
    this.runs.clear()
    this.snapshots.clear()
    this.changed.clear()
  }
}

/** Whole seconds since a running run last reported; null for runs that are not running. */
export function quietSeconds(
  run: Pick<TrainingRun, 'latest' | 'updatedAt'>,
  now: number,
): number | null {
  if (run.latest.status !== 'running') return null
  return Math.max(0, Math.floor((now - run.updatedAt) / 1000))
}
