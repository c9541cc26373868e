// The repeat filter: bounded, remembers the most recent ids, and their payload fingerprints.
import { describe, expect, it } from 'vitest'
import { idDigest, RecentIds } from '@/realtime/recentIds'

/** Two different ids with the same digest, found by search (30 bits: a few tens of thousands of tries). */
let colliding: [string, string] | undefined
function collidingIds(): [string, string] {
  if (colliding) return colliding
  const byDigest = new Map<number, string>()
  for (let i = 0; ; i += 1) {
    const id = `id-${i}`
    const other = byDigest.get(idDigest(id))
    if (other !== undefined) return (colliding = [other, id])
    byDigest.set(idDigest(id), id)
  }
}

describe('RecentIds', () => {
  it('drops a repeat and remembers at least half its capacity of the newest ids', () => {
    const recent = new RecentIds(100)
    for (let i = 0; i < 1000; i += 1) expect(recent.add(`id-${i}`)).toBe(true)
    // The newest 50 are always remembered: each is a repeat.
    for (let i = 950; i < 1000; i += 1) expect(recent.add(`id-${i}`), `id-${i}`).toBe(false)
    // Far older ones are forgotten (bounded memory): they count as new again.
    expect(recent.add('id-0')).toBe(true)
    expect(recent.add('id-999')).toBe(false)
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

  it('tells apart two ids that share a digest: neither is taken for a repeat of the other', () => {
    const [first, second] = collidingIds()
    expect(first).not.toBe(second)
    expect(idDigest(first)).toBe(idDigest(second))
    const recent = new RecentIds(100)
    expect(recent.add(first, 1)).toBe(true)
    expect(recent.sameAs(second, 1)).toBe(false)
    expect(recent.add(second, 2)).toBe(true)
    expect(recent.add(first)).toBe(false)
    expect(recent.add(second)).toBe(false)
    expect(recent.sameAs(first, 1)).toBe(true)
    expect(recent.sameAs(second, 2)).toBe(true)
  })

  it('still knows a chained id after its generation became the old one', () => {
    const [first, second] = collidingIds()
    const recent = new RecentIds(4)
    recent.add(first)
    recent.add(second)
    // The young generation (2 ids) is full: the next id starts a new one, and these two are old.
    recent.add('fresh')
    expect(recent.add(first)).toBe(false)
    expect(recent.add(second)).toBe(false)
  })
})
