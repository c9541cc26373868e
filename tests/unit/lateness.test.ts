// How late live data arrives: each channel's delay against the least it has seen, and the stream's
// lateness in the header (the least late of the channels sampled lately).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ChannelDiagnostics,
  LATENESS_SAMPLE_MS,
  LEAST_DELAY_WINDOW_MS,
} from '@/realtime/channelDiagnostics'
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

  it('takes the least delay over the last ten minutes: a flood stays late, a clock step passes', () => {
    const diagnostics = new ChannelDiagnostics('dashboard')
    /** Samples every 10 s for `ms`, each event `delay` ms old on arrival; the last lateness. */
    const run = (ms: number, delay: number) => {
      for (let t = 0; t < ms; t += 10_000) {
        vi.advanceTimersByTime(10_000)
        diagnostics.sampleDelay(stamp(Date.now() - START - delay))
      }
      return diagnostics.snapshot().late?.ms
    }
    expect(run(60_000, 20)).toBe(0)
    // Five minutes of events arriving 6 s late: late all along.
    expect(run(5 * 60_000, 6020)).toBe(6000)
    // The client's clock stepped 5 s forward: every event now reads 5 s older. Late at first, not
    // any more once the window holds nothing from before the step.
    expect(run(60_000, 5020)).toBe(5000)
    expect(run(LEAST_DELAY_WINDOW_MS, 5020)).toBe(0)
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

describe('ChannelDiagnostics lateness while live events are held back', () => {
  it('grows from the delay when holding began, and is measured again once released', () => {
    const diagnostics = new ChannelDiagnostics('dashboard')
    diagnostics.sampleDelay(stamp(-300))
    diagnostics.setHolding(true)
    expect(diagnostics.snapshot().late).toEqual({ ms: 0, at: START, growing: true })
    // The header reads it as growing by the second (streamLateness below).
    vi.advanceTimersByTime(7000)
    expect(
      streamLateness(
        [{ ...channelStatus('dashboard', OPEN), late: diagnostics.snapshot().late }],
        Date.now(),
      ),
    ).toBe(7000)
    diagnostics.setHolding(false)
    vi.advanceTimersByTime(LATENESS_SAMPLE_MS)
    // The first held event is applied 7 s after it came, 0.3 s after it was sent.
    diagnostics.sampleDelay(stamp(Date.now() - START - 7300))
    expect(diagnostics.snapshot().late).toEqual({ ms: 7000, at: Date.now() })
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

  it('adds the time held to a growing sample, however old the sample is', () => {
    const held = {
      ...channelStatus('backtest', OPEN),
      late: { ...late(500, 20_000), growing: true },
    }
    expect(streamLateness([held], START)).toBe(20_500)
  })

  it('forgets a sample after a while: an old one neither counts nor hides a late one', () => {
    const old = { ...channelStatus('alerts', OPEN), late: late(100, LATENESS_COUNTS_MS + 1) }
    const dashboard = { ...channelStatus('dashboard', OPEN), late: late(5000, 1000) }
    expect(streamLateness([old, dashboard], START)).toBe(5000)
    expect(streamLateness([old], START)).toBeNull()
  })
})
