// Storms: many rows of one category close together, folded into one expandable line, and the
// list as drawn (unacknowledged criticals pinned first, so a storm never buries a lone critical).
import type { AlertCategory, Severity } from '../protocol/contract'
import { emptyBySeverity, type AlertView } from './alertsModel'

/** More than a handful: this many rows of one category, each within STORM_GAP_MS of the previous, are a storm. */
export const STORM_MIN = 6
export const STORM_GAP_MS = 5_000

/** A storm: many rows of one category close together, shown as one expandable line. */
export interface StormGroup {
  id: string
  category: AlertCategory
  rows: AlertView[]
  /** Time from the first to the last row's first sighting, ms. */
  spanMs: number
  firstSeen: number
  lastSeen: number
  bySeverity: Record<Severity, number>
  unacknowledged: number
}

export type ListEntry =
  | { kind: 'row'; id: string; view: AlertView; nested: boolean }
  | { kind: 'group'; id: string; group: StormGroup; expanded: boolean }

/** Storms among `views` (newest first): runs of at least STORM_MIN rows of a category, each close to the previous. */
export function findStorms(views: readonly AlertView[]): StormGroup[] {
  const byCategory = new Map<AlertCategory, AlertView[]>()
  for (const view of views) {
    const list = byCategory.get(view.alert.category)
    if (list) list.push(view)
    else byCategory.set(view.alert.category, [view])
  }
  const storms: StormGroup[] = []
  for (const [category, list] of byCategory) {
    if (list.length < STORM_MIN) continue
    // `list` is newest first; walk oldest first so a storm's id (its first row) does not change as it grows.
    let run: AlertView[] = []
    const flush = () => {
      if (run.length >= STORM_MIN) storms.push(stormOf(category, run))
      run = []
    }
    for (let i = list.length - 1; i >= 0; i -= 1) {
      const view = list[i] as AlertView
      const last = run[run.length - 1]
      if (last && view.firstSeen - last.firstSeen > STORM_GAP_MS) flush()
      run.push(view)
    }
    flush()
  }
  return storms
}

/**
 * The last group built for a storm, by its oldest row: a storm whose rows are the same views as
 * before (views are reused while a row is unchanged) gets the same object, so its list line is not
 * re-rendered for every frame of alerts elsewhere.
 */
const lastGroups = new WeakMap<AlertView, StormGroup>()

function stormOf(category: AlertCategory, oldestFirst: AlertView[]): StormGroup {
  const first = oldestFirst[0] as AlertView
  const known = lastGroups.get(first)
  const count = oldestFirst.length
  if (
    known &&
    known.rows.length === count &&
    known.rows.every((row, i) => row === oldestFirst[count - 1 - i])
  )
    return known
  const group = buildGroup(category, oldestFirst)
  lastGroups.set(first, group)
  return group
}

function buildGroup(category: AlertCategory, oldestFirst: AlertView[]): StormGroup {
  const rows = oldestFirst.slice().reverse()
  const first = oldestFirst[0] as AlertView
  const last = rows[0] as AlertView
  const bySeverity = emptyBySeverity()
  let unacknowledged = 0
  let lastSeen = 0
  for (const row of rows) {
    bySeverity[row.alert.severity] += 1
    if (!row.acknowledged) unacknowledged += 1
    lastSeen = Math.max(lastSeen, row.lastSeen)
  }
  return {
    id: `storm:${category}:${first.key}`,
    category,
    rows,
    spanMs: last.firstSeen - first.firstSeen,
    firstSeen: first.firstSeen,
    lastSeen,
    bySeverity,
    unacknowledged,
  }
}

function pinned(entry: { critical: boolean }): number {
  return entry.critical ? 0 : 1
}

/**
 * The list as drawn: unacknowledged criticals first (a storm of one category never buries a lone
 * critical of another), then newest first by first sighting; storms as one line each, their rows
 * under them when expanded.
 */
export function buildEntries(
  views: readonly AlertView[],
  expanded: ReadonlySet<string>,
): ListEntry[] {
  const storms = findStorms(views)
  const inStorm = new Set<string>()
  for (const storm of storms) for (const row of storm.rows) inStorm.add(row.key)
  type Top = { at: number; critical: boolean; entries: ListEntry[] }
  const tops: Top[] = []
  for (const view of views) {
    if (inStorm.has(view.key)) continue
    tops.push({
      at: view.firstSeen,
      critical: view.alert.severity === 'critical' && !view.acknowledged,
      entries: [{ kind: 'row', id: view.key, view, nested: false }],
    })
  }
  for (const group of storms) {
    const open = expanded.has(group.id)
    const entries: ListEntry[] = [{ kind: 'group', id: group.id, group, expanded: open }]
    if (open) {
      for (const view of group.rows) entries.push({ kind: 'row', id: view.key, view, nested: true })
    }
    const critical = group.rows.some((r) => r.alert.severity === 'critical' && !r.acknowledged)
    tops.push({ at: group.firstSeen, critical, entries })
  }
  tops.sort((a, b) => pinned(a) - pinned(b) || b.at - a.at)
  return tops.flatMap((top) => top.entries)
}

/** "23 volatility alerts in 5 s". */
export function stormTitle(group: StormGroup, categoryLabel: string): string {
  const seconds = Math.max(1, Math.round(group.spanMs / 1000))
  const span = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`
  return `${group.rows.length} ${categoryLabel.toLowerCase()} alerts in ${span}`
}
