import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useBacktestStore } from '@/stores/backtestStore'
import { BACKTEST_SERIES_CAP, BacktestBook } from '@/stores/backtestModel'
import { parseDateUtc } from '@/stores/timestamps'
import { backtestEvent } from './factories'

const METRICS = {
  total_return: 0.183,
  annual_return: 0.071,
  sharpe: 1.21,
  max_drawdown: 0.118,
  win_rate: 0.54,
}

describe('backtest store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
  })

  it('builds series by date; a repeated date replaces its point', () => {
    const store = useBacktestStore()
    store.apply(backtestEvent('b', 1, { current_date: '2021-06-29', equity: 100, drawdown: 0 }))
    store.apply(backtestEvent('b', 2, { current_date: '2021-06-30', equity: 110, drawdown: 0.01 }))
    store.apply(backtestEvent('b', 3, { current_date: '2021-06-30', equity: 111, drawdown: 0.02 }))
    store.commit()
    const run = store.backtestById.get('b')
    const d29 = Date.UTC(2021, 5, 29)
    const d30 = Date.UTC(2021, 5, 30)
    expect(run?.series.equity).toEqual([
      [d29, 100],
      [d30, 111],
    ])
    expect(run?.series.drawdown).toEqual([
      [d29, 0],
      [d30, 0.02],
    ])
    expect(run?.series.benchmark).toHaveLength(2)
    expect(run?.metrics).toBeNull()
  })

  it('leaves the benchmark empty without one, and skips series points for a bad date', () => {
    const store = useBacktestStore()
    store.apply(backtestEvent('b', 1, { benchmark_equity: undefined }))
    store.apply(backtestEvent('b', 2, { current_date: '2021-02-30', equity: 5 }))
    store.commit()
    const run = store.backtests[0]
    expect(run?.series.benchmark).toEqual([])
    expect(run?.series.equity).toHaveLength(1)
    expect(run?.latest.equity).toBe(5)
  })

  it('keeps the final metrics on completion', () => {
    const store = useBacktestStore()
    store.apply(backtestEvent('b', 1))
    store.commit()
    expect(store.backtests[0]?.metrics).toBeNull()
    store.apply(backtestEvent('b', 2, { status: 'completed', progress: 1, metrics: METRICS }))
    store.commit()
    expect(store.backtests[0]?.metrics).toEqual(METRICS)
    expect(store.backtests[0]?.latest.status).toBe('completed')
  })

  it('orders running first, then newest', () => {
    const store = useBacktestStore()
    store.apply(backtestEvent('old-done', 1, { status: 'completed' }))
    store.apply(backtestEvent('running', 2))
    store.apply(backtestEvent('new-done', 3, { status: 'failed', error: 'data gap 2020-03-16' }))
    store.apply(backtestEvent('queued', 4, { status: 'queued' }))
    store.commit()
    expect(store.backtests.map((b) => b.backtestId)).toEqual([
      'running',
      'queued',
      'new-done',
      'old-done',
    ])
  })

  it('keeps 30 backtests, evicting the oldest finished first', () => {
    const store = useBacktestStore()
    for (let i = 0; i < 5; i += 1)
      store.apply(backtestEvent(`done${i}`, i, { status: 'completed' }))
    for (let i = 0; i < 28; i += 1) store.apply(backtestEvent(`run${i}`, 100 + i))
    store.commit()
    expect(store.backtests).toHaveLength(30)
    const kept = store.backtests.map((b) => b.backtestId)
    expect(kept).not.toContain('done0')
    expect(kept).not.toContain('done2')
    expect(kept).toContain('done3')
    expect(kept).toContain('run0')
  })
})

describe('BacktestBook', () => {
  it('caps each series, dropping the oldest dates', () => {
    const book = new BacktestBook()
    const start = Date.UTC(2000, 0, 1)
    for (let day = 0; day < BACKTEST_SERIES_CAP + 3; day += 1) {
      const date = new Date(start + day * 86_400_000).toISOString().slice(0, 10)
      book.apply(backtestEvent('b', day, { current_date: date, equity: day }).data, day)
    }
    const equity = book.snapshot()[0]?.series.equity ?? []
    expect(equity).toHaveLength(BACKTEST_SERIES_CAP)
    expect(equity[0]).toEqual([start + 3 * 86_400_000, 3])
  })
})

describe('parseDateUtc', () => {
  it('accepts real calendar dates only', () => {
    expect(parseDateUtc('2021-06-30')).toBe(Date.UTC(2021, 5, 30))
    expect(parseDateUtc('2021-02-30')).toBeNull()
    expect(parseDateUtc('2021-6-30')).toBeNull()
    expect(parseDateUtc('2021-06-30T00:00:00Z')).toBeNull()
  })
})
