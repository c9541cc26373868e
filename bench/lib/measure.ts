// Drives one bench page through a rate step, a soak or a cold start in headless Chromium and measures it.
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import type {
  ClickResult,
  ClockSample,
  RecorderCounters,
  RecorderSnapshot,
  StartupTimes,
} from '../pages/shared/recorder.ts'
import type { StreamCounts } from './sseHub.ts'
import type { BenchServer } from './benchServer.ts'
import { epochNow } from './clock.ts'
import { cpuBetween, sampleCpu, settle, type CpuUse } from './cpuShare.ts'
import type { LoadSource } from './loadSource.ts'
import {
  decodeFloat64,
  frameStats,
  percentiles,
  type FrameStats,
  type Percentiles,
} from './stats.ts'

/** The app's own page is the subject; the others are what it is compared with. */
export const PAGES = ['app', 'ours', 'native', 'vueuseBatched', 'vueuse'] as const
export type BuiltinPage = (typeof PAGES)[number]
/** `app@REV`: the app's production build at git revision REV (`--baseline REV`), beside `app`. */
export type PageName = BuiltinPage | `app@${string}`

export const PAGE_LABELS: Record<BuiltinPage, string> = {
  app: 'the app (production build, /market/realtime)',
  ours: '(a) the bare data path: the app’s client and stores, three charts, two lists',
  native: '(b) naive: EventSource + reactive arrays + setOption per event',
  vueuseBatched: '(c) useEventSource + the same per-frame batching → stores',
  vueuse: '(c′) useEventSource → stores, one commit per message (unbatched)',
}

/** Short names for tables and logs. */
export const PAGE_SHORT: Record<BuiltinPage, string> = {
  app: 'app',
  ours: '(a) data path',
  native: '(b) naive',
  vueuseBatched: '(c) VueUse batched',
  vueuse: '(c′) VueUse unbatched',
}

/** The revision of an `app@REV` page, null for the others. */
export function baselineRev(page: PageName): string | null {
  return page.startsWith('app@') ? page.slice(4) : null
}

/** The app's own page, at the working tree or at a revision. */
export function isAppPage(page: PageName): boolean {
  return page === 'app' || baselineRev(page) !== null
}

/** Where an app build is served: `/app/` for the working tree, `/rev-REV/` for `app@REV`. */
export function appBase(page: PageName): string {
  const rev = baselineRev(page)
  return rev === null ? '/app/' : `/rev-${rev}/`
}

export function pageLabel(page: PageName): string {
  const rev = baselineRev(page)
  if (rev !== null) return `the app at ${rev} (production build, /market/realtime)`
  return PAGE_LABELS[page as BuiltinPage] ?? page
}

export function pageShort(page: PageName): string {
  return baselineRev(page) !== null ? page : (PAGE_SHORT[page as BuiltinPage] ?? page)
}

/** The recorder bundled as one script, injected into the real app before its own scripts. */
const PROBE = fileURLToPath(new URL('../.dist/probe/probe.js', import.meta.url))

/** The three pass conditions of a sustainable rate. */
export const SUSTAINABLE = { maxLoss: 0, maxP99Ms: 100, maxLongTaskMs: 50 } as const

interface Passable {
  sent: number
  loss: number
  applied: Percentiles
  painted: Percentiles
  longTasks: { maxMs: number | null }
}

/**
 * Whether a measured window passes: 0 loss, no long task over 50 ms and p99 ≤ 100 ms from send to
 * applied (`'applied'`, the rule the single-tab steps were always held to) or to painted
 * (`'painted'`, the strict rule).
 */
export function passes(window: Passable, latency: 'applied' | 'painted'): boolean {
  const p99 = window[latency].p99
  return (
    window.sent > 0 &&
    window.loss <= SUSTAINABLE.maxLoss &&
    p99 !== null &&
    p99 <= SUSTAINABLE.maxP99Ms &&
    (window.longTasks.maxMs ?? 0) <= SUSTAINABLE.maxLongTaskMs
  )
}

export interface BenchContext {
  browser: Browser
  server: BenchServer
  source: LoadSource
  log: (line: string) => void
}

export interface Heap {
  /** MB of V8 heap in use. */
  usedMB: number | null
}

