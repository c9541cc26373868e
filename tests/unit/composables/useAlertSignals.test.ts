// The unread-critical count in the tab title: shown at once after a quiet spell, at most one change
// per TITLE_EVERY_MS under a flood, and always ending on the newest count.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { TITLE_EVERY_MS, useAlertSignals } from '@/composables/useAlertSignals'
import { useAlertsStore } from '@/stores/alertsStore'
import { alertEvent } from '../../component/factories'

let scope = effectScope()
beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
  document.title = 'Realtime Monitor'
  scope = effectScope()
})
afterEach(() => {
  scope.stop()
  vi.useRealTimers()
})

/** Title writes, counted through the setter the page uses. */
function countTitleWrites(): () => string[] {
  const writes: string[] = []
  const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'title')!
  vi.spyOn(document, 'title', 'set').mockImplementation((value: string) => {
    writes.push(value)
    descriptor.set!.call(document, value)
  })
  return () => writes
}

let next = 0
async function addCritical(): Promise<void> {
  const store = useAlertsStore()
  next += 1
  store.apply(alertEvent(`c-${next}`, next, { severity: 'critical' }))
  store.commit()
  await nextTick()
}

describe('useAlertSignals: the title', () => {
  it('shows a new count at once after a quiet spell', async () => {
    scope.run(() => useAlertSignals())
    vi.advanceTimersByTime(TITLE_EVERY_MS + 1)
    await addCritical()
    expect(document.title).toBe('(1) critical · Realtime Monitor')
  })

  it('changes at most once per interval under a flood and ends on the newest count', async () => {
    scope.run(() => useAlertSignals())
    vi.advanceTimersByTime(TITLE_EVERY_MS + 1)
    const writes = countTitleWrites()
    // 40 criticals, one per 16 ms frame: 640 ms.
    for (let i = 0; i < 40; i += 1) {
      await addCritical()
      vi.advanceTimersByTime(16)
    }
    vi.advanceTimersByTime(TITLE_EVERY_MS)
    const count = useAlertsStore().unreadCritical
    expect(count).toBeGreaterThanOrEqual(40)
    expect(document.title).toBe(`(${count}) critical · Realtime Monitor`)
    // Leading at the first, then one per 500 ms: 3 writes for 640 ms, not 40.
    expect(writes().length).toBeGreaterThanOrEqual(2)
    expect(writes().length).toBeLessThanOrEqual(3)
  })

  it('writes nothing after the page is gone (the plain title stays)', async () => {
    scope.run(() => useAlertSignals())
    vi.advanceTimersByTime(TITLE_EVERY_MS + 1)
    await addCritical()
    await addCritical()
    scope.stop()
    vi.advanceTimersByTime(TITLE_EVERY_MS)
    expect(document.title).toBe('Realtime Monitor')
  })
})
