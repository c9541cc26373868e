// Alert list logic: a de-duplicated, newest-first, bounded book of alerts, and the selectors the list view uses.
import type { AlertCategory, RiskAlert, Severity } from '../protocol/contract'
import type { AlertWorkflow } from './alertsPersistence'
import { parseTimestamp } from './timestamps'
import { clip } from '../realtime/clip'

/** The list keeps the newest this many alerts. */
export const ALERTS_CAP = 500

interface Entry {
  alert: RiskAlert
  /** Epoch ms of the first copy's timestamp: the sort key, fixed so a re-sent alert does not move. */
  at: number
}

/** What happened to an alert handed to the book. */
export type UpsertResult = 'new' | 'updated' | 'dropped'

/** Alerts by alert_id, ordered newest first by timestamp, bounded to `cap`. Mutated per event, not reactive. */
export class AlertBook {
  private readonly byId = new Map<string, Entry>()
  private order: Entry[] = []

  constructor(readonly cap = ALERTS_CAP) {}

  get size(): number {
    return this.order.length
  }

  get(id: string): RiskAlert | undefined {
    return this.byId.get(id)?.alert
  }

  upsert(alert: RiskAlert): UpsertResult {
    const existing = this.byId.get(alert.alert_id)
    if (existing) {
      existing.alert = alert
      return 'updated'
    }
    const entry: Entry = { alert, at: parseTimestamp(alert.timestamp) ?? Date.now() }
    // Descending by time; a new alert goes before others with the same time.
    let lo = 0
    let hi = this.order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.order[mid] as Entry).at > entry.at) lo = mid + 1
      else hi = mid
    }
    this.order.splice(lo, 0, entry)
    this.byId.set(alert.alert_id, entry)
    if (this.order.length > this.cap) {
      const oldest = this.order.pop() as Entry
      this.byId.delete(oldest.alert.alert_id)
      if (oldest === entry) return 'dropped'
    }
    return 'new'
  }

  /** Alerts newest first; a fresh array. */
  list(): RiskAlert[] {
    return this.order.map((entry) => entry.alert)
  }

  clear(): void {
    this.byId.clear()
    this.order = []
  }
}

/** One row of the alert list. */
export interface AlertView {
  alert: RiskAlert
  acknowledged: boolean
}

export interface AlertFilters {
  /** Empty means every severity. */
  severities: ReadonlySet<Severity>
  /** Empty means every category. */
  categories: ReadonlySet<AlertCategory>
}

export interface VisibilityContext extends AlertFilters {
  workflow: ReadonlyMap<string, AlertWorkflow>
  now: number
  /** While new alerts are held back: the ids the list shows; null when not holding. */
  frozenIds: ReadonlySet<string> | null
}

export function isSnoozed(workflow: AlertWorkflow | undefined, now: number): boolean {
  return workflow?.snoozedUntil != null && workflow.snoozedUntil > now
}

export function isAcknowledged(workflow: AlertWorkflow | undefined): boolean {
  return workflow?.ackedAt != null
}

export function passesFilters(alert: RiskAlert, filters: AlertFilters): boolean {
  return (
    (filters.severities.size === 0 || filters.severities.has(alert.severity)) &&
    (filters.categories.size === 0 || filters.categories.has(alert.category))
  )
}

function shownIfReleased(alert: RiskAlert, ctx: VisibilityContext): boolean {
  return passesFilters(alert, ctx) && !isSnoozed(ctx.workflow.get(alert.alert_id), ctx.now)
}

/** The rows the list shows: filtered, snoozed ones hidden, held-back arrivals left out. */
export function selectVisible(alerts: readonly RiskAlert[], ctx: VisibilityContext): AlertView[] {
  const out: AlertView[] = []
  for (const alert of alerts) {
    if (ctx.frozenIds && !ctx.frozenIds.has(alert.alert_id)) continue
    if (!shownIfReleased(alert, ctx)) continue
    out.push({ alert, acknowledged: isAcknowledged(ctx.workflow.get(alert.alert_id)) })
  }
  return out
}

/** How many held-back arrivals the list would show once released ("N new"). */
export function countPending(alerts: readonly RiskAlert[], ctx: VisibilityContext): number {
  if (!ctx.frozenIds) return 0
  let count = 0
  for (const alert of alerts) {
    if (!ctx.frozenIds.has(alert.alert_id) && shownIfReleased(alert, ctx)) count += 1
  }
  return count
}

/** Critical alerts neither acknowledged nor snoozed, whatever the filters or the hold. */
export function countUnreadCritical(
  alerts: readonly RiskAlert[],
  workflow: ReadonlyMap<string, AlertWorkflow>,
  now: number,
): number {
  let count = 0
  for (const alert of alerts) {
    if (alert.severity !== 'critical') continue
    const state = workflow.get(alert.alert_id)
    if (!isAcknowledged(state) && !isSnoozed(state, now)) count += 1
  }
  return count
}

/** Longest alert text read out by the live region. */
const ANNOUNCED_CHARS = 200

/** Plain text for the aria-live region about critical alerts that just arrived (newest first); null for none. */
export function criticalAnnouncement(arrived: readonly RiskAlert[]): string | null {
  const first = arrived[0]
  if (!first) return null
  const more = arrived.length - 1
  const message = clip(first.message, ANNOUNCED_CHARS)
  return more > 0 ? `Critical alert: ${message} (and ${more} more)` : `Critical alert: ${message}`
}