export interface StepResult {
  page: PageName
  rate: number
  /** Events/s the source really published during the window. */
  achievedRate: number
  windowSeconds: number
  sent: number
  delivered: number
  /** Fraction of the window's events not applied by the end of the drain. */
  loss: number
  applied: Percentiles
  painted: Percentiles
  longTasks: { count: number; maxMs: number | null; totalMs: number }
  frames: FrameStats
  heap: { beforeMB: number | null; endMB: number | null; afterMB: number | null }
  firstAppliedMs: number | null
  firstLiveMs: number | null
  counters: RecorderCounters | null
  streamConnections: number
  /** Stream connections opened during the step and dropped by the server as too slow. */
  streams: StreamCounts
  clock: ClockSample | null
  /** False when the page never answered for its results (it was still busy with a backlog). */
  responsive: boolean
  /** CPU during the measured window: the bench's own and other processes' (the machine is shared). */
  cpu: CpuUse | null
  /** The app only: its header at the end of the window, and a click on "Pause live" then. */
  pause?: PauseProbe
  /** Runs of this step: more than 1 when other processes took too much CPU during a window. */
  attempts?: number
  /** Passed with p99 send → applied ≤ 100 ms (with 0 loss and no long task over 50 ms). */
  sustainable: boolean
  /** Passed the strict rule: p99 send → painted ≤ 100 ms (with 0 loss and no long task over 50 ms). */
  strict?: boolean
  /** Why a step failed or what was odd about it. */
  notes: string[]
}

export interface PauseProbe {
  /** The header's "behind" note when the window ended ("drawing every 500 ms — …"), null if none. */
  behindText: string | null
  /** The click's timings; null when the page did not answer within 10 s. */
  click: ClickResult | null
}

export interface StepOptions {
  rate: number
  warmupMs: number
  measureMs: number
  /** Longest wait after the window for late events. */
  drainMs: number
  seed: number
  /** Longest wait for the previous page's processes to go idle (default 20 s). */
  settleMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves to null when `promise` takes longer than `ms` (a saturated page answers late or never). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))
  try {
    return await Promise.race([promise, timeout])
  } catch {
    return null
  } finally {
    clearTimeout(timer)
  }
}

async function heapMB(cdp: CDPSession, collect: boolean): Promise<number | null> {
  const usage = await within(
    (async () => {
      if (collect) await cdp.send('HeapProfiler.collectGarbage')
      return cdp.send('Runtime.getHeapUsage')
    })(),
    20_000,
  )
  return usage ? usage.usedSize / 2 ** 20 : null
}

export interface OpenedPage {
  tab: Page
  cdp: CDPSession
  close(): Promise<void>
}

/** A browser context for one page kind: app pages get the recorder before their own scripts. */
export async function newPageContext(ctx: BenchContext, page: PageName): Promise<BrowserContext> {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } })
  if (isAppPage(page)) await context.addInitScript({ path: PROBE })
  return context
}

/**
 * A new page of `context` in a window of its own. Pages Playwright opens in one context are tabs of
 * one window: only the front one is drawn (the others get a frame a second while their
 * visibilityState still says "visible"), so tabs that must all paint each get a window.
 */
async function pageInNewWindow(
  ctx: BenchContext,
  context: BrowserContext,
  sibling: Page,
): Promise<Page> {
  const siblingSession = await context.newCDPSession(sibling)
  const { targetInfo } = (await siblingSession.send('Target.getTargetInfo')) as unknown as {
    targetInfo: { browserContextId?: string }
  }
  await siblingSession.detach()
  const browserSession = await ctx.browser.newBrowserCDPSession()
  const next = context.waitForEvent('page', { timeout: 30_000 })
  await browserSession.send('Target.createTarget', {
    url: 'about:blank',
    newWindow: true,
    ...(targetInfo.browserContextId ? { browserContextId: targetInfo.browserContextId } : {}),
  })
  await browserSession.detach()
  return next
}

/**
 * Opens one tab of `page` in `context` (tabs of one context share a SharedWorker, as in one
 * browser); with `sibling`, in a new window beside that tab's, so both are drawn.
 */
export async function openTab(
  ctx: BenchContext,
  context: BrowserContext,
  page: PageName,
  query: Record<string, number>,
  sibling?: Page,
): Promise<{ tab: Page; cdp: CDPSession }> {
  const tab = sibling ? await pageInNewWindow(ctx, context, sibling) : await context.newPage()
  listenForAnnouncements(tab)
  if (sibling) await tab.setViewportSize({ width: 1280, height: 800 })
  const cdp = await context.newCDPSession(tab)
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))
  const path = isAppPage(page) ? `${appBase(page)}market/realtime` : `/${page}.html`
  await tab.goto(`${ctx.server.url}${path}?${search}`, { waitUntil: 'load', timeout: 30_000 })
  return { tab, cdp }
}

export async function openPage(
  ctx: BenchContext,
  page: PageName,
  query: Record<string, number>,
): Promise<OpenedPage> {
  const context = await newPageContext(ctx, page)
  const { tab, cdp } = await openTab(ctx, context, page, query)
  return {
    tab,
    cdp,
    close: async () => {
      await within(context.close(), 15_000)
    },
  }
}

