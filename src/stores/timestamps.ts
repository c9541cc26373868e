// Parsing of the wire's date fields into epoch milliseconds, never throwing, and data ages.
import { isDigit } from '@/protocol/timestamp'

/**
 * 'YYYY-MM-DD' → epoch ms at 00:00 UTC; null for anything else, including impossible dates and
 * years before 100 (which `Date.UTC` would read as 19xx). Read digit by digit: it runs once per
 * backtest event.
 */
export function parseDateUtc(date: string): number | null {
  if (date.length !== 10 || date.charCodeAt(4) !== DASH || date.charCodeAt(7) !== DASH) return null
  const y = digitsAt(date, 0, 4)
  const m = digitsAt(date, 5, 2)
  const d = digitsAt(date, 8, 2)
  if (y < 100 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null
  return Date.UTC(y, m - 1, d)
}

const DASH = 45

/** The number written by `count` digits from `at`, or -1 if any of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i += 1) {
    const code = text.charCodeAt(i)
    if (!isDigit(code)) return -1
    value = value * 10 + (code - 48)
  }
  return value
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** How old a panel's newest data is, on the server's clock when its offset is known. */
export interface Freshness {
  /** Payload time of the newest data (epoch ms). */
  at: number
  /** Age in ms, never negative. */
  ageMs: number
  /** False when the client's clock could not be checked against the server's: the age may be off. */
  corrected: boolean
  /** Older than the panel's threshold: the data is late even if the connection is live. */
  delayed: boolean
}

/**
 * `offsetMs` is server clock minus client clock (null when unknown). A client clock running 30 s
 * fast would otherwise call every fresh event "30 s ago".
 */
export function freshness(
  at: number,
  now: number,
  offsetMs: number | null,
  delayedAfterMs: number | null,
): Freshness {
  const serverNow = now + (offsetMs ?? 0)
  const ageMs = Math.max(0, serverNow - at)
  return {
    at,
    ageMs,
    corrected: offsetMs !== null,
    delayed: delayedAfterMs !== null && ageMs > delayedAfterMs,
  }
}
