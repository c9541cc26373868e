// Repeats folded into rows with a count: the alert list's rows, bounded, keyed by their first alert_id.
import type { RiskAlert } from '../protocol/contract'
import { parseTimestamp } from '@/protocol/timestamp'

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

/** A row as the book mutates it, with the alert ids folded into it. */
interface RowState extends AlertRow {
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
