// Parsing of the wire's time fields into epoch milliseconds, never throwing.

const ISO_FRACTION = /(\.\d{3})\d+/
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/

/** ISO 8601 timestamp → epoch ms; null when unparseable. Sub-millisecond digits are cut, as not every engine accepts them. */
export function parseTimestamp(iso: string): number | null {
  const ms = Date.parse(iso.replace(ISO_FRACTION, '$1'))
  return Number.isFinite(ms) ? ms : null
}

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
