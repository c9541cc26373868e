import { describe, expect, it } from 'vitest'
import { AlertBook, DEDUP_WINDOW_MS, type AlertRow } from '@/stores/alertBook'
import { countBySeverity, criticalAnnouncement, isEscalation } from '@/stores/alertsModel'
import { buildEntries, findStorms, stormTitle } from '@/stores/alertStorms'
import type { AlertView } from '@/stores/alertsModel'
import { WORKFLOW_CAP, acknowledgeMany, patchWorkflow } from '@/stores/alertsPersistence'
import type { AlertWorkflow } from '@/stores/alertsPersistence'
import type { RiskAlert } from '@/protocol/contract'
import { alertEvent } from './factories'

const keys = (rows: readonly AlertRow[]) => rows.map((r) => r.key)

describe('AlertBook', () => {
  it('reports new, repeated, replayed and dropped rows', () => {
    const book = new AlertBook(2)
    expect(book.upsert(alertEvent('a', 5).data).result).toBe('new')
    expect(book.upsert(alertEvent('a', 6).data).result).toBe('repeat')
    // The same copy again (a replay after a reconnect) is not a repeat.
    expect(book.upsert(alertEvent('a', 6).data).result).toBe('replay')
    expect(book.upsert(alertEvent('b', 7).data).result).toBe('new')
    // Older than both kept rows while full: it cannot make the list.
    expect(book.upsert(alertEvent('c', 1).data).result).toBe('dropped')
    expect(keys(book.list())).toEqual(['b', 'a'])
    expect(book.get('a')?.count).toBe(2)
    expect(book.upsert(alertEvent('d', 9).data).result).toBe('new')
    expect(keys(book.list())).toEqual(['d', 'b'])
  })

  it('folds a repeat of the same alert_id into one row: count, first and last seen, latest value', () => {
    const book = new AlertBook()
    book.upsert(alertEvent('a', 1, { value: 0.2 }).data)
    book.upsert(alertEvent('a', 30, { value: 0.25 }).data)
    // An older copy of an id already seen later is a replay (history after a reconnect), not a repeat.
    expect(book.upsert(alertEvent('a', 20, { value: 0.22 }).data).result).toBe('replay')
    const [row] = book.list()
    expect(row?.count).toBe(2)
    expect(row?.alert.value).toBe(0.25)
    expect((row?.lastSeen ?? 0) - (row?.firstSeen ?? 0)).toBe(29_000)
  })

  it('folds a different alert_id with the same category, symbol and severity within the window', () => {
    const book = new AlertBook()
    const same = { symbol: '600519.SH', category: 'exposure', severity: 'warning' } as const
    book.upsert(alertEvent('a', 0, same).data)
    book.upsert(alertEvent('b', 60, same).data)
    // Another severity, or another symbol: another row.
    book.upsert(alertEvent('c', 61, { ...same, severity: 'critical' }).data)
    book.upsert(alertEvent('d', 62, { ...same, symbol: '000001.SZ' }).data)
    expect(keys(book.list())).toEqual(['d', 'c', 'a'])
    expect(book.get('a')?.count).toBe(2)
    // Past the window after the last sighting: a new row.
    book.upsert(alertEvent('e', 60 + DEDUP_WINDOW_MS / 1000 + 1, same).data)
    expect(book.get('e')?.count).toBe(1)
    // A later copy of "b" still finds the row it was folded into.
    expect(book.rowOf('b')).toBe('a')
  })

  it('without a symbol, only the same message counts as similar', () => {
    const book = new AlertBook()
    const system = { symbol: undefined, category: 'system', severity: 'warning' } as const
    book.upsert(alertEvent('a', 0, { ...system, message: 'feed lag' }).data)
    book.upsert(alertEvent('b', 1, { ...system, message: 'disk full' }).data)
    book.upsert(alertEvent('c', 2, { ...system, message: 'feed lag' }).data)
    expect(book.list().map((r) => [r.key, r.count])).toEqual([
      ['b', 1],
      ['a', 2],
    ])
  })
})

function view(
  id: string,
  seconds: number,
  overrides: Partial<RiskAlert> = {},
  acknowledged = false,
): AlertView {
  const alert = alertEvent(id, seconds, overrides).data
  const at = Date.parse(alert.timestamp)
  return {
    key: id,
    alert,
    count: 1,
    firstSeen: at,
    lastSeen: at,
    resent: 0,
    acknowledged,
    reopenedFrom: null,
  }
}

