import { describe, expect, it } from 'vitest'
import { AlertBook, criticalAnnouncement } from '@/stores/alertsModel'
import { WORKFLOW_CAP, acknowledgeMany, patchWorkflow } from '@/stores/alertsPersistence'
import type { AlertWorkflow } from '@/stores/alertsPersistence'
import { alertEvent } from './factories'

describe('AlertBook', () => {
  it('reports new, updated and dropped alerts', () => {
    const book = new AlertBook(2)
    expect(book.upsert(alertEvent('a', 5).data)).toBe('new')
    expect(book.upsert(alertEvent('a', 6).data)).toBe('updated')
    expect(book.upsert(alertEvent('b', 7).data)).toBe('new')
    // Older than both kept alerts while full: it cannot make the list.
    expect(book.upsert(alertEvent('c', 1).data)).toBe('dropped')
    expect(book.list().map((a) => a.alert_id)).toEqual(['b', 'a'])
    // Once dropped, an id is new again.
    expect(book.upsert(alertEvent('d', 9).data)).toBe('new')
    expect(book.list().map((a) => a.alert_id)).toEqual(['d', 'b'])
  })
})

describe('workflow persistence helpers', () => {
  it('bounds the workflow to the most recently touched ids', () => {
    let list: AlertWorkflow[] = []
    for (let i = 0; i < WORKFLOW_CAP + 20; i += 1)
      list = patchWorkflow(list, `id${i}`, { ackedAt: i })
    expect(list).toHaveLength(WORKFLOW_CAP)
    expect(list[0]?.id).toBe('id20')
    list = acknowledgeMany(list, ['new1', 'new2'], 1)
    expect(list).toHaveLength(WORKFLOW_CAP)
    expect(list.at(-1)?.id).toBe('new2')
  })

  it('forgets an entry that holds nothing any more', () => {
    const list = patchWorkflow([], 'a', { snoozedUntil: 10 })
    expect(patchWorkflow(list, 'a', { snoozedUntil: null })).toEqual([])
  })
})

describe('criticalAnnouncement', () => {
  it('names the newest and counts the rest', () => {
    const a = alertEvent('a', 1, { message: 'first' }).data
    const b = alertEvent('b', 2, { message: 'second' }).data
    expect(criticalAnnouncement([])).toBeNull()
    expect(criticalAnnouncement([b])).toBe('Critical alert: second')
    expect(criticalAnnouncement([b, a])).toBe('Critical alert: second (and 1 more)')
  })
})
