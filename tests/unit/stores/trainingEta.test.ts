import { describe, expect, it } from 'vitest'
import { ema } from '@/charts/trainingChartOption'
import { clockOffset } from '@/protocol/timestamp'
import { freshness } from '@/stores/timestamps'
import {
  WARMUP_SAMPLES,
  fractionDone,
  recordProgress,
  runState,
  trainingEta,
  type ProgressSample,
} from '@/stores/trainingEta'

const steady = (n: number, everyMs = 10_000, per = 0.01): ProgressSample[] =>
  Array.from({ length: n }, (_, i) => ({
    at: i * everyMs,
    receivedAt: i * everyMs,
    done: (i + 1) * per,
  }))

describe('training ETA', () => {
  it('reads epochs as 1-based and in progress, steps within the epoch', () => {
    expect(
      fractionDone({ status: 'running', epoch: 1, total_epochs: 10, step: 0, total_steps: 100 }),
    ).toBe(0)
    expect(
      fractionDone({ status: 'running', epoch: 3, total_epochs: 10, step: 50, total_steps: 100 }),
    ).toBeCloseTo(0.25)
    expect(fractionDone({ status: 'running', epoch: 4, total_epochs: 10 })).toBe(0.4)
    expect(fractionDone({ status: 'completed', epoch: 4, total_epochs: 10 })).toBe(1)
  })

  it('records advances only', () => {
    const samples: ProgressSample[] = []
    expect(recordProgress(samples, { at: 1, receivedAt: 1, done: 0.1 })).toBe(true)
    expect(recordProgress(samples, { at: 2, receivedAt: 2, done: 0.1 })).toBe(false)
    expect(samples).toHaveLength(1)
  })

  it('is hidden during warm-up, known once steady', () => {
    const latest = { status: 'running' as const, eta_seconds: undefined }
    expect(trainingEta(latest, steady(WARMUP_SAMPLES - 1), 0, 40_000).kind).toBe('warmup')
    const eta = trainingEta(latest, steady(6), 50_000, 50_000)
    expect(eta).toMatchObject({ kind: 'known', backendS: null })
    if (eta.kind === 'known') expect(eta.observedS).toBeCloseTo(940, 0)
  })

  it('counts time since the last advance off the ETA', () => {
    const latest = { status: 'running' as const, eta_seconds: undefined }
    const a = trainingEta(latest, steady(6), 50_000, 50_000)
    const b = trainingEta(latest, steady(6), 50_000, 55_000)
    if (a.kind === 'known' && b.kind === 'known') expect(a.observedS - b.observedS).toBeCloseTo(5)
  })

  it('agrees with a close backend ETA, flags a far one', () => {
    expect(
      trainingEta({ status: 'running', eta_seconds: 900 }, steady(6), 50_000, 50_000),
    ).toMatchObject({ agrees: true })
    expect(
      trainingEta({ status: 'running', eta_seconds: 2000 }, steady(6), 50_000, 50_000),
    ).toMatchObject({ agrees: false, backendS: 2000 })
  })

  it('tells stalled from finished', () => {
    expect(runState('running', steady(6), 50_000, 50_000 + 39_000)).toBe('running')
    expect(runState('running', steady(6), 50_000, 50_000 + 41_000)).toBe('stalled')
    expect(runState('completed', steady(6), 50_000, 10_000_000)).toBe('completed')
    expect(runState('failed', [], 0, 10_000_000)).toBe('failed')
  })
})

describe('EMA smoothing', () => {
  it('never rewrites the smoothed past as points arrive, and 0 is raw', () => {
    const points: [number, number][] = Array.from({ length: 50 }, (_, i) => [i, Math.sin(i) + 2])
    const before = ema(points.slice(0, 30), 0.8)
    const after = ema(points, 0.8)
    expect(after.slice(0, 30)).toEqual(before)
    expect(ema(points, 0)).toEqual(points)
    // Debiased: the first smoothed point is the first raw point.
    expect(after[0]?.[1]).toBeCloseTo(points[0]![1])
  })
})

describe('data age', () => {
  it('corrects for the client clock using the server time, and says when it cannot', () => {
    // Client clock 30 s fast: offset -30 s; an event stamped 3 s ago (server time) is 3 s old.
    const serverNow = 1_000_000
    const f = freshness(serverNow - 3000, serverNow + 30_000, -30_000, 15_000)
    expect(f).toMatchObject({ ageMs: 3000, corrected: true, delayed: false })
    expect(freshness(serverNow - 20_000, serverNow, null, 15_000)).toMatchObject({
      corrected: false,
      delayed: true,
    })
    expect(freshness(serverNow - 10 * 60_000, serverNow, 0, null).delayed).toBe(false)
  })

  it('measures the offset at the midpoint of the status request', () => {
    expect(clockOffset('1970-01-01T00:00:10.000+00:00', 1000, 3000)).toBe(8000)
    expect(clockOffset('garbage', 1000, 3000)).toBeNull()
    expect(clockOffset('1970-01-01T00:00:10.000+00:00', 1000, 9000)).toBeNull()
  })
})
