// `npm run soak`: the built page in Chromium for N minutes at a steady event rate; heap, DOM, listeners and timers sampled via CDP.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { chromium, type CDPSession, type Page } from '@playwright/test'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { createStaticHandler } from '../../server/staticServer.ts'
import { startDevBackend } from '../../tests/support/devBackend.ts'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

const HELP = `npm run soak -- [options]
  --minutes N           how long the page runs (default 30; 1 for a smoke run)
  --rate N              simulated events per second, all channels together (default 1000)
  --interval-seconds N  seconds between samples (default 30; a smoke run of 1 minute uses 10)
  --warmup-minutes N    growth is measured from the first sample at or after this (default 2,
                        capped at a third of the run)
  --build               run \`vite build\` first even when dist/ exists
  --out DIR             where soak-<date>.json goes (default bench/results)
Each sample is the least of three readings taken right after a forced GC (the page renders all
the time; the minimum is its live set). Growth is the median of the last third of the samples
after warm-up minus the median of the first third. Budgets (exit code 1 when exceeded): JS heap
growth <= 10 MB; listeners and DOM nodes <= 5 % of their baseline (they jitter with the garbage
of the last frames); page elements <= 50; pending timeouts + animation frames <= 10; intervals 0;
no page error; one stream connection throughout.`

/** Share of the total rate per channel: market snapshots dominate, alerts are the rarest. */
const SHARE: Record<Channel, number> = { dashboard: 0.5, training: 0.2, backtest: 0.2, alerts: 0.1 }

/**
 * After warm-up, the most each may grow. Listener and node counts include what the last frames
 * dropped (the page redraws continuously), so they jitter by a few per cent around a flat line:
 * their allowance is relative to the baseline. A leak at 1,000 events/s grows without bound.
 */
const BUDGET = {
  heapMB: 10,
  listenersShare: 0.05,
  nodesShare: 0.05,
  /** Elements in the document: exact, no jitter from garbage. */
  elements: 50,
  /** Pending timeouts plus animation frames (a snapshot of what is queued at that moment). */
  pendingTimers: 10,
  /** setInterval timers: none may be added. */
  intervals: 0,
}

// Counts the page's live timers: installed before any page script, so every timer goes through it.
const TIMER_COUNTER = `(() => {
  const timeouts = new Set(), intervals = new Set(), frames = new Set()
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval
  const raf = window.requestAnimationFrame, caf = window.cancelAnimationFrame
  window.setTimeout = function (fn, ms, ...args) {
    let id
    const run = typeof fn === 'function' ? function (...a) { timeouts.delete(id); return fn.apply(this, a) } : fn
    id = st.call(window, run, ms, ...args)
    timeouts.add(id)
    return id
  }
  // The two clear functions share one id space in browsers.
  window.clearTimeout = function (id) { timeouts.delete(id); intervals.delete(id); return ct.call(window, id) }
  window.setInterval = function (...args) { const id = si.apply(window, args); intervals.add(id); return id }
  window.clearInterval = function (id) { intervals.delete(id); timeouts.delete(id); return ci.call(window, id) }
  window.requestAnimationFrame = function (fn) {
    let id
    id = raf.call(window, (t) => { frames.delete(id); fn(t) })
    frames.add(id)
    return id
  }
  window.cancelAnimationFrame = function (id) { frames.delete(id); return caf.call(window, id) }
  Object.defineProperty(window, '__soakTimers', {
    value: () => ({ timeouts: timeouts.size, intervals: intervals.size, frames: frames.size }),
  })
})()`

interface Sample {
  /** Seconds since the page was opened. */
  t: number
  heapUsedMB: number
  heapTotalMB: number
  /** DOM nodes alive in the renderer (attached or not), after GC. */
  nodes: number
  /** Elements in the document: what the page shows; nodes minus this hints at detached trees. */
  elements: number
  /** Alert rows and training/backtest cards shown (they set the listener and node counts). */
  rows: number
  jsEventListeners: number
  documents: number
  timeouts: number
  intervals: number
  frames: number
  /** Events the backend had published so far (all channels). */
  emitted: number
  streamConnections: number
  loadavg1: number
}

