// Number, time and duration formatting for the panels: one place, so every panel reads the same.

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 })
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

export function formatMoney(value: number): string {
  return money.format(value)
}

export function formatCompact(value: number): string {
  return compact.format(value)
}

export function formatInteger(value: number): string {
  return integer.format(value)
}

/** A number with an explicit sign ("+12.40", "−3.10"), so direction is not carried by colour alone. */
export function formatSigned(value: number, digits = 2): string {
  const text = Math.abs(value).toFixed(digits)
  if (value > 0) return `+${text}`
  if (value < 0) return `−${text}`
  return text
}

/** A fraction (0.0068) as a percentage ("0.68 %"); `signed` adds "+"/"−". */
export function formatPct(fraction: number, digits = 2, signed = false): string {
  const pct = fraction * 100
  return `${signed ? formatSigned(pct, digits) : pct.toFixed(digits)} %`
}

export type Direction = 'up' | 'down' | 'flat'

export function direction(value: number): Direction {
  return value > 0 ? 'up' : value < 0 ? 'down' : 'flat'
}

export const ARROW: Record<Direction, string> = { up: '▲', down: '▼', flat: '■' }

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** Local wall-clock time "hh:mm:ss". */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** A duration in seconds as "45 s", "3 min 20 s", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`
}

/** Whole seconds from `now` until `at`, never negative. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/** Whole seconds from `at` until `now`, never negative. */
export function secondsSince(at: number, now: number): number {
  return Math.max(0, Math.floor((now - at) / 1000))
}
