// The wire's time fields: the digit-by-digit readers give exactly what the regular expressions they
// replaced gave, on real timestamps and on near misses.
import { describe, expect, it } from 'vitest'
import { parseTimestamp } from '@/protocol/timestamp'
import { parseDateUtc } from '@/stores/timestamps'

/** The earlier implementations, kept as the reference. */
function referenceTimestamp(iso: string): number | null {
  const ms = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'))
  return Number.isFinite(ms) ? ms : null
}
function referenceDate(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!match) return null
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const ms = Date.UTC(y, m - 1, d)
  const check = new Date(ms)
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
    return null
  return ms
}

/** Deterministic pseudo-random strings over the characters dates and timestamps are made of. */
function* nearMisses(count: number, alphabet: string, maxLength: number): Generator<string> {
  let seed = 12345
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
  for (let i = 0; i < count; i += 1) {
    const length = next() % (maxLength + 1)
    let text = ''
    for (let j = 0; j < length; j += 1) text += alphabet[next() % alphabet.length]
    yield text
  }
}

describe('parseTimestamp', () => {
  it('reads ISO 8601 with milliseconds, microseconds, offsets or none, as Date.parse does', () => {
    expect(parseTimestamp('2026-12-01T03:54:55.908Z')).toBe(Date.UTC(2026, 11, 1, 3, 54, 55, 908))
    expect(parseTimestamp('2026-12-01T03:54:55.908123+00:00')).toBe(
      Date.UTC(2026, 11, 1, 3, 54, 55, 908),
    )
    expect(parseTimestamp('2026-12-01T03:54:55.9081+01:00')).toBe(
      Date.UTC(2026, 11, 1, 2, 54, 55, 908),
    )
    expect(parseTimestamp('2026-12-01T03:54:55Z')).toBe(Date.UTC(2026, 11, 1, 3, 54, 55))
    expect(parseTimestamp('not a time')).toBeNull()
    expect(parseTimestamp('')).toBeNull()
  })

  it('agrees with the regular-expression version on every input tried', () => {
    const inputs = [
      '2026-12-01T03:54:55.9Z',
      '2026-12-01T03:54:55.12Z',
      '2026-12-01T03:54:55.123456789Z',
      '2026-12-01T03:54:55.123.4567Z',
      '2026-12-01T03:54:55.12a4567Z',
      '1.2345',
      '.....',
      ...nearMisses(3000, '0123456789-.:TZ+', 32),
    ]
    for (let i = 0; i < 2000; i += 1) {
      const at = new Date(Date.UTC(2000, 0, 1) + i * 7_919_191_003)
      inputs.push(at.toISOString(), at.toISOString().replace('Z', '123+00:00'))
    }
    for (const input of inputs) expect(parseTimestamp(input), input).toBe(referenceTimestamp(input))
  })
})

describe('parseDateUtc', () => {
  it('accepts real calendar dates only, leap days included', () => {
    expect(parseDateUtc('2021-06-30')).toBe(Date.UTC(2021, 5, 30))
    expect(parseDateUtc('2024-02-29')).toBe(Date.UTC(2024, 1, 29))
    expect(parseDateUtc('2000-02-29')).toBe(Date.UTC(2000, 1, 29))
    expect(parseDateUtc('1900-02-29')).toBeNull()
    expect(parseDateUtc('2023-02-29')).toBeNull()
    expect(parseDateUtc('2021-04-31')).toBeNull()
    expect(parseDateUtc('2021-13-01')).toBeNull()
    expect(parseDateUtc('0050-01-01')).toBeNull()
  })

  it('agrees with the regular-expression version on every input tried', () => {
    const inputs = [...nearMisses(20000, '0123456789-', 11), '2021-06-30\n', '２０２１-06-30']
    for (let day = 0; day < 3000; day += 1) {
      const at = new Date(Date.UTC(1999, 0, 1) + day * 86_400_000 * 3.3)
      inputs.push(at.toISOString().slice(0, 10))
    }
    for (let y = 95; y <= 105; y += 1)
      for (let m = 0; m <= 13; m += 1)
        for (let d = 0; d <= 32; d += 1)
          inputs.push(
            `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
          )
    for (const input of inputs) expect(parseDateUtc(input), input).toBe(referenceDate(input))
  })
})
