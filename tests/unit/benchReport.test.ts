import { describe, expect, it } from 'vitest'
import {
  baselineSection,
  disturbance,
  maxSustainable,
  multiTabSection,
  passedAboveFailure,
  profileSection,
  rateRatioRange,
  stepPassed,
  sustainableRange,
  type BenchResults,
} from '../../bench/lib/report'
import type { PageName, StepResult } from '../../bench/lib/measure'

const RATES = [100, 1000, 2000, 5000, 10000, 15000, 20000, 30000, 50000]

function steps(page: StepResult['page'], passed: number[]): StepResult[] {
  return RATES.map((rate) => ({ page, rate, sustainable: passed.includes(rate) }) as StepResult)
}

describe('benchmark ratios', () => {
  it('places a max sustainable rate between the step passed and the next one', () => {
    const all = [
      ...steps('app', [100, 1000, 2000, 5000, 10000, 15000, 20000]),
      ...steps('native', [100]),
    ]
    expect(sustainableRange(all, 'app', RATES)).toEqual({ low: 20000, high: 30000 })
    expect(sustainableRange(all, 'native', RATES)).toEqual({ low: 100, high: 1000 })
    expect(sustainableRange(all, 'vueuse', RATES)).toEqual({ low: 0, high: 100 })
  })

  it('gives the ratio of max rates as a range, lower bound first', () => {
    // App in [20k, 30k), page in [100, 1k): at least 20k / 1k, at most 30k / 100.
    expect(rateRatioRange({ low: 20000, high: 30000 }, { low: 100, high: 1000 })).toBe('20× – 300×')
    // The app passed the top step: no upper bound.
    expect(rateRatioRange({ low: 50000, high: null }, { low: 5000, high: 10000 })).toBe(
      '5.0× – unbounded',
    )
    // A page that passed no step: the upper bound is unknown too.
    expect(rateRatioRange({ low: 20000, high: 30000 }, { low: 0, high: 100 })).toBe(
      '200× – unbounded',
    )
  })
})

describe('sustained means every lower step passed', () => {
  it('does not count a pass above a failed step', () => {
    const all = steps('app', [100, 1000, 5000, 10000, 15000, 20000])
    expect(maxSustainable(all, 'app')).toBe(1000)
    expect(passedAboveFailure(all, 'app')).toEqual([5000, 10000, 15000, 20000])
    expect(sustainableRange(all, 'app', RATES)).toEqual({ low: 1000, high: 2000 })
  })

  it('holds the strict rule to p99 send → painted', () => {
    const all = RATES.map(
      (rate) => ({ page: 'app', rate, sustainable: true, strict: rate <= 2000 }) as StepResult,
    )
    expect(maxSustainable(all, 'app', 'applied')).toBe(50000)
    expect(maxSustainable(all, 'app', 'painted')).toBe(2000)
    expect(stepPassed(all[3] as StepResult, 'painted')).toBe(false)
  })

  it('is 0 when the lowest step failed', () => {
    expect(maxSustainable(steps('app', [1000, 2000]), 'app')).toBe(0)
  })
})

function step(page: PageName, rate: number, painted: number, strict: boolean): StepResult {
  const p = (p99: number) => ({ count: 1, p50: p99, p95: p99, p99, max: p99 })
  return {
    page,
    rate,
    sent: 1,
    loss: 0,
    applied: p(painted / 2),
    painted: p(painted),
    longTasks: { count: 0, maxMs: null, totalMs: 0 },
    cpu: { ownCores: 1, otherCores: 0.1 },
    sustainable: true,
    strict,
  } as StepResult
}

function results(extra: Partial<BenchResults>): BenchResults {
  return {
    date: '2026-12-07',
    startedAt: '',
    finishedAt: '',
    quick: false,
    settings: {
      rates: [1000, 2000, 20000],
      pages: ['app', 'app@6a3207d'],
      stepSeconds: 10,
      warmupSeconds: 2,
      soakMinutes: 0,
      coldRuns: 5,
      soakRate: 1000,
    },
    machine: {
      nproc: 2,
      cpuModel: 'cpu',
      memoryGB: 1,
      freeMemoryGB: 1,
      chromium: '1',
      node: 'v20',
      commit: 'abc1234',
      srcChanged: false,
      baseline: { rev: '6a3207d', commit: '6a3207d', subject: 'Page: label demo data' },
      loadStart: [],
      loadEnd: [],
    },
    steps: [],
    cold: [],
    soaks: [],
    ...extra,
  }
}