describe('storms', () => {
  const storm = (n: number, from: number, stepS = 0.5): AlertView[] =>
    Array.from({ length: n }, (_, i) =>
      view(`v${from}-${i}`, from + i * stepS, { category: 'volatility', severity: 'warning' }),
    ).reverse()

  it('folds six or more rows of one category close together into one group, and not five', () => {
    expect(findStorms(storm(5, 0))).toEqual([])
    const [group] = findStorms(storm(23, 0, 0.2))
    expect(group?.rows).toHaveLength(23)
    expect(stormTitle(group!, 'Volatility')).toBe('23 volatility alerts in 4 s')
  })

  it('splits runs separated by a quiet gap', () => {
    const views = [...storm(6, 100), ...storm(6, 0)]
    expect(findStorms(views).map((g) => g.rows.length)).toEqual([6, 6])
  })

  it('keeps a lone critical of another category on top of a storm, whenever it came', () => {
    const critical = view('crit', 1, { category: 'drawdown', severity: 'critical' })
    const views = [...storm(200, 2, 0.01), critical]
    const entries = buildEntries(views, new Set())
    expect(entries).toHaveLength(2)
    expect(entries[0]).toMatchObject({ kind: 'row', id: 'crit' })
    expect(entries[1]).toMatchObject({ kind: 'group' })
  })

  it('lists a group’s rows under it only when expanded', () => {
    const views = storm(8, 0)
    const closed = buildEntries(views, new Set())
    expect(closed).toHaveLength(1)
    const id = closed[0]!.id
    const open = buildEntries(views, new Set([id]))
    expect(open).toHaveLength(9)
    expect(open.slice(1).every((e) => e.kind === 'row' && e.nested)).toBe(true)
  })

  it('gives an unchanged storm the same group object, and a changed one a new group', () => {
    const quiet = storm(8, 100)
    const growing = storm(6, 0)
    const before = findStorms([...quiet, ...growing])
    // A frame later: the same views (rows unchanged), and one more row in the younger storm.
    const grown = [...storm(1, 3.5).map((v) => ({ ...v, key: 'v-new' })), ...growing]
    const after = findStorms([...quiet, ...grown])
    const withRows = (groups: typeof before, rows: number) =>
      groups.find((g) => g.rows.length === rows)
    expect(withRows(after, 8)).toBe(withRows(before, 8))
    expect(withRows(after, 7)).not.toBe(withRows(before, 6))
    expect(withRows(after, 7)?.rows[0]?.key).toBe('v-new')
    // A row acknowledged is a new view of it: its storm is rebuilt with the new count.
    const acked = quiet.map((v, i) => (i === 0 ? { ...v, acknowledged: true } : v))
    const afterAck = findStorms([...acked, ...grown])
    expect(withRows(afterAck, 8)).not.toBe(withRows(before, 8))
    expect(withRows(afterAck, 8)?.unacknowledged).toBe(7)
  })

  it('a storm keeps its id as it grows', () => {
    const first = findStorms(storm(6, 0))[0]?.id
    const later = findStorms([...storm(3, 3), ...storm(6, 0)])[0]?.id
    expect(later).toBe(first)
  })
})

describe('counts by severity', () => {
  it('counts rows, not events; unacknowledged apart; snoozed left out', () => {
    const rows: AlertRow[] = [
      { ...view('a', 1, { severity: 'critical' }), count: 9 },
      view('b', 2, { severity: 'critical' }),
      view('c', 3, { severity: 'info' }),
    ]
    const workflow = new Map<string, AlertWorkflow>([
      ['b', { id: 'b', ackedAt: 1, snoozedUntil: null, snoozedCount: null }],
      ['c', { id: 'c', ackedAt: null, snoozedUntil: Date.now() + 60_000, snoozedCount: 1 }],
    ])
    expect(countBySeverity(rows, workflow, Date.now())).toEqual([
      { severity: 'critical', total: 2, unacknowledged: 1 },
      { severity: 'warning', total: 0, unacknowledged: 0 },
      { severity: 'info', total: 0, unacknowledged: 0 },
    ])
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

describe('escalation of an acknowledged row', () => {
  const next = (overrides: Partial<RiskAlert>) => alertEvent('n', 1, overrides).data

  it('is a higher severity, or a value further past its limit by a tenth of the limit', () => {
    const acked = { severity: 'warning', value: 0.11 } as const
    expect(isEscalation(acked, next({ severity: 'critical', value: 0.11 }))).toBe(true)
    expect(isEscalation(acked, next({ severity: 'info', value: 0.5 }))).toBe(false)
    expect(isEscalation(acked, next({ value: 0.11, threshold: 0.1 }))).toBe(false)
    expect(isEscalation(acked, next({ value: 0.115, threshold: 0.1 }))).toBe(false)
    expect(isEscalation(acked, next({ value: 0.12, threshold: 0.1 }))).toBe(true)
    expect(isEscalation(acked, next({ value: 0.18, threshold: 0.1 }))).toBe(true)
    expect(isEscalation(acked, next({ value: 0.05, threshold: 0.1 }))).toBe(false)
  })

  it('reads "past" on the side of the limit the row was on (a floor), and without a limit by the value', () => {
    // Liquidity 0.4 under a floor of 0.5: 0.3 is worse, 0.6 is not.
    const floor = { severity: 'warning', value: 0.4 } as const
    expect(isEscalation(floor, next({ value: 0.3, threshold: 0.5 }))).toBe(true)
    expect(isEscalation(floor, next({ value: 0.6, threshold: 0.5 }))).toBe(false)
    const bare = { severity: 'warning', value: 200 } as const
    expect(isEscalation(bare, next({ value: 215, threshold: undefined }))).toBe(false)
    expect(isEscalation(bare, next({ value: 240, threshold: undefined }))).toBe(true)
    expect(isEscalation({ severity: 'warning', value: null }, next({ value: 9 }))).toBe(false)
  })
})
