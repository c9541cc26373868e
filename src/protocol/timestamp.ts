// The wire's `timestamp` fields (ISO 8601) as epoch milliseconds, never throwing.

const ISO_FRACTION = /(\.\d{3})\d+/

/** ISO 8601 timestamp → epoch ms; null when unparseable. Sub-millisecond digits are cut, as not every engine accepts them. */
export function parseTimestamp(iso: string): number | null {
  const ms = Date.parse(iso.replace(ISO_FRACTION, '$1'))
  return Number.isFinite(ms) ? ms : null
}
