// The roster of other tabs sharing one stream: what they want, and who goes first when the leader hangs.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TabRoster } from '@/realtime/tabRoster'

afterEach(() => vi.useRealTimers())

describe('TabRoster', () => {
  it('unites the channels of tabs heard from lately and drops the ones gone quiet', () => {
    vi.useFakeTimers()
    const roster = new TabRoster(3000)
    roster.heard('b', ['alerts'])
    roster.heard('c', ['dashboard', 'alerts'])
    expect([...roster.wantedChannels()].sort()).toEqual(['alerts', 'dashboard'])
    vi.advanceTimersByTime(2000)
    roster.heard('b', ['alerts', 'training'])
    vi.advanceTimersByTime(2000)
    // c was last heard 4 s ago: gone.
    expect([...roster.wantedChannels()].sort()).toEqual(['alerts', 'training'])
    roster.left('b')
    expect(roster.anyone).toBe(false)
  })

  it('puts the smallest id among live tabs first in line', () => {
    vi.useFakeTimers()
    const roster = new TabRoster(3000)
    roster.heard('a', ['alerts'])
    expect(roster.firstInLine('b')).toBe(false)
    vi.advanceTimersByTime(4000)
    // a is quiet (hung or closed): b goes first.
    expect(roster.firstInLine('b')).toBe(true)
  })

  it('leaves the silent leader out of the line, however lately its wants were heard', () => {
    // Three tabs: a (the leader, opened first, now hung), b and c, each heard just now.
    const rosterOfB = new TabRoster(3000)
    rosterOfB.heard('a', ['alerts'])
    rosterOfB.heard('c', ['alerts'])
    const rosterOfC = new TabRoster(3000)
    rosterOfC.heard('a', ['alerts'])
    rosterOfC.heard('b', ['alerts'])
    expect(rosterOfB.firstInLine('b')).toBe(false)
    expect(rosterOfB.firstInLine('b', 'a')).toBe(true)
    // One tab steals, not two.
    expect(rosterOfC.firstInLine('c', 'a')).toBe(false)
  })
})
