// The repeat filter: bounded, remembers the most recent ids, and their payload fingerprints.
import { describe, expect, it } from 'vitest'
import { RecentIds } from '@/realtime/recentIds'

describe('RecentIds', () => {
  it('drops a repeat and remembers at least half its capacity of the newest ids', () => {
    const recent = new RecentIds(100)
    for (let i = 0; i < 1000; i += 1) expect(recent.add(`id-${i}`)).toBe(true)
    // The newest 50 are always remembered: each is a repeat.
    for (let i = 950; i < 1000; i += 1) expect(recent.add(`id-${i}`), `id-${i}`).toBe(false)
    // Far older ones are forgotten (bounded memory): they count as new again.
    expect(recent.add('id-0')).toBe(true)
    expect(recent.has('id-999')).toBe(true)
  })

  it('tells the same payload from another under the same id', () => {
    const recent = new RecentIds(4)
    recent.add('1', 111)
    recent.add('2', 222)
    recent.add('3')
    expect(recent.sameAs('1', 111)).toBe(true)
    expect(recent.sameAs('1', 999)).toBe(false)
    expect(recent.sameAs('3', undefined)).toBe(false)
    expect(recent.sameAs('4', 111)).toBe(false)
  })
})
