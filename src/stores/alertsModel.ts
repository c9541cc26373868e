// Alert list rules: acknowledgement, snooze and escalation, and the selectors the list uses (rows: alertBook.ts; storms: alertStorms.ts).
import type { AlertCategory, RiskAlert, Severity } from '../protocol/contract'
import { SEVERITIES } from '../protocol/contract'
import type { AckBaseline, AlertWorkflow } from './alertsPersistence'
import { clip } from './clip'
import type { AlertRow } from './alertBook'

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

/** The export of the list: rows that pass the filters (held-back rows too), with counts and ack state. */
export function alertsTable(
  rows: readonly AlertRow[],
  workflow: ReadonlyMap<string, AlertWorkflow>,
  filters: AlertFilters,
  now: number,
): { header: string[]; rows: (string | number | null | undefined)[][] } {
  const iso = (at: number) => new Date(at).toISOString()
  return {
    header: [
      'row_id',
      'severity',
      'category',
      'symbol',
      'message',
      'count',
      'first_seen',
      'last_seen',
      'latest_value',
      'threshold',
      'ack_state',
      'acked_at',
      'snoozed_until',
    ],
    rows: rows
      .filter((row) => passesFilters(row.alert, filters))
      .map((row) => {
        const state = workflow.get(row.key)
        const snoozedUntil = isSnoozed(state, now) ? state?.snoozedUntil : null
        return [
          row.key,
          row.alert.severity,
          row.alert.category,
          row.alert.symbol,
          row.alert.message,
          row.count,
          iso(row.firstSeen),
          iso(row.lastSeen),
          row.alert.value,
          row.alert.threshold,
          state?.ackedAt != null ? 'acknowledged' : 'unacknowledged',
          state?.ackedAt != null ? iso(state.ackedAt) : '',
          snoozedUntil != null ? iso(snoozedUntil) : '',
        ]
      }),
  }
}