/** What each tab's recorder announced on the console, and who waits for what it has not yet. */
const announcements = new WeakMap<
  Page,
  { said: Set<string>; waiting: Map<string, (() => void)[]> }
>()

function listenForAnnouncements(tab: Page): void {
  const heard = { said: new Set<string>(), waiting: new Map<string, (() => void)[]>() }
  announcements.set(tab, heard)
  tab.on('console', (message) => {
    const what = /^__bench:(.+)$/.exec(message.text())?.[1]
    if (what === undefined || heard.said.has(what)) return
    heard.said.add(what)
    for (const resolve of heard.waiting.get(what) ?? []) resolve()
    heard.waiting.delete(what)
  })
}

/**
 * Until the tab's recorder says `what` (false after `timeoutMs`). Nothing runs in the page for it:
 * a page function would evaluate Playwright's injected script there, in the middle of a start-up.
 */
function announced(tab: Page, what: string, timeoutMs: number): Promise<boolean> {
  const heard = announcements.get(tab)
  if (!heard) throw new Error('a tab of the bench is opened with openTab')
  if (heard.said.has(what)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    const waiting = heard.waiting.get(what) ?? []
    waiting.push(() => {
      clearTimeout(timer)
      resolve(true)
    })
    heard.waiting.set(what, waiting)
  })
}

export function waitFirstLive(tab: Page, timeoutMs: number): Promise<boolean> {
  return announced(tab, 'first-live', timeoutMs)
}

function recordedIds(rate: number, seconds: number): number {
  return Math.ceil(rate * seconds * 1.3) + 5000
}

/** Latency of the window's events from the source's send time, on the runner's clock. */
function latencies(
  source: LoadSource,
  snapshot: RecorderSnapshot,
  from: number,
  offsetMs: number,
): { applied: Float64Array; painted: Float64Array; delivered: number } {
  const applied = decodeFloat64(snapshot.applied)
  const painted = decodeFloat64(snapshot.painted)
  const a: number[] = []
  const p: number[] = []
  for (let i = 0; i < applied.length; i += 1) {
    const at = applied[i] as number
    if (at === 0) continue
    const sent = source.log.at(from + i)
    if (sent === 0) continue
    a.push(at + offsetMs - sent)
    const shown = painted[i] as number
    if (shown !== 0) p.push(shown + offsetMs - sent)
  }
  return { applied: Float64Array.from(a), painted: Float64Array.from(p), delivered: a.length }
}

