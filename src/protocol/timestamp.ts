// The wire's `timestamp` fields (ISO 8601) as epoch milliseconds, never throwing.

const ISO_FRACTION = /(\.\d{3})\d+/

/**
 * ISO 8601 timestamp → epoch ms; null when unparseable. Sub-millisecond digits are cut, as not
 * every engine accepts them. Called once per event: the rewrite only runs when there are such
 * digits (Python's `isoformat()` sends microseconds, JavaScript's `toISOString()` does not).
 */
export function parseTimestamp(iso: string): number | null {
  const ms = Date.parse(hasSubMillisecondDigits(iso) ? iso.replace(ISO_FRACTION, '$1') : iso)
  return Number.isFinite(ms) ? ms : null
}

/** True exactly where ISO_FRACTION matches: a '.' followed by at least four digits. */
function hasSubMillisecondDigits(text: string): boolean {
  for (let dot = text.indexOf('.'); dot !== -1; dot = text.indexOf('.', dot + 1)) {
    let digits = 0
    while (digits < 4 && isDigit(text.charCodeAt(dot + 1 + digits))) digits += 1
    if (digits === 4) return true
  }
  return false
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
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
