// Backtest channel state: one entry per backtest with date-keyed series, published once per frame.
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { EventOf } from '../protocol/contract'
import { batchApplier } from './applyEach'
import { BacktestBook } from './backtestModel'
import type { BacktestRun } from './backtestModel'

export const useBacktestStore = defineStore('backtest', () => {
  const book = new BacktestBook()
  /** Backtests in display order: running first, then newest. */
  const backtests = shallowRef<readonly BacktestRun[]>([])
  const version = shallowRef(0)
  const backtestById = computed(() => new Map(backtests.value.map((b) => [b.backtestId, b])))
  let dirty = false

  function apply(event: EventOf<'backtest'>): void {
    book.apply(event.data, Date.now())
    dirty = true
  }

  /** A frame's batch in one action (see applyEach.ts). */
  const applyAll = batchApplier(apply)

  function commit(): void {
    if (!dirty) return
    backtests.value = book.snapshot()
    dirty = false
    version.value += 1
  }

  function clear(): void {
    book.clear()
    backtests.value = []
    dirty = false
    version.value += 1
  }

  return { backtests, backtestById, version, apply, applyAll, commit, clear }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useBacktestStore, import.meta.hot))