/** Runs `page` at `rate` events/s: warm-up, a measured window, a drain, then the numbers. */
export async function runStep(
  ctx: BenchContext,
  page: PageName,
  options: StepOptions,
): Promise<StepResult> {
  const { source, server } = ctx
  const { rate, warmupMs, measureMs, drainMs } = options
  const notes: string[] = []
  const waited = await settle(options.settleMs)
  if (waited > 5000)
    notes.push(`waited ${(waited / 1000).toFixed(0)} s for the previous page to go idle`)
  const base = source.latestId + 1
  source.log.reset(base)
  const totalSeconds = (warmupMs + measureMs + drainMs) / 1000 + 20
  server.hub.resetCounts()
  source.start(rate, options.seed)
  const opened = await openPage(ctx, page, {
    base,
    cap: recordedIds(rate, totalSeconds),
    frames: Math.ceil(totalSeconds * 70),
  })
  const { tab, cdp } = opened
  try {
    if (!(await waitFirstLive(tab, 20_000))) {
      notes.push('no live event applied within 20 s of loading')
      return unresponsive(page, rate, source, server, notes)
    }
    await sleep(warmupMs)
    const clock = await within(
      tab.evaluate(() => (window.__bench as NonNullable<Window['__bench']>).calibrate(16)),
      15_000,
    )
    if (!clock) notes.push('clock calibration timed out (offset 0 assumed)')
    const beforeMB = await heapMB(cdp, true)
    await sleep(250)

    const from = source.latestId + 1
    const startAt = epochNow()
    const cpuStart = sampleCpu()
    await sleep(measureMs / 2)
    const streamConnections = server.hub.streamConnections
    await sleep(measureMs / 2)
    const to = source.latestId
    const endAt = epochNow()
    const cpu = cpuBetween(cpuStart, sampleCpu())
    // Still under load: does the app say it is behind, and does "Pause live" answer?
    const pause = isAppPage(page) ? await pauseProbe(tab) : undefined
    source.stop()
    const sent = Math.max(0, to - from + 1)
    const endMB = await heapMB(cdp, false)

    // Drain: wait for late events until all arrived, nothing moved for 2 s, or drainMs passed.
    const drainEnd = Date.now() + drainMs
    let last = -1
    let still = Date.now()
    while (Date.now() < drainEnd) {
      const count = await within(
        tab.evaluate(
          ([a, b]) => (window.__bench as NonNullable<Window['__bench']>).appliedCount(a, b),
          [from, to] as const,
        ),
        Math.max(1000, drainEnd - Date.now()),
      )
      if (count === null) break
      if (count >= sent) break
      if (count !== last) {
        last = count
        still = Date.now()
      } else if (Date.now() - still > 2000) break
      await sleep(200)
    }
    const afterMB = await heapMB(cdp, true)
    const snapshot = await within(
      tab.evaluate(([a, b]) => (window.__bench as NonNullable<Window['__bench']>).snapshot(a, b), [
        from,
        to,
      ] as const),
      30_000,
    )
    if (!snapshot) notes.push('the page did not answer for its results within 30 s')

    const offset = clock?.offsetMs ?? 0
    const lat = snapshot ? latencies(source, snapshot, from, offset) : null
    const delivered = lat?.delivered ?? 0
    const frames = frameStats(
      (snapshot?.frames ?? []).map((t) => t + offset),
      startAt,
      endAt,
    )
    const tasks = (snapshot?.longTasks ?? []).filter(([start, duration]) => {
      const begin = start + offset
      return begin + duration >= startAt && begin <= endAt
    })
    const longTasks = {
      count: tasks.length,
      maxMs: tasks.length ? Math.max(...tasks.map(([, d]) => d)) : null,
      totalMs: tasks.reduce((sum, [, d]) => sum + d, 0),
    }
    const applied = percentiles(lat?.applied ?? new Float64Array())
    const painted = percentiles(lat?.painted ?? new Float64Array())
    const loss = sent === 0 ? 1 : (sent - delivered) / sent
    if (snapshot && snapshot.counters.duplicates > 0)
      notes.push(`${snapshot.counters.duplicates} events applied twice`)
    const sustainable = passes({ sent, loss, applied, painted, longTasks }, 'applied')
    const strict = passes({ sent, loss, applied, painted, longTasks }, 'painted')
    const windowSeconds = (endAt - startAt) / 1000
    return {
      page,
      rate,
      achievedRate: sent / windowSeconds,
      windowSeconds,
      sent,
      delivered,
      loss,
      applied,
      painted,
      longTasks,
      frames,
      heap: { beforeMB, endMB, afterMB },
      firstAppliedMs: snapshot?.firstAppliedMs ?? null,
      firstLiveMs: snapshot?.firstLiveMs ?? null,
      counters: snapshot?.counters ?? null,
      streamConnections,
      streams: { ...server.hub.counts },
      clock,
      responsive: snapshot !== null,
      cpu,
      ...(pause ? { pause } : {}),
      sustainable,
      strict,
      notes,
    }
  } finally {
    source.stop()
    await opened.close()
  }
}

/** Reads the app's header and clicks "Pause live" while the load still runs; times the answer. */
async function pauseProbe(tab: Page): Promise<PauseProbe> {
  const behind = tab.locator('[data-testid="behind"]')
  const behindText = await within(
    behind.count().then(async (n) => (n > 0 ? ((await behind.first().textContent()) ?? '') : null)),
    10_000,
  )
  const armed = await within(
    tab.evaluate(() =>
      (window.__bench as NonNullable<Window['__bench']>).armClick(
        '[data-testid="pause"]',
        'aria-pressed',
      ),
    ),
    10_000,
  )
  if (armed === null)
    return { behindText: behindText?.replace(/\s+/g, ' ').trim() ?? null, click: null }
  await within(tab.click('[data-testid="pause"]', { timeout: 10_000, noWaitAfter: true }), 12_000)
  const click = await within(
    tab
      .waitForFunction(
        () => (window.__bench as NonNullable<Window['__bench']>).clickResult(),
        null,
        {
          timeout: 10_000,
          polling: 50,
        },
      )
      .then((handle) => handle.jsonValue() as Promise<ClickResult>),
    12_000,
  )
  return { behindText: behindText?.replace(/\s+/g, ' ').trim() ?? null, click }
}

/** The result of a step whose page never applied a live event: it is swamped from the start. */
function unresponsive(
  page: PageName,
  rate: number,
  source: LoadSource,
  server: BenchServer,
  notes: string[],
): StepResult {
  const none = { count: 0, p50: null, p95: null, p99: null, max: null }
  return {
    page,
    rate,
    achievedRate: source.sent / Math.max(1e-3, (epochNow() - source.startedAt) / 1000),
    windowSeconds: 0,
    sent: 0,
    delivered: 0,
    loss: 1,
    applied: none,
    painted: none,
    longTasks: { count: 0, maxMs: null, totalMs: 0 },
    frames: { frames: 0, longGaps: 0, dropped: 0, maxGapMs: null },
    heap: { beforeMB: null, endMB: null, afterMB: null },
    firstAppliedMs: null,
    firstLiveMs: null,
    counters: null,
    streamConnections: server.hub.streamConnections,
    streams: { ...server.hub.counts },
    clock: null,
    responsive: false,
    cpu: null,
    sustainable: false,
    strict: false,
    notes,
  }
}