interface Growth {
  first: number
  last: number
  min: number
  max: number
  /** Median of the last third of the measured samples minus the median of the first third. */
  growth: number
  /** Least-squares slope over the measured samples, per hour. */
  slopePerHour: number
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Median of the first third of the samples: what growth is measured from. */
function baseline(samples: readonly Sample[], pick: (s: Sample) => number): number {
  return median(samples.slice(0, Math.max(1, Math.floor(samples.length / 3))).map(pick))
}

function growthOf(samples: readonly Sample[], pick: (s: Sample) => number): Growth {
  const values = samples.map(pick)
  const n = samples.length
  const third = Math.max(1, Math.floor(n / 3))
  let slope = 0
  if (n > 1) {
    const mt = samples.reduce((sum, s) => sum + s.t, 0) / n
    const mv = values.reduce((sum, v) => sum + v, 0) / n
    const num = samples.reduce((sum, s, i) => sum + (s.t - mt) * ((values[i] as number) - mv), 0)
    const den = samples.reduce((sum, s) => sum + (s.t - mt) ** 2, 0)
    slope = den === 0 ? 0 : (num / den) * 3600
  }
  return {
    first: values[0] ?? 0,
    last: values[n - 1] ?? 0,
    min: Math.min(...values),
    max: Math.max(...values),
    growth: round(median(values.slice(-third)) - median(values.slice(0, third))),
    slopePerHour: round(slope),
  }
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function serveDist(configJson: unknown): Promise<{ url: string; server: Server }> {
  const handle = createStaticHandler({ root: join(repo, 'dist'), configJson })
  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function sample(
  cdp: CDPSession,
  page: Page,
  t: number,
  extra: Pick<Sample, 'emitted' | 'streamConnections'>,
): Promise<Sample> {
  // The page renders all the time, so each reading also counts the garbage of the last frames:
  // the least of three readings, each right after a full collection, is the live set.
  let heapUsed = Infinity
  let heapTotal = 0
  let nodes = Infinity
  let listeners = Infinity
  let documents = 0
  for (let round = 0; round < 3; round += 1) {
    await cdp.send('HeapProfiler.collectGarbage')
    const heap = await cdp.send('Runtime.getHeapUsage')
    const dom = await cdp.send('Memory.getDOMCounters')
    heapUsed = Math.min(heapUsed, heap.usedSize)
    heapTotal = Math.max(heapTotal, heap.totalSize)
    nodes = Math.min(nodes, dom.nodes)
    listeners = Math.min(listeners, dom.jsEventListeners)
    documents = dom.documents
  }
  const { timers, elements, rows } = await page.evaluate(() => ({
    timers: (
      window as unknown as {
        __soakTimers: () => { timeouts: number; intervals: number; frames: number }
      }
    ).__soakTimers(),
    elements: document.getElementsByTagName('*').length,
    rows: document.querySelectorAll('li.alert, article.card, [data-backtest-id]').length,
  }))
  return {
    t: round(t, 1),
    heapUsedMB: round(heapUsed / 2 ** 20),
    heapTotalMB: round(heapTotal / 2 ** 20),
    nodes,
    elements,
    rows,
    jsEventListeners: listeners,
    documents,
    ...timers,
    ...extra,
    loadavg1: round(loadavg()[0] ?? 0),
  }
}

/** Opens the diagnostics drawer once, at the end, and reads each channel's counters as shown. */
async function readDiagnostics(page: Page): Promise<Record<string, Record<string, string>>> {
  await page.getByRole('button', { name: 'Diagnostics' }).click()
  await page.locator('#diagnostics section.diag').first().waitFor()
  return page.evaluate(() => {
    const out: Record<string, Record<string, string>> = {}
    for (const section of document.querySelectorAll<HTMLElement>('#diagnostics section.diag')) {
      const fields: Record<string, string> = {}
      for (const row of section.querySelectorAll('dl > div')) {
        const key = row.querySelector('dt')?.textContent?.trim()
        if (key) fields[key] = row.querySelector('dd')?.textContent?.trim() ?? ''
      }
      fields.state = [...(section.querySelector('header')?.children ?? [])]
        .map((child) => child.textContent?.replace(/\s+/g, ' ').trim())
        .join(' · ')
      fields.lastError =
        section
          .querySelector('[data-testid="last-error"]')
          ?.textContent?.replace(/\s+/g, ' ')
          .trim() ?? ''
      fields.gaps = section.querySelector('details summary')?.textContent?.trim() ?? ''
      out[section.dataset.channel ?? '?'] = fields
    }
    return out
  })
}

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '1000' },
      'interval-seconds': { type: 'string' },
      'warmup-minutes': { type: 'string', default: '2' },
      build: { type: 'boolean', default: false },
      out: { type: 'string', default: join(repo, 'bench', 'results') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (args.help) {
    console.log(HELP)
    return 0
  }
  const minutes = Number(args.minutes)
  const rate = Number(args.rate)
  const intervalS = Number(args['interval-seconds'] ?? (minutes <= 2 ? 10 : 30))
  const warmupS = Math.min(Number(args['warmup-minutes']) * 60, (minutes * 60) / 3)
  if (![minutes, rate, intervalS, warmupS].every((n) => Number.isFinite(n) && n > 0)) {
    console.error(`bad arguments\n${HELP}`)
    return 2
  }

  if (args.build || !existsSync(join(repo, 'dist', 'index.html'))) {
    console.log('building dist/ (vite build)…')
    execFileSync('npx', ['vite', 'build'], { cwd: repo, stdio: 'inherit' })
  }

  const rates = Object.fromEntries(CHANNELS.map((c) => [c, rate * SHARE[c]])) as Record<
    Channel,
    number
  >
  // A production heartbeat: the soak is about a long steady stream, not about reconnects.
  const backend = await startDevBackend({ dev: true, simulate: true, rates, heartbeatSeconds: 15 })
  // debug stays off: its hook keeps every applied id, which would itself grow the heap.
  const site = await serveDist({ apiBaseUrl: backend.url, debug: false })
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
  const pageErrors: string[] = []
  const consoleErrors: string[] = []
  const httpErrors: string[] = []
  const samples: Sample[] = []
  let stopping = false
  const onSignal = () => {
    console.log('\nstopping early: summarising the samples so far')
    stopping = true
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const startedAt = new Date()
  let diagnostics: Record<string, Record<string, string>> = {}
  let emittedBeforePage = 0
  let browserVersion = ''
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    await context.addInitScript(TIMER_COUNTER)
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('response', (response) => {
      if (response.status() >= 400) httpErrors.push(`${response.status()} ${response.url()}`)
    })
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text().slice(0, 300))
    })
    const cdp = await context.newCDPSession(page)
    await cdp.send('HeapProfiler.enable')
    browserVersion = browser.version()
    emittedBeforePage = await emittedSoFar(backend.url)
    await page.goto(`${site.url}/market/realtime`)
    await page
      .getByRole('banner')
      .getByRole('status')
      .filter({ hasText: /live/ })
      .waitFor({ timeout: 60_000 })
    const opened = Date.now()
    const endAt = opened + minutes * 60_000
    console.log(
      `soak: ${minutes} min at ${rate} events/s (${CHANNELS.map((c) => `${c} ${rates[c]}`).join(', ')}), ` +
        `sample every ${intervalS} s, warm-up ${warmupS} s; page ${site.url}/market/realtime`,
    )
    for (;;) {
      const now = Date.now()
      const s = await sample(cdp, page, (now - opened) / 1000, {
        emitted: await emittedSoFar(backend.url),
        streamConnections: backend.backend.stats().streamConnections,
      })
      samples.push(s)
      console.log(
        `${String(Math.round(s.t)).padStart(5)} s  heap ${s.heapUsedMB.toFixed(2).padStart(7)} MB  nodes ${String(s.nodes).padStart(6)} ` +
          `(${s.elements} el, ${s.rows} rows)  ` +
          `listeners ${String(s.jsEventListeners).padStart(5)}  timers ${s.timeouts}+${s.intervals}i+${s.frames}raf  ` +
          `emitted ${s.emitted}  streams ${s.streamConnections}  load ${s.loadavg1}`,
      )
      if (stopping || now >= endAt) break
      const next = Math.min(endAt, now + intervalS * 1000)
      while (!stopping && Date.now() < next) await sleep(Math.min(1000, next - Date.now()))
    }
    diagnostics = await readDiagnostics(page).catch((error: unknown) => ({
      error: { message: String(error) },
    }))
  } finally {
    await browser.close().catch(() => {})
    await new Promise<void>((resolve) => {
      site.server.closeAllConnections()
      site.server.close(() => resolve())
    })
    await backend.close()
  }

  const measured = samples.filter((s) => s.t >= warmupS)
  const span = measured.length > 1 ? measured : samples.slice(-2)
  const heap = growthOf(span, (s) => s.heapUsedMB)
  const listeners = growthOf(span, (s) => s.jsEventListeners)
  const nodes = growthOf(span, (s) => s.nodes)
  const elements = growthOf(span, (s) => s.elements)
  const timers = growthOf(span, (s) => s.timeouts + s.intervals + s.frames)
  const intervals = growthOf(span, (s) => s.intervals)
  const last = samples[samples.length - 1]
  const seconds = last?.t ?? 0
  const verdicts = {
    heap: heap.growth <= BUDGET.heapMB,
    listeners:
      listeners.growth <= BUDGET.listenersShare * baseline(span, (s) => s.jsEventListeners),
    timers: intervals.growth <= BUDGET.intervals && timers.growth <= BUDGET.pendingTimers,
    nodes:
      nodes.growth <= BUDGET.nodesShare * baseline(span, (s) => s.nodes) &&
      elements.growth <= BUDGET.elements,
    noPageErrors: pageErrors.length === 0,
    oneStream: samples.every((s) => s.streamConnections === 1),
  }
  const pass = Object.values(verdicts).every(Boolean)
  const summary = {
    pass,
    verdicts,
    budget: BUDGET,
    minutesRun: round(seconds / 60, 1),
    warmupSeconds: warmupS,
    samplesMeasured: span.length,
    heapMB: heap,
    jsEventListeners: listeners,
    domNodes: nodes,
    documentElements: elements,
    liveTimers: timers,
    intervals,
    eventsEmittedWhilePageOpen: last ? last.emitted - emittedBeforePage : 0,
    effectiveRate: last && seconds > 0 ? round((last.emitted - emittedBeforePage) / seconds, 1) : 0,
    pageErrors: pageErrors.slice(0, 20),
    consoleErrors: consoleErrors.slice(0, 20),
    httpErrors: httpErrors.slice(0, 20),
    diagnostics,
  }
  const result = {
    kind: 'soak',
    startedAt: startedAt.toISOString(),
    source: sourceVersion(),
    config: {
      minutes,
      rate,
      rates,
      intervalSeconds: intervalS,
      warmupSeconds: warmupS,
      heartbeatSeconds: 15,
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      memoryGB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    browser: {
      executable: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      version: browserVersion,
    },
    summary,
    samples,
  }
  mkdirSync(args.out, { recursive: true })
  const stamp = startedAt.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '')
  const file = join(args.out, `soak-${stamp}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)

  const line = (name: string, g: Growth, unit: string) =>
    `  ${name.padEnd(16)} ${String(round(g.first)).padStart(9)} → ${String(round(g.last)).padStart(9)} ${unit}  ` +
    `growth ${round(g.growth)}  (min ${round(g.min)}, max ${round(g.max)}, slope ${g.slopePerHour}/h)`
  console.log(
    [
      '',
      `soak summary: ${summary.minutesRun} min, ${summary.eventsEmittedWhilePageOpen} events (${summary.effectiveRate}/s), ` +
        `measured after ${warmupS} s over ${span.length} samples`,
      line('JS heap (GC)', heap, 'MB'),
      line('listeners', listeners, ''),
      line('DOM nodes', nodes, ''),
      line('page elements', elements, ''),
      line('live timers', timers, ''),
      line('intervals', intervals, ''),
      `  page errors ${pageErrors.length}, console errors ${consoleErrors.length}, HTTP errors ${httpErrors.join(', ') || 'none'}, one stream throughout: ${verdicts.oneStream}`,
      `  page diagnostics: ${Object.entries(diagnostics)
        .map(
          ([c, d]) =>
            `${c} received ${d.received ?? '?'}, reconnects ${d.reconnects ?? '?'}, duplicates ${d.duplicates ?? '?'}, invalid ${d.invalid ?? '?'}`,
        )
        .join('; ')}`,
      `  ${pass ? 'PASS' : 'FAIL'} (${
        Object.entries(verdicts)
          .filter(([, ok]) => !ok)
          .map(([k]) => k)
          .join(', ') || 'within every budget'
      })`,
      `results: ${relative(repo, file)}`,
    ].join('\n'),
  )
  return pass ? 0 : 1
}

/** The commit measured, and whether src/ or server/ had uncommitted changes (SOAK_COMMIT overrides). */
function sourceVersion(): { commit: string; uncommittedChanges: boolean | null } {
  if (process.env.SOAK_COMMIT) return { commit: process.env.SOAK_COMMIT, uncommittedChanges: false }
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim()
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      uncommittedChanges: git('status', '--porcelain', 'src', 'server') !== '',
    }
  } catch {
    return { commit: 'unknown', uncommittedChanges: null }
  }
}

/** Events published so far: the dev backend numbers them with one counter across channels. */
async function emittedSoFar(url: string): Promise<number> {
  let max = 0
  for (const channel of CHANNELS) {
    const response = await fetch(`${url}/api/v1/sse/${channel}/history?limit=1`)
    const body = (await response.json()) as { latest_id?: string | null }
    max = Math.max(max, Number(body.latest_id ?? 0) || 0)
  }
  return max
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
