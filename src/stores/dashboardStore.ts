// Dashboard channel state: the newest market/portfolio snapshot and rolling chart series.
import { acceptHMRUpdate, defineStore } from 'pinia'
import { markRaw, shallowRef } from 'vue'
import type { DashboardUpdate, EventOf } from '../protocol/contract'
import { batchApplier } from './applyEach'
import { TimeSeries } from './ringBuffer'
import { parseTimestamp } from '@/protocol/timestamp'

/** Charts show the last hour. */
export const DASHBOARD_WINDOW_MS = 60 * 60 * 1000
/** Hard cap per series: one point every 0.5 s over the window. */
export const DASHBOARD_MAX_POINTS = 7200

export const useDashboardStore = defineStore('dashboard', () => {
  const latest = shallowRef<DashboardUpdate | null>(null)
  const asOf = shallowRef<number | null>(null)
  /** Bumped once per commit that changed anything; charts watch it and read the series. */
  const version = shallowRef(0)
  // Series live outside reactivity: mutated per event, published by `version`.
  const equity = markRaw(new TimeSeries(DASHBOARD_WINDOW_MS, DASHBOARD_MAX_POINTS))
  const indexSeries = markRaw(new Map<string, TimeSeries>())

  let pending: DashboardUpdate | null = null
  let pendingAt: number | null = null
  let dirty = false

  function apply(event: EventOf<'dashboard'>): void {
    const data = event.data
    const at = parseTimestamp(data.timestamp)
    if (at === null) return
    const newestAt = pendingAt ?? asOf.value
    // A late or repeated older snapshot must not replace a newer one.
    if (newestAt !== null && at < newestAt) return
    pending = data
    pendingAt = at
    equity.push(at, data.portfolio.equity)
    for (const quote of data.indices) {
      let series = indexSeries.get(quote.symbol)
      if (!series) {
        series = markRaw(new TimeSeries(DASHBOARD_WINDOW_MS, DASHBOARD_MAX_POINTS))
        indexSeries.set(quote.symbol, series)
      }
      series.push(at, quote.last)
    }
    dirty = true
  }

  /** A frame's batch in one action (see applyEach.ts). */
  const applyAll = batchApplier(apply)

  function commit(): void {
    if (!dirty) return
    if (pending) {
      latest.value = pending
      asOf.value = pendingAt
    }
    pending = null
    pendingAt = null
    dirty = false
    version.value += 1
  }

  function clear(): void {
    latest.value = null
    asOf.value = null
    equity.clear()
    indexSeries.clear()
    pending = null
    pendingAt = null
    dirty = false
    version.value += 1
  }

  return { latest, asOf, version, equity, indexSeries, apply, applyAll, commit, clear }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDashboardStore, import.meta.hot))