/** Until the page's first data is on screen (pages without that watch: until the timeout). */
async function waitFirstShown(tab: Page): Promise<void> {
  await announced(tab, 'first-shown', 5000)
}

export interface ColdStart {
  page: PageName
  /** ms from navigation start to the first applied event (history backfill counts). */
  firstAppliedMs: number[]
  /** ms from navigation start to the first frame showing data (absent in older results). */
  firstShownMs?: number[]
  /** ms from navigation start to the first event sent after the page was opened. */
  firstLiveMs: number[]
  /** Per run: script start, DOMContentLoaded and API request timings. */
  startup: StartupTimes[]
  cpu: CpuUse | null
}

/** Opens `page` `runs` times on a backend that has history and publishes `rate` events/s. */
export async function coldStarts(
  ctx: BenchContext,
  page: PageName,
  runs: number,
  rate: number,
): Promise<ColdStart> {
  const result: ColdStart = {
    page,
    firstAppliedMs: [],
    firstShownMs: [],
    firstLiveMs: [],
    startup: [],
    cpu: null,
  }
  const cpuStart = sampleCpu()
  for (let run = 0; run < runs; run += 1) {
    await settle()
    const base = ctx.source.latestId + 1
    ctx.source.log.reset(base)
    ctx.source.start(rate, 1000 + run)
    const arrivals = ctx.server.hub.arrivals
    const arrivedBefore = arrivals.length
    const opened = await openPage(ctx, page, { base, cap: recordedIds(rate, 60), frames: 4000 })
    try {
      if (await waitFirstLive(opened.tab, 20_000)) {
        if (isAppPage(page)) await waitFirstShown(opened.tab)
        const first = await within(
          opened.tab.evaluate(() =>
            (window.__bench as NonNullable<Window['__bench']>).snapshot(0, -1),
          ),
          10_000,
        )
        if (first?.firstAppliedMs != null) result.firstAppliedMs.push(first.firstAppliedMs)
        if (first?.firstShownMs != null) result.firstShownMs?.push(first.firstShownMs)
        if (first?.firstLiveMs != null) result.firstLiveMs.push(first.firstLiveMs)
        if (first) {
          // Same machine: the page's and the runner's epoch clocks agree to well under a millisecond.
          const origin = first.startup.timeOrigin ?? 0
          const arrived = arrivals
            .slice(arrivedBefore)
            .filter(([path]) => !/\/(stream|dashboard|alerts|training|backtest)$/.test(path))
            .slice(0, 12)
            .map(([path, at]): [string, number] => [path, at - origin])
          result.startup.push({ ...first.startup, arrived })
        }
      }
    } finally {
      ctx.source.stop()
      await opened.close()
    }
  }
  result.cpu = cpuBetween(cpuStart, sampleCpu())
  return result
}

export interface SoakResult {
  page: PageName
  rate: number
  minutes: number
  sent: number
  delivered: number
  loss: number
  applied: Percentiles
  painted: Percentiles
  longTasks: { count: number; maxMs: number | null }
  frames: FrameStats
  /** Heap after a forced GC at the start and at the end of the soak. */
  heapStartMB: number | null
  heapEndMB: number | null
  growthMB: number | null
  /** Growth over the second half only (after GC at the midpoint): near 0 once bounded buffers are full. */
  secondHalfGrowthMB: number | null
  /** [minutes since start, MB in use without forcing GC]. */
  samples: [number, number | null][]
  cpu: CpuUse | null
  notes: string[]
}

