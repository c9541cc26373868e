import { describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter } from '@/realtime/backoff'

describe('backoffDelay', () => {
  const options = { backoffBaseMs: 500, backoffMaxMs: 30_000 }

  it('draws uniformly below a ceiling that doubles per attempt', () => {
    expect(backoffDelay(1, options, () => 1)).toBe(500)
    expect(backoffDelay(2, options, () => 1)).toBe(1000)
    expect(backoffDelay(4, options, () => 1)).toBe(4000)
    expect(backoffDelay(3, options, () => 0.5)).toBe(1000)
    expect(backoffDelay(1, options, () => 0)).toBe(0)
  })

  it('caps at maxMs and stays jittered there', () => {
    expect(backoffDelay(20, options, () => 1)).toBe(30_000)
    expect(backoffDelay(500, options, () => 0.25)).toBe(7500)
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelay(30, options)))
    expect(draws.size).toBeGreaterThan(40)
  })

  it('honours the server retry hint as a floor', () => {
    expect(backoffDelay(1, options, () => 0, 3000)).toBe(3000)
    expect(backoffDelay(10, options, () => 1, 3000)).toBe(30_000)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5000)
    const now = Date.parse('2026-01-04T10:00:00Z')
    expect(parseRetryAfter('Sun, 04 Jan 2026 10:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('garbage')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
})
