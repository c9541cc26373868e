// Shared logic for per-run entities (training runs, backtests): x-keyed point series, ordering, eviction.
import type { RunStatus } from '../protocol/contract'

export type Point = [number, number]

/**
 * Puts (x, y) into `points`, kept ascending by x: an existing x has its y replaced, a new x is
 * inserted in place (appending is the fast common case). Beyond `cap` the lowest x is dropped.
 */
export function upsertPoint(points: Point[], x: number, y: number, cap: number): void {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return
  const last = points[points.length - 1]
  if (!last || last[0] < x) {
    points.push([x, y])
  } else {
    let lo = 0
    let hi = points.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((points[mid] as Point)[0] < x) lo = mid + 1
      else hi = mid
    }
    const at = points[lo]
    if (at && at[0] === x) points[lo] = [x, y]
    else points.splice(lo, 0, [x, y])
  }
  if (points.length > cap) points.splice(0, points.length - cap)
}

/** True when x already has a point. */
export function hasPoint(points: readonly Point[], x: number): boolean {
  let lo = 0
  let hi = points.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((points[mid] as Point)[0] < x) lo = mid + 1
    else hi = mid
  }
  return points[lo]?.[0] === x
}

export function isFinished(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}

/** What ordering and eviction need to know about a run. */
export interface RunClock {
  status: RunStatus
  /** Payload time (epoch ms) of the first event seen for the run. */
  firstAt: number
  /** Payload time (epoch ms) of the newest event applied. */
  lastAt: number
  /** Client time (epoch ms) the newest event was received. */
  updatedAt: number
}

/**
 * The id to evict to get back under the bound: the finished run that finished longest ago,
 * or when none has finished, the run that was updated longest ago.
 */
export function pickEviction(runs: ReadonlyMap<string, RunClock>): string | undefined {
  let finished: [string, RunClock] | undefined
  let any: [string, RunClock] | undefined
  for (const [id, run] of runs) {
    if (isFinished(run.status) && (!finished || run.lastAt < finished[1].lastAt))
      finished = [id, run]
    if (!any || run.updatedAt < any[1].updatedAt) any = [id, run]
  }
  return (finished ?? any)?.[0]
}

/** Evicts until `runs` holds at most `cap`; returns the evicted ids. */
export function evictOverCap<T extends RunClock>(runs: Map<string, T>, cap: number): string[] {
  const evicted: string[] = []
  while (runs.size > cap) {
    const id = pickEviction(runs)
    if (id === undefined) break
    runs.delete(id)
    evicted.push(id)
  }
  return evicted
}
