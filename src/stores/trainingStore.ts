// Training channel state: one entry per run, with per-epoch curves, published once per frame; the
// loss smoothing and the runs picked for comparison.
import { useLocalStorage } from '@vueuse/core'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import { STORAGE_KEYS } from '../config/storageKeys'
import type { EventOf } from '../protocol/contract'
import { batchApplier } from './applyEach'
import { TrainingBook } from './trainingModel'
import type { TrainingRun } from './trainingModel'

export const useTrainingStore = defineStore('training', () => {
  const book = new TrainingBook()
  /** Runs in display order: running, queued, then finished newest first. */
  const runs = shallowRef<readonly TrainingRun[]>([])
  const version = shallowRef(0)
  const runById = computed(() => new Map(runs.value.map((run) => [run.runId, run])))
  let dirty = false
  /** EMA weight of the loss charts, 0 (raw) to 0.99; remembered. */
  const smoothing = useLocalStorage(STORAGE_KEYS.trainingSmoothing, 0.6)
  /** Runs overlaid in the comparison chart, in the order they were picked. */
  const compared = shallowRef<readonly string[]>([])

  function toggleCompared(runId: string): void {
    compared.value = compared.value.includes(runId)
      ? compared.value.filter((id) => id !== runId)
      : [...compared.value, runId]
  }

  function setSmoothing(value: number): void {
    smoothing.value = Number.isFinite(value) ? Math.min(0.99, Math.max(0, value)) : 0
  }

  function apply(event: EventOf<'training'>): void {
    book.apply(event.data, Date.now())
    dirty = true
  }

  /** A frame's batch in one action (see applyEach.ts). */
  const applyAll = batchApplier(apply)

  function commit(): void {
    if (!dirty) return
    runs.value = book.snapshot()
    dirty = false
    version.value += 1
  }

  function clear(): void {
    book.clear()
    runs.value = []
    dirty = false
    version.value += 1
  }

  return {
    runs,
    runById,
    version,
    smoothing,
    compared,
    toggleCompared,
    setSmoothing,
    apply,
    applyAll,
    commit,
    clear,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useTrainingStore, import.meta.hot))
