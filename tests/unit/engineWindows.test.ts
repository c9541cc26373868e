// A tab that joins a live engine paints from the engine's recent events: for the dashboard and the
// alerts list those windows hold at least what the page's stores keep.
import { describe, expect, it } from 'vitest'
import { RECENT_WINDOW } from '../../src/realtime/recentEvents.ts'
import { ALERTS_CAP } from '../../src/stores/alertBook.ts'
import { DASHBOARD_MAX_POINTS } from '../../src/stores/dashboardStore.ts'

describe("the engine's recent windows", () => {
  it('hold the dashboard hour and the whole alerts list the stores keep', () => {
    expect(RECENT_WINDOW.dashboard).toBeGreaterThanOrEqual(DASHBOARD_MAX_POINTS)
    expect(RECENT_WINDOW.alerts).toBeGreaterThanOrEqual(ALERTS_CAP)
  })
})
