import { describe, expect, it } from 'vitest'
import { createLongFrameCounter, LONG_FRAME_WINDOW_MS } from '@/render/longFrames'

describe('long frame counter', () => {
  it('counts the long frames of the last minute and forgets older ones', () => {
    const counter = createLongFrameCounter('long-animation-frame')
    counter.record(1_000, 80)
    counter.record(20_000, 120)
    counter.record(50_000, 60)
    expect(counter.perMinute(55_000)).toBe(3)
    expect(counter.longestMs(55_000)).toBe(120)
    // A minute after the first one ended it no longer counts.
    expect(counter.perMinute(1_080 + LONG_FRAME_WINDOW_MS + 1)).toBe(2)
    expect(counter.perMinute(200_000)).toBe(0)
    expect(counter.longestMs(200_000)).toBeNull()
    counter.dispose()
  })

  it('observes nothing where the browser reports neither entry type', () => {
    const counter = createLongFrameCounter(null)
    expect(counter.source).toBeNull()
    expect(counter.perMinute(0)).toBe(0)
  })
})
