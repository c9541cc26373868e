// Parsing of the wire's date fields into epoch milliseconds, never throwing, and data ages.
import { parseTimestamp } from '@/protocol/timestamp'

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/

/** 'YYYY-MM-DD' → epoch ms at 00:00 UTC; null for anything else, including impossible dates. */
export function parseDateUtc(date: string): number | null {
  const match = DATE_ONLY.exec(date)
  if (!match) return null
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const ms = Date.UTC(y, m - 1, d)
  const check = new Date(ms)
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    return null
  }
  return ms
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

/**
 * Server minus client clock from one status request: `serverTime` read at the midpoint of the
 * request. Null when the answer took too long to tell (the midpoint is then too uncertain).
 */
export function clockOffset(
  serverTime: string,
  sentAt: number,
  receivedAt: number,
  maxRoundTripMs = 5000,
): number | null {
  const server = parseTimestamp(serverTime)
  if (server === null || receivedAt - sentAt > maxRoundTripMs || receivedAt < sentAt) return null
  return server - (sentAt + receivedAt) / 2
}