/** Runs `page` at `rate` for `minutes`, sampling the heap every `sampleSeconds`. */
export async function soak(
  ctx: BenchContext,
  page: PageName,
  rate: number,
  minutes: number,
  sampleSeconds: number,
): Promise<SoakResult> {
  const { source } = ctx
  const notes: string[] = []
  await settle()
  const base = source.latestId + 1
  source.log.reset(base)
  const durationMs = minutes * 60_000
  const totalSeconds = durationMs / 1000 + 40
  source.start(rate, 7)
  const opened = await openPage(ctx, page, {
    base,
    cap: recordedIds(rate, totalSeconds),
    frames: Math.ceil(totalSeconds * 70),
  })
  const { tab, cdp } = opened
  try {
    if (!(await waitFirstLive(tab, 20_000))) notes.push('no live event within 20 s of loading')
    await sleep(2000)
    const clock = await within(
      tab.evaluate(() => (window.__bench as NonNullable<Window['__bench']>).calibrate(16)),
      15_000,
    )
    const heapStartMB = await heapMB(cdp, true)
    const from = source.latestId + 1
    const startAt = epochNow()
    const cpuStart = sampleCpu()
    const samples: [number, number | null][] = [[0, heapStartMB]]
    let heapMidMB: number | null = null
    while (epochNow() - startAt < durationMs) {
      const left = durationMs - (epochNow() - startAt)
      const wasFirstHalf = epochNow() - startAt < durationMs / 2
      await sleep(Math.min(sampleSeconds * 1000, left))
      const elapsed = epochNow() - startAt
      if (wasFirstHalf && elapsed >= durationMs / 2 && heapMidMB === null) {
        heapMidMB = await heapMB(cdp, true)
        samples.push([elapsed / 60_000, heapMidMB])
      } else {
        samples.push([elapsed / 60_000, await heapMB(cdp, false)])
      }
      ctx.log(
        `  soak ${(elapsed / 60_000).toFixed(1)} min, heap ${samples.at(-1)?.[1]?.toFixed(1) ?? '?'} MB`,
      )
    }
    const to = source.latestId
    const endAt = epochNow()
    const cpu = cpuBetween(cpuStart, sampleCpu())
    source.stop()
    await sleep(2000)
    const heapEndMB = await heapMB(cdp, true)
    samples.push([(epochNow() - startAt) / 60_000, heapEndMB])
    const snapshot = await within(
      tab.evaluate(([a, b]) => (window.__bench as NonNullable<Window['__bench']>).snapshot(a, b), [
        from,
        to,
      ] as const),
      60_000,
    )
    if (!snapshot) notes.push('the page did not answer for its results within 60 s')
    const offset = clock?.offsetMs ?? 0
    const lat = snapshot ? latencies(source, snapshot, from, offset) : null
    const sent = Math.max(0, to - from + 1)
    const delivered = lat?.delivered ?? 0
    const tasks = (snapshot?.longTasks ?? []).filter(
      ([start]) => start + offset >= startAt && start + offset <= endAt,
    )
    return {
      page,
      rate,
      minutes,
      sent,
      delivered,
      loss: sent === 0 ? 1 : (sent - delivered) / sent,
      applied: percentiles(lat?.applied ?? new Float64Array()),
      painted: percentiles(lat?.painted ?? new Float64Array()),
      longTasks: {
        count: tasks.length,
        maxMs: tasks.length ? Math.max(...tasks.map(([, d]) => d)) : null,
      },
      frames: frameStats(
        (snapshot?.frames ?? []).map((t) => t + offset),
        startAt,
        endAt,
      ),
      heapStartMB,
      heapEndMB,
      growthMB: heapStartMB !== null && heapEndMB !== null ? heapEndMB - heapStartMB : null,
      secondHalfGrowthMB: heapMidMB !== null && heapEndMB !== null ? heapEndMB - heapMidMB : null,
      samples,
      cpu,
      notes,
    }
  } finally {
    source.stop()
    await opened.close()
  }
}

/** What one tab of a multi-tab step measured over the window. */
export interface TabResult {
  /** 1 = the first tab opened. */
  tab: number
  sent: number
  delivered: number
  loss: number
  applied: Percentiles
  painted: Percentiles
  longTasks: { count: number; maxMs: number | null; totalMs: number }
  frames: FrameStats
  /** Where the tab's engine ran, from the app's debug hook: 'shared-worker (4 tabs)', 'leader', … */
  engine: string | null
  responsive: boolean
  duplicates: number
  /** Passed the strict rule: 0 loss, p99 send → painted ≤ 100 ms, no long task over 50 ms. */
  strict: boolean
}

export interface MultiTabResult {
  page: PageName
  tabs: number
  /** Total events/s over the four channels; every tab gets every event. */
  rate: number
  achievedRate: number
  windowSeconds: number
  perTab: TabResult[]
  /** Over the events of every tab together: the worst tab decides loss and long tasks. */
  overall: {
    loss: number
    applied: Percentiles
    painted: Percentiles
    longTasks: { count: number; maxMs: number | null }
  }
  /** Stream connections the backend opened during the step (all tabs). */
  streams: StreamCounts
  cpu: CpuUse | null
  attempts?: number
  /** Every tab passed the strict rule. */
  strict: boolean
  notes: string[]
}

interface WindowFigures {
  sent: number
  delivered: number
  loss: number
  applied: Percentiles
  painted: Percentiles
  appliedSamples: Float64Array
  paintedSamples: Float64Array
  longTasks: { count: number; maxMs: number | null; totalMs: number }
  frames: FrameStats
}

