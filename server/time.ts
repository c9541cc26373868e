// Time texts in the formats Python backends send (microseconds, explicit +00:00).

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0')
}

/** `2026-01-04 10:42:51.123456+00:00`, like Python's `str(datetime.now(timezone.utc))`. */
export function pythonUtc(date = new Date(), separator = ' '): string {
  const micros = date.getUTCMilliseconds() * 1000 + Math.floor((performance.now() % 1) * 1000)
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `${separator}${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `.${pad(micros, 6)}+00:00`
  )
}

/** `2026-01-04T10:42:51.123456+00:00`, like Python's `datetime.isoformat()`. */
export function isoUtc(date = new Date()): string {
  return pythonUtc(date, 'T')
}
