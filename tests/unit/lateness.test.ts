// How late live data arrives: each channel's delay against the least it has seen, and the stream's
// lateness in the header (the least late of the channels sampled lately).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ChannelDiagnostics, LATENESS_SAMPLE_MS } from '@/realtime/channelDiagnostics'
import { LATENESS_COUNTS_MS, streamLateness } from '@/stores/connectionModel'
import { channelStatus } from './stores/factories'

const START = Date.UTC(2026, 10, 30, 12, 0, 0)
const OPEN = { phase: 'open', since: START } as const

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(START)
})
afterEach(() => {
  vi.useRealTimers()
})

/** A payload stamped `ms` after START on the server's clock, in the format Python sends. */
function stamp(ms: number): string {
  return new Date(START + ms).toISOString().replace('Z', '123+00:00')
}

describe('ChannelDiagnostics lateness', () => {
  it('measures delay beyond the least seen, so a skewed server clock does not read as late', () => {
    const diagnostics = new ChannelDiagnostics('dashboard')
    // The server's clock is 30 s behind ours: every payload looks 30 s old, yet none is late.
    const skew = -30_000
    for (let i = 0; i < 8; i += 1) {
      vi.advanceTimersByTime(LATENESS_SAMPLE_MS)
      diagnostics.sampleDelay(stamp(i * LATENESS_SAMPLE_MS + LATENESS_SAMPLE_MS + skew - 20))
    }
    expect(diagnostics.snapshot().late?.ms).toBeLessThan(50)
    // Then events queue on the way: one stamped 6 s ago arrives now.
    vi.advanceTimersByTime(LATENESS_SAMPLE_MS)
    const now = Date.now() - START
    diagnostics.sampleDelay(stamp(now + skew - 6000))
    expect(diagnostics.snapshot().late).toEqual({ ms: 6000 - 20, at: Date.now() })
  })

  it('samples at most once per interval and skips what it cannot parse', () => {
    const diagnostics = new ChannelDiagnostics('alerts')
    diagnostics.sampleDelay(stamp(-100))
    const first = diagnostics.snapshot().late
    // Within the sampling interval: not read at all, even a late one.
    diagnostics.sampleDelay(stamp(-9000))
    expect(diagnostics.snapshot().late).toEqual(first)
    vi.advanceTimersByTime(LATENESS_SAMPLE_MS)
    diagnostics.sampleDelay('not a time')
    expect(diagnostics.snapshot().late).toEqual(first)
  })
})

describe('streamLateness', () => {
  const late = (ms: number, agoMs = 0) => ({ ms, at: START - agoMs })

  it('is the least late of the channels sampled lately, and null under two seconds', () => {
    const dashboard = { ...channelStatus('dashboard', OPEN), late: late(7000) }
    const alerts = { ...channelStatus('alerts', OPEN), late: late(4000) }
    expect(streamLateness([dashboard, alerts], START)).toBe(4000)
    expect(streamLateness([dashboard, { ...alerts, late: late(300) }], START)).toBeNull()
    expect(streamLateness([{ ...channelStatus('training', OPEN), late: null }], START)).toBeNull()
  })

  it('forgets a sample after a while: an old one neither counts nor hides a late one', () => {
    const old = { ...channelStatus('alerts', OPEN), late: late(100, LATENESS_COUNTS_MS + 1) }
    const dashboard = { ...channelStatus('dashboard', OPEN), late: late(5000, 1000) }
    expect(streamLateness([old, dashboard], START)).toBe(5000)
    expect(streamLateness([old], START)).toBeNull()
  })
})
