// Training channel state: one entry per run, with per-epoch curves, published once per frame.
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { EventOf } from '../protocol/contract'
import { TrainingBook } from './trainingModel'
import type { TrainingRun } from './trainingModel'

export const useTrainingStore = defineStore('training', () => {
  const book = new TrainingBook()
  /** Runs in display order: running, queued, then finished newest first. */
  const runs = shallowRef<readonly TrainingRun[]>([])
  const version = shallowRef(0)
  const runById = computed(() => new Map(runs.value.map((run) => [run.runId, run])))
  let dirty = false

  function apply(event: EventOf<'training'>): void {
    book.apply(event.data, Date.now())
    dirty = true
  }

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

  return { runs, runById, version, apply, commit, clear }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useTrainingStore, import.meta.hot))
