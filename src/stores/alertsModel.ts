// Alert list logic: repeats folded into rows with a count, and the selectors the list uses (storms: alertStorms.ts).
import type { AlertCategory, RiskAlert, Severity } from '../protocol/contract'
import { SEVERITIES } from '../protocol/contract'
import type { AckBaseline, AlertWorkflow } from './alertsPersistence'
import { parseTimestamp } from '@/protocol/timestamp'
import { clip } from './clip'

/** The list keeps the newest this many rows (not raw events). */
export const ALERTS_CAP = 500
/** A different alert_id with the same category, symbol and severity within this time is a repeat. */
export const DEDUP_WINDOW_MS = 5 * 60_000
/** Alert ids remembered per row, so a re-sent old id still finds its row. */
const IDS_PER_ROW = 100
/** One row of the list: every repeat of one alert. Immutable once published. */
export interface AlertRow {
  /** Stable id of the row: the alert_id of its first copy; workflow (ack, snooze) is keyed by it. */
  key: string
  /** The latest copy (message, value, severity). */
  alert: RiskAlert
  /** Events folded into the row (repeats included, replays not). */
  count: number
  /** Epoch ms of the first and the latest copy (payload time). */
  firstSeen: number
  lastSeen: number
  /**
   * Copies the backend sent again unchanged (an alert_id with a time not newer than seen): not
   * counted as repeats, but shown, so a backend that re-sends does not look like one gone quiet.
   */
  resent: number
}

interface RowState {
  key: string
  alert: RiskAlert
  count: number
  firstSeen: number
  lastSeen: number
  resent: number
  ids: string[]
}

/** What happened to an alert handed to the book. */
export type UpsertResult = 'new' | 'repeat' | 'replay' | 'dropped'

/**
 * Similar alerts: same category, severity and symbol. Without a symbol, the message stands in for it,
 * so two unrelated system alerts are not folded together only because they share a category.
 */
export function contentKey(alert: RiskAlert): string {
  const what = alert.symbol ?? `msg:${alert.message}`
  return `${alert.category}|${alert.severity}|${what}`
}

/** Rows by key, ordered newest first by first sighting, bounded to `cap`. Mutated per event, not reactive. */
export class AlertBook {
  private readonly rows = new Map<string, RowState>()
  private readonly byAlertId = new Map<string, { key: string; at: number }>()
  private readonly byContent = new Map<string, string>()
  private order: RowState[] = []
  private readonly snapshots = new Map<string, AlertRow>()
  private readonly changed = new Set<string>()

  constructor(readonly cap = ALERTS_CAP) {}

  get size(): number {
    return this.order.length
  }

  get(key: string): AlertRow | undefined {
    const row = this.rows.get(key)
    return row ? this.publish(row) : undefined
  }

  /** The key of the row an alert_id was folded into. */
  rowOf(alertId: string): string | undefined {
    return this.byAlertId.get(alertId)?.key
  }