function windowFigures(
  source: LoadSource,
  snapshot: RecorderSnapshot | null,
  from: number,
  to: number,
  startAt: number,
  endAt: number,
  offset: number,
): WindowFigures {
  const sent = Math.max(0, to - from + 1)
  const lat = snapshot ? latencies(source, snapshot, from, offset) : null
  const delivered = lat?.delivered ?? 0
  const tasks = (snapshot?.longTasks ?? []).filter(([start, duration]) => {
    const begin = start + offset
    return begin + duration >= startAt && begin <= endAt
  })
  const appliedSamples = lat?.applied ?? new Float64Array()
  const paintedSamples = lat?.painted ?? new Float64Array()
  return {
    sent,
    delivered,
    loss: sent === 0 ? 1 : (sent - delivered) / sent,
    applied: percentiles(appliedSamples.slice()),
    painted: percentiles(paintedSamples.slice()),
    appliedSamples,
    paintedSamples,
    longTasks: {
      count: tasks.length,
      maxMs: tasks.length ? Math.max(...tasks.map(([, d]) => d)) : null,
      totalMs: tasks.reduce((sum, [, d]) => sum + d, 0),
    },
    frames: frameStats(
      (snapshot?.frames ?? []).map((t) => t + offset),
      startAt,
      endAt,
    ),
  }
}

