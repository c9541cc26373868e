import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, watch } from 'vue'
import { SETTINGS_KEY, WORKFLOW_KEY } from '@/stores/alertsPersistence'
import { useAlertsStore } from '@/stores/alertsStore'
import { T0, alertEvent, iso } from './factories'

function ids(store: ReturnType<typeof useAlertsStore>): string[] {
  return store.visible.map((row) => row.key)
}

describe('alerts store', () => {
  beforeEach(() => {
    localStorage.clear()
    vi.useFakeTimers()
    vi.setSystemTime(T0 + 3_600_000)
    setActivePinia(createPinia())
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('de-duplicates by alert_id: a re-sent alert updates its row in place', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('a', 1))
    store.apply(alertEvent('b', 2))
    store.commit()
    store.apply(alertEvent('a', 3, { message: 'updated' }))
    store.commit()
    expect(ids(store)).toEqual(['b', 'a'])
    expect(store.visible[1]?.alert.message).toBe('updated')
    expect(store.alerts).toHaveLength(2)
  })

  it('orders newest first by timestamp, whatever the arrival order', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('mid', 5))
    store.apply(alertEvent('new', 9))
    store.apply(alertEvent('old', 1))
    store.commit()
    expect(ids(store)).toEqual(['new', 'mid', 'old'])
  })

  it('keeps the newest 500', () => {
    const store = useAlertsStore()
    for (let i = 0; i < 600; i += 1) store.apply(alertEvent(`a${i}`, i))
    store.commit()
    expect(store.alerts).toHaveLength(500)
    expect(store.alerts[0]?.alert_id).toBe('a599')
    expect(store.alerts.at(-1)?.alert_id).toBe('a100')
  })

  it('acknowledges one or all visible alerts', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('a', 1, { severity: 'critical' }))
    store.apply(alertEvent('b', 2, { severity: 'critical' }))
    store.apply(alertEvent('c', 3, { severity: 'info' }))
    store.commit()
    expect(store.unreadCritical).toBe(2)
    store.acknowledge('a')
    expect(store.unreadCritical).toBe(1)
    expect(store.visible.find((row) => row.alert.alert_id === 'a')?.acknowledged).toBe(true)
    store.acknowledgeAll()
    expect(store.unreadCritical).toBe(0)
    expect(store.visible.every((row) => row.acknowledged)).toBe(true)
  })

  it('hides a snoozed alert until the snooze expires, or until unsnoozed', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('a', 1, { severity: 'critical' }))
    store.apply(alertEvent('b', 2))
    store.commit()
    store.snooze('a', 15)
    expect(ids(store)).toEqual(['b'])
    expect(store.unreadCritical).toBe(0)
    expect(store.snoozedAlerts.map((s) => s.row.key)).toEqual(['a'])
    vi.advanceTimersByTime(14 * 60_000)
    expect(ids(store)).toEqual(['b'])
    vi.advanceTimersByTime(60_000 + 15_000)
    expect(ids(store)).toEqual(['b', 'a'])
    expect(store.unreadCritical).toBe(1)

    store.snooze('b', 60)
    expect(ids(store)).toEqual(['a'])
    store.unsnooze('b')
    expect(ids(store)).toEqual(['b', 'a'])
  })

  it('filters by severity and category; empty filters show all', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('crit-dd', 1, { severity: 'critical', category: 'drawdown' }))
    store.apply(alertEvent('warn-ex', 2, { severity: 'warning', category: 'exposure' }))
    store.apply(alertEvent('info-dd', 3, { severity: 'info', category: 'drawdown' }))
    store.commit()
    store.severityFilter = new Set(['critical', 'info'])
    expect(ids(store)).toEqual(['info-dd', 'crit-dd'])
    store.categoryFilter = new Set(['exposure'])
    expect(ids(store)).toEqual([])
    store.toggleSeverity('warning')
    expect(ids(store)).toEqual(['warn-ex'])
    store.severityFilter = new Set()
    store.toggleCategory('exposure')
    expect(ids(store)).toHaveLength(3)
  })

  it('counts unread criticals whatever the filters, skipping acknowledged and snoozed ones', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('a', 1, { severity: 'critical' }))
    store.apply(alertEvent('b', 2, { severity: 'critical' }))
    store.apply(alertEvent('c', 3, { severity: 'critical' }))
    store.apply(alertEvent('d', 4, { severity: 'warning' }))
    store.commit()
    store.severityFilter = new Set(['warning'])
    expect(store.unreadCritical).toBe(3)
    store.acknowledge('a')
    store.snooze('b', 60)
    expect(store.unreadCritical).toBe(1)
  })

  it('holds new arrivals behind a count until released', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('a', 1))
    store.commit()
    store.holdNew(true)
    store.apply(alertEvent('b', 2))
    store.apply(alertEvent('c', 3))
    store.apply(alertEvent('a', 4, { message: 'updated in place' }))
    store.commit()
    expect(ids(store)).toEqual(['a'])
    expect(store.visible[0]?.alert.message).toBe('updated in place')
    expect(store.pendingCount).toBe(2)
    store.releaseNew()
    expect(store.pendingCount).toBe(0)
    expect(ids(store)).toEqual(['c', 'b', 'a'])
    store.apply(alertEvent('d', 5))
    store.commit()
    expect(store.pendingCount).toBe(1)
    store.holdNew(false)
    expect(store.pendingCount).toBe(0)
    expect(ids(store)).toEqual(['d', 'c', 'b', 'a'])
  })

  it('announces newly arrived critical alerts as plain text, not repeats', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('w', 1))
    store.commit()
    expect(store.lastCriticalAnnouncement).toBeNull()
    store.apply(alertEvent('c', 2, { severity: 'critical', message: 'Drawdown 12% over 10%' }))
    store.commit()
    expect(store.lastCriticalAnnouncement).toBe('Critical alert: Drawdown 12% over 10%')
    store.lastCriticalAnnouncement = null
    store.apply(alertEvent('c', 3, { severity: 'critical', message: 'again' }))
    store.commit()
    expect(store.lastCriticalAnnouncement).toBeNull()
  })

  it('counts every announcement, so two critical alerts with the same text announce twice', async () => {
    const store = useAlertsStore()
    const announced: string[] = []
    watch(
      () => store.criticalSeq,
      () => announced.push(store.lastCriticalAnnouncement ?? ''),
    )
    expect(store.criticalSeq).toBe(0)
    store.apply(alertEvent('c-1', 1, { severity: 'critical', message: 'Margin call' }))
    store.commit()
    await nextTick()
    store.apply(alertEvent('c-2', 2, { severity: 'critical', message: 'Margin call' }))
    store.commit()
    await nextTick()
    expect(store.criticalSeq).toBe(2)
    expect(announced).toEqual(['Critical alert: Margin call', 'Critical alert: Margin call'])
    // Nothing new and critical: no announcement; clearing keeps the count going up, never back.
    store.apply(alertEvent('w-1', 3))
    store.commit()
    store.clear()
    expect(store.criticalSeq).toBe(2)
    store.apply(alertEvent('c-3', 4, { severity: 'critical', message: 'Margin call' }))
    store.commit()
    expect(store.criticalSeq).toBe(3)
  })

  it('persists settings and workflow and reads them back in a fresh pinia', async () => {
    const store = useAlertsStore()
    store.severityFilter = new Set(['critical'])
    store.categoryFilter = new Set(['drawdown', 'system'])
    store.notifyDesktop = true
    store.acknowledge('a')
    store.snooze('b', 60)
    await nextTick()
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null')).toMatchObject({
      severities: ['critical'],
      notifyDesktop: true,
      soundCritical: false,
    })
    expect(localStorage.getItem(WORKFLOW_KEY)).toContain('"a"')

    setActivePinia(createPinia())
    const fresh = useAlertsStore()
    expect(fresh).not.toBe(store)
    expect([...fresh.severityFilter]).toEqual(['critical'])
    expect([...fresh.categoryFilter]).toEqual(['drawdown', 'system'])
    expect(fresh.notifyDesktop).toBe(true)
    expect(fresh.soundCritical).toBe(false)
    fresh.apply(alertEvent('a', 1, { severity: 'critical', category: 'drawdown' }))
    fresh.apply(alertEvent('b', 2, { severity: 'critical', category: 'system' }))
    fresh.commit()
    expect(fresh.unreadCritical).toBe(0)
    expect(fresh.visible.map((row) => row.alert.alert_id)).toEqual(['a'])
  })

  it('falls back to defaults when stored settings are malformed', () => {
    localStorage.setItem(SETTINGS_KEY, '{"severities":["bogus","info"],"notifyDesktop":"yes"')
    localStorage.setItem(WORKFLOW_KEY, '[{"id":1},{"id":"x","ackedAt":5}]')
    const store = useAlertsStore()
    expect(store.notifyDesktop).toBe(false)
    expect(store.severityFilter.size).toBe(0)
    expect(store.workflow.get('x')?.ackedAt).toBe(5)
    expect(store.workflow.size).toBe(1)
  })

  it('clears the alerts but keeps the workflow', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('a', 1))
    store.commit()
    store.acknowledge('a')
    store.clear()
    expect(store.alerts).toEqual([])
    expect(store.visible).toEqual([])
    expect(store.workflow.has('a')).toBe(true)
  })

  it('counts rows, not events: repeats raise the row count, not "N new" or the critical count', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('c', 1, { severity: 'critical', symbol: 'X' }))
    store.commit()
    store.holdNew(true)
    for (let i = 2; i < 12; i += 1)
      store.apply(alertEvent(`c${i}`, i, { severity: 'critical', symbol: 'X' }))
    store.commit()
    expect(store.pendingCount).toBe(0)
    expect(store.visible).toHaveLength(1)
    expect(store.visible[0]?.count).toBe(11)
    expect(store.unreadCritical).toBe(1)
    expect(store.criticalSeq).toBe(1)
  })

  it('offers 15 min, 1 h and 4 h snoozes; a row that fired again comes back unread with its new count', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('c', 1, { severity: 'critical', symbol: 'X' }))
    store.commit()
    store.acknowledge('c')
    store.snooze('c', 240)
    expect(store.visible).toHaveLength(0)
    store.apply(alertEvent('c2', 100, { severity: 'critical', symbol: 'X' }))
    store.apply(alertEvent('c3', 200, { severity: 'critical', symbol: 'X' }))
    store.commit()
    // Still snoozed: hidden and not counted.
    expect(store.visible).toHaveLength(0)
    expect(store.unreadCritical).toBe(0)
    const before = store.criticalSeq
    vi.advanceTimersByTime(4 * 3_600_000 + 10_000)
    expect(store.visible.map((v) => [v.key, v.count, v.acknowledged])).toEqual([['c', 3, false]])
    expect(store.unreadCritical).toBe(1)
    expect(store.criticalSeq).toBe(before + 1)
    expect(store.workflow.get('c')).toBeUndefined()
  })

  it('a snoozed row that stayed quiet comes back as it was', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('c', 1, { severity: 'critical' }))
    store.commit()
    store.acknowledge('c')
    store.snooze('c', 15)
    vi.advanceTimersByTime(16 * 60_000)
    expect(store.visible[0]?.acknowledged).toBe(true)
    expect(store.unreadCritical).toBe(0)
  })

  it('re-opens an acknowledged critical when a repeat is worse, announcing it once; an identical repeat only counts', () => {
    const store = useAlertsStore()
    const drawdown = {
      severity: 'critical',
      category: 'drawdown',
      symbol: 'X',
      threshold: 0.1,
    } as const
    store.apply(alertEvent('d1', 1, { ...drawdown, value: 0.11 }))
    store.commit()
    store.acknowledge('d1')
    expect(store.unreadCritical).toBe(0)
    const before = store.criticalSeq

    // The same value again: counted, still acknowledged, silent.
    store.apply(alertEvent('d2', 10, { ...drawdown, value: 0.11 }))
    // Past the limit by less than the margin (10 % of the limit): still acknowledged.
    store.apply(alertEvent('d3', 20, { ...drawdown, value: 0.115 }))
    store.commit()
    expect(store.visible.map((v) => [v.key, v.count, v.acknowledged])).toEqual([['d1', 3, true]])
    expect(store.criticalSeq).toBe(before)

    // 18 % against a 10 % limit after the ack at 11 %: worse, re-opened and announced once.
    store.apply(alertEvent('d4', 30, { ...drawdown, value: 0.18, message: 'Drawdown 18%' }))
    store.commit()
    const row = store.visible[0]
    expect([row?.count, row?.acknowledged]).toEqual([4, false])
    expect(row?.reopenedFrom).toEqual({ severity: 'critical', value: 0.11 })
    expect(store.unreadCritical).toBe(1)
    expect(store.criticalSeq).toBe(before + 1)
    expect(store.lastCriticalAnnouncement).toBe('Critical alert: Drawdown 18%')
    expect(store.lastCriticalSignatures).toEqual([`d1#reopen@${iso(30)}`])

    // A repeat of a re-opened (unacknowledged) row does not speak again.
    store.apply(alertEvent('d5', 40, { ...drawdown, value: 0.25 }))
    store.commit()
    expect(store.criticalSeq).toBe(before + 1)

    // Acknowledged again at 25 %: the baseline moves, so 25 % again only counts.
    store.acknowledge('d1')
    expect(store.visible[0]?.reopenedFrom).toBeNull()
    store.apply(alertEvent('d6', 50, { ...drawdown, value: 0.25 }))
    store.commit()
    expect(store.visible[0]?.acknowledged).toBe(true)
    expect(store.criticalSeq).toBe(before + 1)
  })

  it('re-opens an acknowledged row that comes back with a higher severity', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('w', 1, { severity: 'warning', value: 0.16 }))
    store.commit()
    store.acknowledge('w')
    const before = store.criticalSeq
    store.apply(alertEvent('w', 2, { severity: 'critical', value: 0.16 }))
    store.commit()
    expect(store.visible[0]?.acknowledged).toBe(false)
    expect(store.visible[0]?.reopenedFrom).toEqual({ severity: 'warning', value: 0.16 })
    expect(store.criticalSeq).toBe(before + 1)
  })

  it('speaks once for the first repeat after a snooze that ran out quietly', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('c', 1, { severity: 'critical', symbol: 'X' }))
    store.commit()
    store.acknowledge('c')
    store.snooze('c', 15)
    vi.advanceTimersByTime(16 * 60_000)
    expect(store.visible[0]?.acknowledged).toBe(true)
    const before = store.criticalSeq
    // The backend updates the same alert_id (a repeat by content would be a new row this late).
    const at = 16 * 60 + 60
    store.apply(alertEvent('c', at, { severity: 'critical', symbol: 'X' }))
    store.commit()
    expect(store.visible[0]?.acknowledged).toBe(false)
    expect(store.unreadCritical).toBe(1)
    expect(store.criticalSeq).toBe(before + 1)
    // Once: the next repeat only counts.
    store.apply(alertEvent('c', at + 10, { severity: 'critical', symbol: 'X' }))
    store.commit()
    expect(store.visible[0]?.count).toBe(3)
    expect(store.criticalSeq).toBe(before + 1)
  })

  it('shows a storm as one group with the lone critical of another category on top', () => {
    const store = useAlertsStore()
    store.apply(alertEvent('crit', 0, { severity: 'critical', category: 'drawdown' }))
    for (let i = 0; i < 200; i += 1) {
      store.apply(
        alertEvent(`v${i}`, 1 + i * 0.02, { category: 'volatility', severity: 'warning' }),
      )
    }
    store.commit()
    expect(store.entries.map((e) => e.kind)).toEqual(['row', 'group'])
    expect(store.entries[0]?.id).toBe('crit')
    const group = store.entries[1]
    store.toggleGroup(group?.id ?? '')
    expect(store.entries).toHaveLength(202)
  })

  it('takes another tab’s ack from storage', async () => {
    const store = useAlertsStore()
    store.apply(alertEvent('c', 1, { severity: 'critical' }))
    store.commit()
    const value = JSON.stringify([{ id: 'c', ackedAt: 5, snoozedUntil: null, snoozedCount: null }])
    localStorage.setItem(WORKFLOW_KEY, value)
    window.dispatchEvent(
      new StorageEvent('storage', {
        key: WORKFLOW_KEY,
        newValue: value,
        storageArea: localStorage,
      }),
    )
    await nextTick()
    expect(store.unreadCritical).toBe(0)
  })
})