  upsert(alert: RiskAlert, receivedAt = Date.now()): { result: UpsertResult; key: string | null } {
    const at = parseTimestamp(alert.timestamp) ?? receivedAt
    const seen = this.byAlertId.get(alert.alert_id)
    if (seen) {
      const row = this.rows.get(seen.key)
      if (row) {
        // The same copy again (re-sent, or replayed after a reconnect): nothing new happened.
        if (at <= seen.at) {
          row.resent += 1
          this.changed.add(row.key)
          return { result: 'replay', key: row.key }
        }
        seen.at = at
        this.fold(row, alert, at)
        return { result: 'repeat', key: row.key }
      }
    }
    const content = contentKey(alert)
    const similarKey = this.byContent.get(content)
    const similar = similarKey === undefined ? undefined : this.rows.get(similarKey)
    if (similar && Math.abs(at - similar.lastSeen) <= DEDUP_WINDOW_MS) {
      this.remember(similar, alert.alert_id, at)
      this.fold(similar, alert, at)
      return { result: 'repeat', key: similar.key }
    }
    const row: RowState = {
      key: alert.alert_id,
      alert,
      count: 1,
      firstSeen: at,
      lastSeen: at,
      resent: 0,
      ids: [],
    }
    // Descending by first sighting; a new row goes before others with the same time.
    let lo = 0
    let hi = this.order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.order[mid] as RowState).firstSeen > at) lo = mid + 1
      else hi = mid
    }
    this.order.splice(lo, 0, row)
    this.rows.set(row.key, row)
    this.remember(row, alert.alert_id, at)
    this.byContent.set(content, row.key)
    this.changed.add(row.key)
    if (this.order.length > this.cap) {
      const oldest = this.order.pop() as RowState
      this.forget(oldest)
      if (oldest === row) return { result: 'dropped', key: null }
    }
    return { result: 'new', key: row.key }
  }

  private fold(row: RowState, alert: RiskAlert, at: number): void {
    row.count += 1
    if (at >= row.lastSeen) {
      row.lastSeen = at
      row.alert = alert
      this.byContent.set(contentKey(alert), row.key)
    }
    if (at < row.firstSeen) row.firstSeen = at
    this.changed.add(row.key)
  }

  private remember(row: RowState, alertId: string, at: number): void {
    if (!this.byAlertId.has(alertId)) {
      row.ids.push(alertId)
      if (row.ids.length > IDS_PER_ROW) this.byAlertId.delete(row.ids.shift() as string)
    }
    this.byAlertId.set(alertId, { key: row.key, at })
  }

  private forget(row: RowState): void {
    this.rows.delete(row.key)
    this.snapshots.delete(row.key)
    this.changed.delete(row.key)
    for (const id of row.ids) this.byAlertId.delete(id)
    const content = contentKey(row.alert)
    if (this.byContent.get(content) === row.key) this.byContent.delete(content)
  }

  private publish(row: RowState): AlertRow {
    let snap = this.snapshots.get(row.key)
    if (!snap || this.changed.has(row.key)) {
      snap = {
        key: row.key,
        alert: row.alert,
        count: row.count,
        firstSeen: row.firstSeen,
        lastSeen: row.lastSeen,
        resent: row.resent,
      }
      this.snapshots.set(row.key, snap)
      this.changed.delete(row.key)
    }
    return snap
  }

  /** Rows newest first; unchanged rows keep their previous object. */
  list(): AlertRow[] {
    return this.order.map((row) => this.publish(row))
  }

  clear(): void {
    this.rows.clear()
    this.byAlertId.clear()
    this.byContent.clear()
    this.snapshots.clear()
    this.changed.clear()
    this.order = []
  }
}

/** One row as the list shows it. */
export interface AlertView extends AlertRow {
  acknowledged: boolean
  /** What the row was like when acknowledged, while a worse repeat keeps it re-opened; else null. */
  reopenedFrom: AckBaseline | null
}

/**
 * A repeat is worse than the acknowledged row by at least this share of the limit (of the
 * acknowledged value when the alert has no limit, or a limit of 0): 10 % of a 10 % drawdown limit
 * is one percentage point.
 */
export const ESCALATION_SHARE = 0.1

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

/** Growth by at least `margin`, allowing for binary fractions (0.12 − 0.1 is 0.01999…). */
function grewBy(growth: number, margin: number): boolean {
  return growth > 1e-12 && growth >= margin * (1 - 1e-9)
}

/**
 * Whether `next` is worse than the row was when acknowledged: a higher severity, or (same
 * severity) a value further past its limit by ESCALATION_SHARE of the limit. "Past" is the side
 * of the limit the acknowledged value was on, so a floor (liquidity below a minimum) works too.
 */
export function isEscalation(acked: AckBaseline, next: RiskAlert): boolean {
  const rise = SEVERITY_RANK[next.severity] - SEVERITY_RANK[acked.severity]
  if (rise !== 0) return rise > 0
  if (acked.value === null || next.value === undefined) return false
  const limit = next.threshold
  if (limit === undefined) {
    return grewBy(
      Math.abs(next.value) - Math.abs(acked.value),
      ESCALATION_SHARE * Math.abs(acked.value),
    )
  }
  const side = acked.value >= limit ? 1 : -1
  const growth = (next.value - limit) * side - (acked.value - limit) * side
  return grewBy(growth, ESCALATION_SHARE * Math.abs(limit !== 0 ? limit : acked.value))
}

/** What a repeat of a row does to it: re-opens it (worse than acknowledged), speaks after a snooze, or only counts. */
export type RepeatEffect = 'reopen' | 'after-snooze' | null

export function repeatEffect(
  state: AlertWorkflow | undefined,
  alert: RiskAlert,
  now: number,
): RepeatEffect {
  if (!state || isSnoozed(state, now)) return null
  if (
    isAcknowledged(state) &&
    state.ackedSeverity != null &&
    isEscalation({ severity: state.ackedSeverity, value: state.ackedValue ?? null }, alert)
  ) {
    return 'reopen'
  }
  return state.snoozeEndedAt != null ? 'after-snooze' : null
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
  /** While new rows are held back: the row keys the list shows; null when not holding. */
  frozenIds: ReadonlySet<string> | null
}

export function isSnoozed(workflow: AlertWorkflow | undefined, now: number): boolean {
  return workflow?.snoozedUntil != null && workflow.snoozedUntil > now
}

export function isAcknowledged(workflow: AlertWorkflow | undefined): boolean {
  return workflow?.ackedAt != null
}

