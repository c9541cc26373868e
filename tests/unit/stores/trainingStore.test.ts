import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useTrainingStore } from '@/stores/trainingStore'
import { CURVE_CAP, TrainingBook, quietSeconds } from '@/stores/trainingModel'
import { T0, trainingEvent } from './factories'

describe('training store', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(T0 + 3_600_000)
    setActivePinia(createPinia())
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps one curve point per epoch; a later event of the same epoch replaces it', () => {
    const store = useTrainingStore()
    store.apply(trainingEvent('r1', 1, { epoch: 1, metrics: { loss: 0.9 } }))
    store.apply(trainingEvent('r1', 2, { epoch: 1, metrics: { loss: 0.8, val_loss: 0.85 } }))
    store.apply(trainingEvent('r1', 3, { epoch: 2, metrics: { loss: 0.6 } }))
    store.commit()
    const run = store.runById.get('r1')
    expect(run?.curves.loss).toEqual([
      [1, 0.8],
      [2, 0.6],
    ])
    expect(run?.curves.val_loss).toEqual([[1, 0.85]])
    expect(run?.curves.accuracy).toEqual([])
    expect(run?.latest.epoch).toBe(2)
    expect(run?.updatedAt).toBe(T0 + 3_600_000)
    expect(store.version).toBe(1)
  })

  it('does not let a late, older event override newer progress', () => {
    const store = useTrainingStore()
    store.apply(trainingEvent('r1', 10, { epoch: 3, status: 'completed', metrics: { loss: 0.3 } }))
    store.apply(trainingEvent('r1', 5, { epoch: 3, status: 'running', metrics: { loss: 0.9 } }))
    store.apply(trainingEvent('r1', 4, { epoch: 2, status: 'running', metrics: { loss: 0.5 } }))
    store.commit()
    const run = store.runs[0]
    expect(run?.latest.status).toBe('completed')
    expect(run?.curves.loss).toEqual([
      [2, 0.5],
      [3, 0.3],
    ])
  })

  it('orders running, then queued, then finished newest first', () => {
    const store = useTrainingStore()
    store.apply(trainingEvent('done-old', 1, { status: 'completed' }))
    store.apply(trainingEvent('queued', 2, { status: 'queued' }))
    store.apply(trainingEvent('run-a', 3))
    store.apply(trainingEvent('done-new', 4, { status: 'failed', error: 'CUDA out of memory' }))
    store.apply(trainingEvent('run-b', 5))
    store.commit()
    expect(store.runs.map((r) => r.runId)).toEqual([
      'run-b',
      'run-a',
      'queued',
      'done-new',
      'done-old',
    ])
    store.apply(trainingEvent('run-a', 6, { status: 'cancelled' }))
    store.commit()
    expect(store.runs.map((r) => r.runId)).toEqual([
      'run-b',
      'queued',
      'run-a',
      'done-new',
      'done-old',
    ])
  })

  it('keeps 50 runs, evicting the oldest finished ones first', () => {
    const store = useTrainingStore()
    for (let i = 0; i < 10; i += 1)
      store.apply(trainingEvent(`done${i}`, i, { status: 'completed' }))
    for (let i = 0; i < 45; i += 1) store.apply(trainingEvent(`run${i}`, 100 + i))
    store.commit()
    expect(store.runs).toHaveLength(50)
    const kept = new Set(store.runs.map((r) => r.runId))
    for (let i = 0; i < 5; i += 1) expect(kept.has(`done${i}`)).toBe(false)
    for (let i = 5; i < 10; i += 1) expect(kept.has(`done${i}`)).toBe(true)
    for (let i = 0; i < 45; i += 1) expect(kept.has(`run${i}`)).toBe(true)
  })

  it('keeps unchanged runs as the same objects across commits', () => {
    const store = useTrainingStore()
    store.apply(trainingEvent('a', 1))
    store.apply(trainingEvent('b', 2))
    store.commit()
    const before = store.runById.get('a')
    store.apply(trainingEvent('b', 3, { epoch: 2 }))
    store.commit()
    expect(store.runById.get('a')).toBe(before)
    store.clear()
    expect(store.runs).toEqual([])
  })

  it('tells how long a running run has been quiet', () => {
    const store = useTrainingStore()
    store.apply(trainingEvent('r', 1))
    store.apply(trainingEvent('q', 1, { status: 'queued' }))
    store.commit()
    const received = Date.now()
    const run = store.runById.get('r')
    expect(run && quietSeconds(run, received + 42_900)).toBe(42)
    expect(run && quietSeconds(run, received - 5000)).toBe(0)
    const queued = store.runById.get('q')
    expect(queued && quietSeconds(queued, received + 60_000)).toBeNull()
  })
})

describe('TrainingBook', () => {
  it('caps each curve', () => {
    const book = new TrainingBook()
    for (let epoch = 1; epoch <= CURVE_CAP + 10; epoch += 1) {
      book.apply(trainingEvent('r', epoch, { epoch, metrics: { loss: 1 / epoch } }).data, epoch)
    }
    const loss = book.snapshot()[0]?.curves.loss ?? []
    expect(loss).toHaveLength(CURVE_CAP)
    expect(loss[0]?.[0]).toBe(11)
    expect(loss.at(-1)?.[0]).toBe(CURVE_CAP + 10)
  })
})
