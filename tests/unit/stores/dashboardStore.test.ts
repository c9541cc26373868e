import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useDashboardStore } from '@/stores/dashboardStore'
import { T0, dashboardEvent } from './factories'

describe('dashboard store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
  })

  it('publishes only on commit, once per batch', () => {
    const store = useDashboardStore()
    store.apply(dashboardEvent(1))
    store.apply(dashboardEvent(2))
    expect(store.latest).toBeNull()
    expect(store.version).toBe(0)
    store.commit()
    expect(store.version).toBe(1)
    expect(store.asOf).toBe(T0 + 2000)
    store.commit()
    expect(store.version).toBe(1)
  })

  it('applies a batch in one call: an event that throws is reported, the others still apply', () => {
    const store = useDashboardStore()
    // No portfolio: applying it throws (a payload the schema would have refused).
    const broken = dashboardEvent(2, { portfolio: undefined as never })
    const failures: unknown[] = []
    store.applyAll([dashboardEvent(1), broken, dashboardEvent(3)], (event, error) =>
      failures.push([event, error]),
    )
    store.commit()
    expect(failures).toHaveLength(1)
    expect((failures[0] as unknown[])[0]).toBe(broken)
    expect(store.asOf).toBe(T0 + 3000)
    expect(store.equity.length).toBe(2)
  })

  it('ignores an update older than the latest one applied', () => {
    const store = useDashboardStore()
    const newer = dashboardEvent(10, { turnover: 2 })
    store.apply(newer)
    store.commit()
    store.apply(dashboardEvent(5, { turnover: 1 }))
    store.commit()
    expect(store.latest).toBe(newer.data)
    expect(store.asOf).toBe(T0 + 10_000)
    expect(store.equity.length).toBe(1)
  })

  it('grows the equity and per-index series as commits come in', () => {
    const store = useDashboardStore()
    for (let s = 1; s <= 3; s += 1) {
      store.apply(
        dashboardEvent(s, {
          portfolio: { equity: 1000 + s, pnl_day: 0, pnl_day_pct: 0, exposure_pct: 0.5 },
        }),
      )
      store.commit()
      expect(store.equity.length).toBe(s)
    }
    expect(store.equity.points().map(([, v]) => v)).toEqual([1001, 1002, 1003])
    expect(store.indexSeries.get('000001.SH')?.length).toBe(3)
    expect(store.version).toBe(3)
  })

  it('clears everything', () => {
    const store = useDashboardStore()
    store.apply(dashboardEvent(1))
    store.commit()
    store.clear()
    expect(store.latest).toBeNull()
    expect(store.asOf).toBeNull()
    expect(store.equity.length).toBe(0)
    expect(store.indexSeries.size).toBe(0)
  })
})