/** Where the app's engine runs in this tab, as its debug hook says (either version of the app). */
async function engineOf(tab: Page): Promise<string | null> {
  return within(
    tab.evaluate(() => {
      const hook = window.__rtm as
        { engine?: () => { host: string; tabs: number }; role?: () => string } | undefined
      if (hook?.engine) {
        const { host, tabs } = hook.engine()
        return `${host} (${tabs} ${tabs === 1 ? 'tab' : 'tabs'})`
      }
      return hook?.role ? hook.role() : null
    }),
    5000,
  )
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/**
 * `tabs` tabs of `page` open at once in one browser context (so they share what a browser shares:
 * a SharedWorker, Web Locks, BroadcastChannel), the source publishing `rate` events/s in total over
 * the four channels; every tab gets every event and is held to the strict rule.
 */
export async function runTabs(
  ctx: BenchContext,
  page: PageName,
  tabs: number,
  options: StepOptions,
): Promise<MultiTabResult> {
  const { source, server } = ctx
  const { rate, warmupMs, measureMs, drainMs } = options
  const notes: string[] = []
  const waited = await settle(options.settleMs)
  if (waited > 5000)
    notes.push(`waited ${(waited / 1000).toFixed(0)} s for the previous page to go idle`)
  const base = source.latestId + 1
  source.log.reset(base)
  const totalSeconds = (warmupMs + measureMs + drainMs) / 1000 + 20 + tabs * 5
  server.hub.resetCounts()
  source.start(rate, options.seed)
  const context = await newPageContext(ctx, page)
  const opened: { tab: Page; cdp: CDPSession }[] = []
  try {
    const query = {
      base,
      cap: recordedIds(rate, totalSeconds),
      frames: Math.ceil(totalSeconds * 70),
    }
    for (let i = 0; i < tabs; i += 1) {
      const next = await openTab(ctx, context, page, query, opened[0]?.tab)
      opened.push(next)
      // One after the other, as a user opens them: each is live before the next opens.
      if (!(await waitFirstLive(next.tab, 20_000)))
        notes.push(`tab ${i + 1}: no live event applied within 20 s of loading`)
    }
    await sleep(warmupMs)
    const clocks: (ClockSample | null)[] = []
    for (const { tab } of opened) {
      clocks.push(
        await within(
          tab.evaluate(() => (window.__bench as NonNullable<Window['__bench']>).calibrate(16)),
          15_000,
        ),
      )
    }
    if (clocks.some((c) => c === null)) notes.push('clock calibration timed out in a tab')
    await sleep(250)

    const from = source.latestId + 1
    const startAt = epochNow()
    const cpuStart = sampleCpu()
    await sleep(measureMs)
    const to = source.latestId
    const endAt = epochNow()
    const cpu = cpuBetween(cpuStart, sampleCpu())
    source.stop()
    const sent = Math.max(0, to - from + 1)

    const drainEnd = Date.now() + drainMs
    for (const { tab } of opened) {
      let last = -1
      let still = Date.now()
      while (Date.now() < drainEnd) {
        const count = await within(
          tab.evaluate(
            ([a, b]) => (window.__bench as NonNullable<Window['__bench']>).appliedCount(a, b),
            [from, to] as const,
          ),
          Math.max(1000, drainEnd - Date.now()),
        )
        if (count === null || count >= sent) break
        if (count !== last) {
          last = count
          still = Date.now()
        } else if (Date.now() - still > 2000) break
        await sleep(200)
      }
    }

    const perTab: TabResult[] = []
    const figures: WindowFigures[] = []
    for (const [index, { tab }] of opened.entries()) {
      const snapshot = await within(
        tab.evaluate(
          ([a, b]) => (window.__bench as NonNullable<Window['__bench']>).snapshot(a, b),
          [from, to] as const,
        ),
        30_000,
      )
      if (!snapshot) notes.push(`tab ${index + 1} did not answer for its results within 30 s`)
      const f = windowFigures(
        source,
        snapshot,
        from,
        to,
        startAt,
        endAt,
        clocks[index]?.offsetMs ?? 0,
      )
      figures.push(f)
      perTab.push({
        tab: index + 1,
        sent: f.sent,
        delivered: f.delivered,
        loss: f.loss,
        applied: f.applied,
        painted: f.painted,
        longTasks: f.longTasks,
        frames: f.frames,
        engine: await engineOf(tab),
        responsive: snapshot !== null,
        duplicates: snapshot?.counters.duplicates ?? 0,
        strict: snapshot !== null && passes(f, 'painted'),
      })
    }
    const longest = figures.map((f) => f.longTasks.maxMs).filter((n): n is number => n !== null)
    return {
      page,
      tabs,
      rate,
      achievedRate: sent / ((endAt - startAt) / 1000),
      windowSeconds: (endAt - startAt) / 1000,
      perTab,
      overall: {
        loss: Math.max(...figures.map((f) => f.loss)),
        applied: percentiles(concat(figures.map((f) => f.appliedSamples))),
        painted: percentiles(concat(figures.map((f) => f.paintedSamples))),
        longTasks: {
          count: figures.reduce((n, f) => n + f.longTasks.count, 0),
          maxMs: longest.length ? Math.max(...longest) : null,
        },
      },
      streams: { ...server.hub.counts },
      cpu,
      strict: perTab.length === tabs && perTab.every((t) => t.strict),
      notes,
    }
  } finally {
    source.stop()
    await within(context.close(), 15_000)
  }
}

export interface SecondTabStart {
  page: PageName
  /** ms from the second tab's navigation start to its first applied event (any id). */
  firstAppliedMs: number[]
  /** ms from its navigation start to the first frame showing data (absent in older results). */
  firstShownMs?: number[]
  /** ms from its navigation start to the first event published after it was opened. */
  firstLiveMs: number[]
  /** API requests (status, history, streams) the backend got while the second tab opened. */
  requests: number[]
  /** Streams opened for it. */
  streamsOpened: number[]
  cpu: CpuUse | null
}

/**
 * A second tab opened while one is live (same browser context): navigation → first data of that
 * tab, `runs` times, the source publishing `rate` events/s.
 */
export async function secondTabStarts(
  ctx: BenchContext,
  page: PageName,
  runs: number,
  rate: number,
): Promise<SecondTabStart> {
  const result: SecondTabStart = {
    page,
    firstAppliedMs: [],
    firstShownMs: [],
    firstLiveMs: [],
    requests: [],
    streamsOpened: [],
    cpu: null,
  }
  const cpuStart = sampleCpu()
  for (let run = 0; run < runs; run += 1) {
    await settle()
    const base = ctx.source.latestId + 1
    ctx.source.log.reset(base)
    ctx.source.start(rate, 2000 + run)
    const context = await newPageContext(ctx, page)
    try {
      const first = await openTab(ctx, context, page, {
        base,
        cap: recordedIds(rate, 90),
        frames: 6000,
      })
      if (!(await waitFirstLive(first.tab, 20_000))) continue
      await sleep(2000)
      // The second tab's own ids start here: older ones are the first tab's data it is given.
      const secondBase = ctx.source.latestId + 1
      ctx.server.hub.resetCounts()
      const second = await openTab(
        ctx,
        context,
        page,
        { base: secondBase, cap: recordedIds(rate, 60), frames: 4000 },
        first.tab,
      )
      if (await waitFirstLive(second.tab, 20_000)) {
        if (isAppPage(page)) await waitFirstShown(second.tab)
        const snap = await within(
          second.tab.evaluate(() =>
            (window.__bench as NonNullable<Window['__bench']>).snapshot(0, -1),
          ),
          10_000,
        )
        if (snap?.firstAppliedMs != null) result.firstAppliedMs.push(snap.firstAppliedMs)
        if (snap?.firstShownMs != null) result.firstShownMs?.push(snap.firstShownMs)
        if (snap?.firstLiveMs != null) result.firstLiveMs.push(snap.firstLiveMs)
        result.requests.push(ctx.server.hub.counts.requests)
        result.streamsOpened.push(ctx.server.hub.counts.opened)
      }
    } finally {
      ctx.source.stop()
      await within(context.close(), 15_000)
    }
  }
  result.cpu = cpuBetween(cpuStart, sampleCpu())
  return result
}
