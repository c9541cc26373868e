// A tab that joins a live engine paints from the engine's recent events: for the dashboard and the
// alerts list those windows hold at least what the page's stores keep.
import { describe, expect, it } from 'vitest'
import { RECENT_WINDOW, RecentEvents } from '../../src/realtime/recentEvents.ts'
import { ALERTS_CAP } from '../../src/stores/alertBook.ts'
import { DASHBOARD_MAX_POINTS } from '../../src/stores/dashboardStore.ts'

describe("the engine's recent windows", () => {
  it('hold the dashboard hour and the whole alerts list the stores keep', () => {
    expect(RECENT_WINDOW.dashboard).toBeGreaterThanOrEqual(DASHBOARD_MAX_POINTS)
    expect(RECENT_WINDOW.alerts).toBeGreaterThanOrEqual(ALERTS_CAP)
  })
})

describe('RecentEvents', () => {
  const filled = (count: number) => {
    const recent = new RecentEvents()
    for (let i = 1; i <= count; i += 1) recent.add('alerts', String(i), `text ${i}`)
    return recent
  }

  it('replays the newest window, oldest first', () => {
    const texts = filled(RECENT_WINDOW.alerts + 10).of('alerts')
    expect(texts).toHaveLength(RECENT_WINDOW.alerts)
    expect(texts[0]).toBe('text 11')
    expect(texts.at(-1)).toBe(`text ${RECENT_WINDOW.alerts + 10}`)
  })

  it('replays to a tab that shows events already only what comes after its cursor', () => {
    expect(filled(10).of('alerts', '7')).toEqual(['text 8', 'text 9', 'text 10'])
    expect(filled(10).of('alerts', '10')).toEqual([])
    // A cursor the window does not hold (older, or from another engine's life): the whole window.
    expect(filled(10).of('alerts', 'x')).toHaveLength(10)
    expect(filled(10).of('dashboard', '3')).toEqual([])
  })
})
