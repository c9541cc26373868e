import { describe, expect, it } from 'vitest'
import {
  WORKFLOW_CAP,
  defaultSettings,
  readSettings,
  readWorkflow,
} from '@/stores/alertsPersistence'

describe('readSettings', () => {
  it('keeps the known severities and categories of a mixed list, once each, in stored order', () => {
    const raw = JSON.stringify({
      severities: ['bogus', 'critical', 3, null, 'info', 'critical', 'INFO'],
      categories: ['system', { x: 1 }, 'drawdown', 'nope', 'system'],
    })
    const settings = readSettings(raw)
    expect(settings.severities).toEqual(['critical', 'info'])
    expect(settings.categories).toEqual(['system', 'drawdown'])
  })

  it('falls back field by field: a malformed field does not reset the well-formed ones', () => {
    const raw = JSON.stringify({
      severities: 'critical',
      categories: ['liquidity'],
      notifyDesktop: 'yes',
      soundCritical: true,
      repeatSound: 1,
      extra: 'dropped',
    })
    expect(readSettings(raw)).toEqual({
      severities: [],
      categories: ['liquidity'],
      notifyDesktop: false,
      soundCritical: true,
      repeatSound: false,
    })
  })

  it('gives the defaults for text that is not a settings object', () => {
    for (const raw of ['', '{', 'null', '5', '"x"', 'true', '[]', '[{"notifyDesktop":true}]']) {
      expect(readSettings(raw)).toEqual(defaultSettings())
    }
    expect(readSettings('{}')).toEqual(defaultSettings())
  })

  it('gives fresh lists each time', () => {
    const first = readSettings('{}')
    first.severities.push('info')
    first.categories.push('system')
    expect(readSettings('{}')).toEqual(defaultSettings())
  })
})

describe('readWorkflow', () => {
  it('reads a non-finite, non-number or missing time as null', () => {
    const raw = '[{"id":"a","ackedAt":1e999,"snoozedUntil":"5","snoozedCount":-1e999},{"id":"b"}]'
    expect(readWorkflow(raw)).toEqual([
      { id: 'a', ackedAt: null, snoozedUntil: null, snoozedCount: null },
      { id: 'b', ackedAt: null, snoozedUntil: null, snoozedCount: null },
    ])
  })

  it('drops entries without a string id or that are not objects, and unknown keys', () => {
    const raw = JSON.stringify([
      null,
      5,
      'a',
      ['a'],
      { id: 1, ackedAt: 2 },
      { ackedAt: 2 },
      { id: 'x', ackedAt: 5, snoozedUntil: 9, snoozedCount: 2, other: true },
    ])
    expect(readWorkflow(raw)).toEqual([{ id: 'x', ackedAt: 5, snoozedUntil: 9, snoozedCount: 2 }])
  })

  it('keeps the newest WORKFLOW_CAP well-formed entries', () => {
    const entries: unknown[] = []
    for (let i = 0; i < WORKFLOW_CAP + 5; i += 1) {
      entries.push({ id: `a${i}`, ackedAt: i })
      entries.push({ id: i })
    }
    const out = readWorkflow(JSON.stringify(entries))
    expect(out).toHaveLength(WORKFLOW_CAP)
    expect(out[0]?.id).toBe('a5')
    expect(out.at(-1)?.id).toBe(`a${WORKFLOW_CAP + 4}`)
  })

  it('gives an empty list for text that is not a list', () => {
    for (const raw of ['', '[', 'null', '{"id":"a"}', '5', '"x"']) {
      expect(readWorkflow(raw)).toEqual([])
    }
  })
})