describe('the baseline, multi-tab and profile sections', () => {
  it('puts app and app@REV side by side with ratios and both commits', () => {
    const text = baselineSection(
      results({
        steps: [
          step('app', 1000, 40, true),
          step('app@6a3207d', 1000, 50, true),
          step('app', 2000, 200, false),
          step('app@6a3207d', 2000, 60, true),
          step('app', 20000, 80, true),
          step('app@6a3207d', 20000, 400, false),
        ],
      }),
    )
    expect(text).toContain('`app` is commit abc1234')
    expect(text).toContain('`app@6a3207d` is commit 6a3207d')
    expect(text).toMatch(/\| 1,000 \| 40\.0 \/ 50\.0 \| 0\.80× \|/)
    // 20,000 passed for the app, but 2,000 failed: not sustained.
    expect(text).toMatch(/\| 20,000 \|.*\| yes\* \/ no \|/)
    expect(text).toMatch(/\| `app` \| 20,000 ev\/s \| 1,000 ev\/s \|/)
    expect(text).toMatch(/\| `app@6a3207d` \| 20,000 ev\/s \| 2,000 ev\/s \|/)
  })

  it('reports every tab of the multi-tab step and the pooled figures', () => {
    const p = (p99: number) => ({ count: 1, p50: p99, p95: p99, p99, max: p99 })
    const tab = (n: number, painted: number, strict: boolean) => ({
      tab: n,
      sent: 10,
      delivered: 10,
      loss: 0,
      applied: p(painted / 2),
      painted: p(painted),
      longTasks: { count: 0, maxMs: null, totalMs: 0 },
      frames: { frames: 60, longGaps: 0, dropped: 0, maxGapMs: 17 },
      engine: 'shared-worker (2 tabs)',
      responsive: true,
      duplicates: 0,
      strict,
    })
    const text = multiTabSection(
      results({
        multiTab: [
          {
            page: 'app',
            tabs: 2,
            rate: 5000,
            achievedRate: 5000,
            windowSeconds: 10,
            perTab: [tab(1, 50, true), tab(2, 150, false)],
            overall: {
              loss: 0,
              applied: p(75),
              painted: p(150),
              longTasks: { count: 0, maxMs: null },
            },
            streams: { opened: 1, droppedSlow: 0, requests: 3 },
            cpu: null,
            strict: false,
            notes: [],
          },
        ],
      }),
    )
    expect(text).toContain('1 of 2 tabs failed the strict rule')
    expect(text).toMatch(/\| 2 \| shared-worker \(2 tabs\) \|.*\| no: painted p99 150 ms \|/)
    expect(text).toMatch(/\| all \|/)
  })

  it('says whether parser or validation frames are on the page’s main thread, and when workers were not seen', () => {
    const thread = (parser: number, valibot: number) => ({
      thread: 'page main thread',
      seconds: 10,
      busyMsPerSecond: 300,
      modules: [] as [string, number][],
      functions: [] as [string, number][],
      parserMsPerSecond: parser,
      valibotMsPerSecond: valibot,
      parserSamples: parser,
      valibotSamples: valibot,
      samples: 10000,
    })
    const text = profileSection([
      {
        page: 'app',
        rate: 20000,
        commit: 'abc1234',
        takenAt: '',
        main: thread(0, 0),
        workers: [],
        workerNote: 'worker threads could not be profiled (x)',
      },
      {
        page: 'app@6a3207d',
        rate: 20000,
        commit: '6a3207d',
        takenAt: '',
        main: thread(40, 90),
        workers: [],
        workerNote: null,
      },
    ])
    expect(text).toContain('no eventsource-parser or valibot frame')
    expect(text).toContain('worker threads could not be profiled')
    expect(text).toContain('eventsource-parser on 40 and valibot on 90 of 10000 samples')
  })
})

describe('a disturbed run says so', () => {
  it('names the windows where other processes passed the limit', () => {
    const busy = { ...step('app', 1000, 40, true), cpu: { ownCores: 1, otherCores: 1.2 } }
    const calm = { ...step('app', 2000, 40, true), cpu: { ownCores: 1, otherCores: 0.1 } }
    const text = disturbance(
      results({ settings: { ...results({}).settings, maxOtherCores: 0.3 }, steps: [busy, calm] }),
    )
    expect(text).toContain('in 1 of 2 measured windows')
    expect(text).toContain('app @ 1,000: 1.20')
    expect(disturbance(results({ steps: [calm] }))).toBe('')
  })
})