/** A snooze that has run out on a row that fired again meanwhile: the row comes back unread. */
export function firedDuringSnooze(
  row: AlertRow,
  workflow: AlertWorkflow | undefined,
  now: number,
): boolean {
  return (
    workflow?.snoozedUntil != null &&
    workflow.snoozedUntil <= now &&
    workflow.snoozedCount != null &&
    row.count > workflow.snoozedCount
  )
}

export function passesFilters(alert: RiskAlert, filters: AlertFilters): boolean {
  return (
    (filters.severities.size === 0 || filters.severities.has(alert.severity)) &&
    (filters.categories.size === 0 || filters.categories.has(alert.category))
  )
}

function shownIfReleased(row: AlertRow, ctx: VisibilityContext): boolean {
  return passesFilters(row.alert, ctx) && !isSnoozed(ctx.workflow.get(row.key), ctx.now)
}

/**
 * Views of unchanged rows are reused (rows are immutable snapshots), so a list row whose alert and
 * ack state did not change gets the same object and Vue skips re-rendering it.
 */
const views = new WeakMap<AlertRow, AlertView>()

function reopenedFrom(state: AlertWorkflow | undefined): AckBaseline | null {
  if (state?.reopenedAt == null || state.ackedSeverity == null || isAcknowledged(state)) return null
  return { severity: state.ackedSeverity, value: state.ackedValue ?? null }
}

function sameBaseline(a: AckBaseline | null, b: AckBaseline | null): boolean {
  return a === b || (a !== null && b !== null && a.severity === b.severity && a.value === b.value)
}

function viewOf(row: AlertRow, ctx: VisibilityContext): AlertView {
  const state = ctx.workflow.get(row.key)
  const acknowledged = isAcknowledged(state) && !firedDuringSnooze(row, state, ctx.now)
  const from = reopenedFrom(state)
  const known = views.get(row)
  if (known?.acknowledged === acknowledged && sameBaseline(known.reopenedFrom, from)) return known
  const view = { ...row, acknowledged, reopenedFrom: from }
  views.set(row, view)
  return view
}

/** The rows the list shows: filtered, snoozed ones hidden, held-back arrivals left out; newest first. */
export function selectVisible(rows: readonly AlertRow[], ctx: VisibilityContext): AlertView[] {
  const out: AlertView[] = []
  for (const row of rows) {
    if (ctx.frozenIds && !ctx.frozenIds.has(row.key)) continue
    if (!shownIfReleased(row, ctx)) continue
    out.push(viewOf(row, ctx))
  }
  return out
}

/** How many held-back rows the list would show once released ("N new"). */
export function countPending(rows: readonly AlertRow[], ctx: VisibilityContext): number {
  if (!ctx.frozenIds) return 0
  let count = 0
  for (const row of rows) {
    if (!ctx.frozenIds.has(row.key) && shownIfReleased(row, ctx)) count += 1
  }
  return count
}

export function emptyBySeverity(): Record<Severity, number> {
  return { info: 0, warning: 0, critical: 0 }
}

export interface SeverityCount {
  severity: Severity
  total: number
  unacknowledged: number
}

/** Rows by severity (snoozed ones left out, filters ignored), most severe first. */
export function countBySeverity(
  rows: readonly AlertRow[],
  workflow: ReadonlyMap<string, AlertWorkflow>,
  now: number,
): SeverityCount[] {
  const total = emptyBySeverity()
  const unacked = emptyBySeverity()
  for (const row of rows) {
    const state = workflow.get(row.key)
    if (isSnoozed(state, now)) continue
    total[row.alert.severity] += 1
    if (!isAcknowledged(state) || firedDuringSnooze(row, state, now))
      unacked[row.alert.severity] += 1
  }
  return [...SEVERITIES]
    .reverse()
    .map((severity) => ({ severity, total: total[severity], unacknowledged: unacked[severity] }))
}

/** Critical rows neither acknowledged nor snoozed, whatever the filters or the hold. */
export function countUnreadCritical(
  rows: readonly AlertRow[],
  workflow: ReadonlyMap<string, AlertWorkflow>,
  now: number,
): number {
  let count = 0
  for (const row of rows) {
    if (row.alert.severity !== 'critical') continue
    const state = workflow.get(row.key)
    if (isSnoozed(state, now)) continue
    if (!isAcknowledged(state) || firedDuringSnooze(row, state, now)) count += 1
  }
  return count
}

/** Rows whose snooze ran out after they fired again: to be made unread (and announced if critical). */
export function expiredRealerts(
  rows: readonly AlertRow[],
  workflow: ReadonlyMap<string, AlertWorkflow>,
  now: number,
): AlertRow[] {
  return rows.filter((row) => firedDuringSnooze(row, workflow.get(row.key), now))
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
