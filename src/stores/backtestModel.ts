// Backtests by backtest_id: latest progress, date-keyed equity/benchmark/drawdown series, final metrics, bound.
import type { BacktestProgress } from '../protocol/contract'
import { evictOverCap, hasPoint, upsertPoint } from './runSeries'
import type { Point, RunClock } from './runSeries'
import { parseTimestamp } from '@/protocol/timestamp'
import { parseDateUtc } from './timestamps'

/** Backtests kept; the oldest finished ones go first. */
export const BACKTESTS_CAP = 30
/** Points kept per series (one per simulated date). */
export const BACKTEST_SERIES_CAP = 5000
export const BACKTEST_SERIES_KEYS = ['equity', 'benchmark', 'drawdown'] as const
export type BacktestSeriesKey = (typeof BACKTEST_SERIES_KEYS)[number]
export type BacktestMetrics = NonNullable<BacktestProgress['metrics']>

/** A published, immutable view of one backtest. */
export interface BacktestRun {
  backtestId: string
  latest: BacktestProgress
  /** Client time (epoch ms) the newest event for the backtest was received. */
  updatedAt: number
  /** `[date as epoch ms UTC, value]`, ascending by date; `benchmark` stays empty without a benchmark. */
  series: Readonly<Record<BacktestSeriesKey, readonly Point[]>>
  /** Final metrics once the backend has sent them. */
  metrics: BacktestMetrics | null
}

interface BacktestState extends RunClock {
  backtestId: string
  latest: BacktestProgress
  series: Record<BacktestSeriesKey, Point[]>
  metrics: BacktestMetrics | null
}

/** Running first (newest started first), then the rest by most recent activity. */
export function compareBacktests(a: RunClock, b: RunClock): number {
  const aRunning = a.status === 'running'
  const bRunning = b.status === 'running'
  if (aRunning !== bRunning) return aRunning ? -1 : 1
  return aRunning ? b.firstAt - a.firstAt : b.lastAt - a.lastAt
}

function addPoints(state: BacktestState, data: BacktestProgress, onlyMissing: boolean): void {
  const date = parseDateUtc(data.current_date)
  if (date === null) return
  const values: Record<BacktestSeriesKey, number | undefined> = {
    equity: data.equity,
    benchmark: data.benchmark_equity,
    drawdown: data.drawdown,
  }
  for (const key of BACKTEST_SERIES_KEYS) {
    const value = values[key]
    if (value === undefined) continue
    const points = state.series[key]
    if (onlyMissing && hasPoint(points, date)) continue
    upsertPoint(points, date, value, BACKTEST_SERIES_CAP)
  }
}

/** Mutable per-event state; `snapshot()` publishes it. Not reactive. */
export class BacktestBook {
  private readonly states = new Map<string, BacktestState>()
  private readonly snapshots = new Map<string, BacktestRun>()
  private readonly changed = new Set<string>()

  constructor(readonly cap = BACKTESTS_CAP) {}

  get size(): number {
    return this.states.size
  }

  apply(data: BacktestProgress, receivedAt: number): void {
    const at = parseTimestamp(data.timestamp) ?? receivedAt
    let state = this.states.get(data.backtest_id)
    if (!state) {
      state = {
        backtestId: data.backtest_id,
        latest: data,
        status: data.status,
        firstAt: at,
        lastAt: at,
        updatedAt: receivedAt,
        series: { equity: [], benchmark: [], drawdown: [] },
        metrics: null,
      }
      this.states.set(data.backtest_id, state)
    }
    this.changed.add(data.backtest_id)
    if (at < state.lastAt) {
      // A late or replayed event: it may fill a date we lack, but never overrides newer data.
      addPoints(state, data, true)
      if (!state.metrics && data.metrics) state.metrics = data.metrics
      return
    }
    state.latest = data
    state.status = data.status
    state.lastAt = at
    state.updatedAt = receivedAt
    if (data.metrics) state.metrics = data.metrics
    addPoints(state, data, false)
    for (const id of evictOverCap(this.states, this.cap)) {
      this.snapshots.delete(id)
      this.changed.delete(id)
    }
  }

  /** Backtests in display order; unchanged ones keep their previous snapshot object. */
  snapshot(): BacktestRun[] {
    for (const id of this.changed) {
      const state = this.states.get(id)
      if (!state) continue
      this.snapshots.set(id, {
        backtestId: state.backtestId,
        latest: state.latest,
        updatedAt: state.updatedAt,
        series: {
          equity: state.series.equity.slice(),
          benchmark: state.series.benchmark.slice(),
          drawdown: state.series.drawdown.slice(),
        },
        metrics: state.metrics,
      })
    }
    this.changed.clear()
    return [...this.states.values()]
      .sort(compareBacktests)
      .map((state) => this.snapshots.get(state.backtestId) as BacktestRun)
  }

  clear(): void {
    this.states.clear()
    this.snapshots.clear()
    this.changed.clear()
  }
}

/** Return of equity over the benchmark from the first common date to the last, as fractions; null without a benchmark. */
export function excessReturn(
  series: Pick<BacktestRun['series'], 'equity' | 'benchmark'>,
): { strategy: number; benchmark: number; excess: number } | null {
  const e0 = series.equity[0]
  const e1 = series.equity[series.equity.length - 1]
  const b0 = series.benchmark[0]
  const b1 = series.benchmark[series.benchmark.length - 1]
  if (!e0 || !e1 || !b0 || !b1 || e0[1] <= 0 || b0[1] <= 0) return null
  const strategy = e1[1] / e0[1] - 1
  const benchmark = b1[1] / b0[1] - 1
  return { strategy, benchmark, excess: strategy - benchmark }
}

/** One fall from a peak: when it started (the peak), its lowest point, when equity got back to the peak. */
export interface DrawdownEpisode {
  start: number
  trough: number
  /** Null while still under water. */
  recovery: number | null
  /** Fraction below the peak at the trough (0.12 = 12 %). */
  depth: number
}

/** Points needed before episodes are worth listing. */
export const DRAWDOWN_MIN_POINTS = 20

/** The `count` deepest drawdown episodes of an equity curve, deepest first; [] with too little data. */
export function deepestDrawdowns(
  equity: readonly Point[],
  count = 3,
  minPoints = DRAWDOWN_MIN_POINTS,
): DrawdownEpisode[] {
  if (equity.length < minPoints) return []
  const episodes: DrawdownEpisode[] = []
  let peak = equity[0] as Point
  let open: DrawdownEpisode | null = null
  let troughValue = Infinity
  for (const point of equity) {
    const [t, v] = point
    if (v >= peak[1]) {
      if (open) {
        open.recovery = t
        episodes.push(open)
        open = null
      }
      peak = point
      continue
    }
    if (!open) {
      open = { start: peak[0], trough: t, recovery: null, depth: 0 }
      troughValue = v
    }
    if (v <= troughValue) {
      troughValue = v
      open.trough = t
      open.depth = 1 - v / peak[1]
    }
  }
  if (open) episodes.push(open)
  return episodes.sort((a, b) => b.depth - a.depth).slice(0, count)
}
