// Turns a results JSON into docs/benchmarks.md and a PNG plot rendered by Chromium itself.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'
import {
  SUSTAINABLE,
  baselineRev,
  pageLabel,
  pageShort,
  type ColdStart,
  type MultiTabResult,
  type TabResult,
  type PageName,
  type SecondTabStart,
  type SoakResult,
  type StepResult,
} from './measure.ts'
import type { ProfileSummary } from './profile.ts'
import { median } from './stats.ts'

export interface MachineInfo {
  nproc: number
  cpuModel: string
  memoryGB: number
  freeMemoryGB: number
  chromium: string
  node: string
  commit: string
  /** src/ or server/ had uncommitted changes when the bench ran. */
  srcChanged: boolean
  /** `--baseline REV`: the revision as given and the commit it resolved to. */
  baseline?: { rev: string; commit: string; subject: string }
  loadStart: number[]
  loadEnd: number[]
}

export interface BenchResults {
  /** The results file, relative to the repository (set when the run writes it). */
  file?: string
  date: string
  startedAt: string
  finishedAt: string
  quick: boolean
  settings: {
    rates: number[]
    pages: PageName[]
    stepSeconds: number
    warmupSeconds: number
    soakMinutes: number
    coldRuns: number
    soakRate: number
    maxOtherCores?: number
    retries?: number
    /** `--busy N`: CPU-bound processes the bench ran during steps and cold starts. */
    busy?: number
    /** The multi-tab step: tabs open at once and the total rate. */
    multiTab?: { tabs: number; rate: number }
  }
  machine: MachineInfo
  steps: StepResult[]
  cold: ColdStart[]
  /** A second tab opened while one is live: navigation → first data of that tab. */
  secondTab?: SecondTabStart[]
  multiTab?: MultiTabResult[]
  soaks: SoakResult[]
}

/** What the app's page must do (the Done-when of the rendering work), checked from the numbers. */
export const TARGETS = {
  maxRate: 20_000,
  longTaskMs: 50,
  paintedP99At1kMs: 50,
  /** App p99 applied at 1,000 ev/s at most this many times the bare data path's. */
  p99RatioVsDataPath: 2,
  pauseAnswerMs: 100,
  overloadRate: 50_000,
  soakGrowthMB: 10,
  /** Navigation → first data on screen (cold start), quiet and with one busy process. */
  firstShownMs: 350,
  firstShownBusyMs: 500,
  /** A tab opened while another is live: navigation → first data on screen, with the SharedWorker engine. */
  secondTabMs: 300,
  /** The multi-tab step: this many tabs at this total rate, every tab by the strict rule. */
  multiTabs: 4,
  multiTabRate: 5000,
  /** App painted p99 at 1,000 ev/s at most this many times the baseline's. */
  paintedRatioVsBaseline: 1.2,
} as const

/** The server bench's own report: its figures are quoted in this page's fan-out section. */
const serverReport = fileURLToPath(new URL('../../docs/benchmarks-server.md', import.meta.url))

const fmt = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits)
const int = (n: number): string => Math.round(n).toLocaleString('en-US')
const pct = (n: number): string =>
  n === 0 ? '0 %' : n < 0.001 ? `${(n * 100).toFixed(3)} %` : `${(n * 100).toFixed(1)} %`

export type Rule = 'applied' | 'painted'

/** Whether a step passed by a rule: p99 send → applied (the steps' usual rule) or → painted (strict). */
export function stepPassed(step: StepResult, rule: Rule = 'applied'): boolean {
  return rule === 'applied' ? step.sustainable : (step.strict ?? false)
}

/**
 * Highest rate a page sustained: the highest step it passed with every lower step it was run at
 * passed too (a pass above a failure does not count); 0 when its lowest step failed.
 */
export function maxSustainable(
  steps: readonly StepResult[],
  page: PageName,
  rule: Rule = 'applied',
): number {
  const mine = steps.filter((s) => s.page === page).sort((a, b) => a.rate - b.rate)
  let max = 0
  for (const step of mine) {
    if (!stepPassed(step, rule)) break
    max = step.rate
  }
  return max
}

/** Steps a page passed above a lower step it failed: passed, but not sustained. */
export function passedAboveFailure(
  steps: readonly StepResult[],
  page: PageName,
  rule: Rule = 'applied',
): number[] {
  const max = maxSustainable(steps, page, rule)
  return steps
    .filter((s) => s.page === page && s.rate > max && stepPassed(s, rule))
    .map((s) => s.rate)
    .sort((a, b) => a - b)
}

function stepAt(
  steps: readonly StepResult[],
  page: PageName,
  rate: number,
): StepResult | undefined {
  return steps.find((s) => s.page === page && s.rate === rate)
}

/** Why a step did not pass a rule, in a few words. */
function failure(step: StepResult, rule: Rule = 'applied'): string {
  if (!step.responsive) return 'page unresponsive'
  const reasons: string[] = []
  if (step.loss > SUSTAINABLE.maxLoss) reasons.push(`loss ${pct(step.loss)}`)
  const p99 = step[rule].p99
  if (p99 === null || p99 > SUSTAINABLE.maxP99Ms)
    reasons.push(`${rule === 'painted' ? 'painted ' : ''}p99 ${fmt(p99, 0)} ms`)
  if ((step.longTasks.maxMs ?? 0) > SUSTAINABLE.maxLongTaskMs)
    reasons.push(`long task ${fmt(step.longTasks.maxMs, 0)} ms`)
  return reasons.join(', ')
}

function pageTable(results: BenchResults, page: PageName): string {
  const rows = results.steps.filter((s) => s.page === page)
  const head = [
    '| Rate (ev/s) | Sent/s | Delivered | Applied p50 / p95 / p99 (ms) | Painted p50 / p95 / p99 (ms) | Long tasks (n, max ms) | Dropped frames | Heap before → after (MB) | Streams opened (dropped as slow) | CPU bench / others (cores) | Passed (p99 applied) | Passed, strict (p99 painted) |',
    '|---:|---:|---:|---|---|---|---:|---|---|---|---|---|',
  ]
  const body = rows.map((s) =>
    !s.responsive
      ? [
          int(s.rate),
          int(s.achievedRate),
          `swamped: ${s.notes[0] ?? 'no results'}`,
          '–',
          '–',
          `${s.longTasks.count}, ${fmt(s.longTasks.maxMs, 0)}`,
          '–',
          '–',
          `${s.streams?.opened ?? '–'} (${s.streams?.droppedSlow ?? '–'})`,
          '–',
          'no: page unresponsive',
          'no: page unresponsive',
        ].join(' | ')
      : [
          int(s.rate),
          int(s.achievedRate),
          `${pct(1 - s.loss)} (${int(s.delivered)}/${int(s.sent)})`,
          `${fmt(s.applied.p50)} / ${fmt(s.applied.p95)} / ${fmt(s.applied.p99)}`,
          `${fmt(s.painted.p50)} / ${fmt(s.painted.p95)} / ${fmt(s.painted.p99)}`,
          `${s.longTasks.count}, ${fmt(s.longTasks.maxMs, 0)}`,
          `${s.frames.dropped} / ${s.frames.frames + s.frames.dropped}`,
          `${fmt(s.heap.beforeMB)} → ${fmt(s.heap.afterMB)}`,
          `${s.streams?.opened ?? '–'} (${s.streams?.droppedSlow ?? '–'})`,
          s.cpu
            ? `${fmt(s.cpu.ownCores, 2)} / ${fmt(s.cpu.otherCores, 2)}${s.cpu.busyCores !== undefined ? ` (+ ${fmt(s.cpu.busyCores, 2)} busy)` : ''}${(s.attempts ?? 1) > 1 ? ` (best of ${s.attempts})` : ''}`
            : '–',
          passCell(results.steps, s, 'applied'),
          passCell(results.steps, s, 'painted'),
        ].join(' | '),
  )
  const skipped = results.settings.rates.filter((rate) => !rows.some((s) => s.rate === rate))
  const tail = skipped.length
    ? [
        `\nNot run at ${skipped.map(int).join(', ')} ev/s: the page had already lost more than 20 % or passed 10 s of p99 at a lower rate.`,
      ]
    : []
  return [...head, ...body.map((row) => `| ${row} |`), ...tail].join('\n')
}

interface Verdict {
  target: string
  measured: string
  met: boolean | null
}

/** First data on screen where the run measured it; older results only have the first applied event. */
function firstData(
  start: ColdStart | SecondTabStart,
): { ms: number; runs: number; what: string } | null {
  const shown = start.firstShownMs ?? []
  const values = shown.length > 0 ? shown : start.firstAppliedMs
  const ms = median(values)
  if (ms === null) return null
  const what = shown.length > 0 ? 'the first frame showing the equity figure' : 'first applied event'
  return { ms, runs: values.length, what }
}

function verdicts(
  results: BenchResults,
  profiles: readonly ProfileSummary[] | null,
  extra: readonly BenchResults[] = [],
): Verdict[] {
  const { steps } = results
  const app = (rate: number) => stepAt(steps, 'app', rate)
  const out: Verdict[] = []
  if (!results.settings.pages.includes('app')) return out
  for (const rate of [100, 1000]) {
    const step = app(rate)
    out.push({
      target: `App at ${int(rate)} ev/s: no long task over ${TARGETS.longTaskMs} ms`,
      measured: step
        ? `${step.longTasks.count} long tasks${step.longTasks.maxMs !== null ? `, longest ${fmt(step.longTasks.maxMs, 0)} ms` : ''}`
        : 'not measured',
      met: step ? step.responsive && (step.longTasks.maxMs ?? 0) <= TARGETS.longTaskMs : null,
    })
  }
  const at1k = app(1000)
  out.push({
    target: `App: p99 send → painted ≤ ${TARGETS.paintedP99At1kMs} ms at 1,000 ev/s`,
    measured: at1k
      ? `${fmt(at1k.painted.p99)} ms (applied p99 ${fmt(at1k.applied.p99)} ms)`
      : 'not measured',
    met: at1k?.painted.p99 != null ? at1k.painted.p99 <= TARGETS.paintedP99At1kMs : null,
  })
  for (const rule of ['applied', 'painted'] as const) {
    const max = maxSustainable(steps, 'app', rule)
    const above = passedAboveFailure(steps, 'app', rule)
    out.push({
      target: `App sustains ≥ ${int(TARGETS.maxRate)} ev/s, every lower step passing (0 loss, p99 ${rule === 'painted' ? 'send → painted' : 'applied'} ≤ ${SUSTAINABLE.maxP99Ms} ms, no long task > ${SUSTAINABLE.maxLongTaskMs} ms)${rule === 'painted' ? ' — the strict rule' : ''}`,
      measured: `${max === 0 ? 'none of the steps' : `${int(max)} ev/s`} (highest step with every step up to it passed)${above.length ? `; ${above.map(int).join(', ')} ev/s passed above a failed step and do not count` : ''}`,
      met: max >= TARGETS.maxRate,
    })
  }
  const path1k = stepAt(steps, 'ours', 1000)
  const ratio =
    at1k?.applied.p99 != null && path1k?.applied.p99 ? at1k.applied.p99 / path1k.applied.p99 : null
  out.push({
    target: `App p99 applied at 1,000 ev/s within ${TARGETS.p99RatioVsDataPath}× of the bare data path (a)`,
    measured:
      ratio === null
        ? 'not measured'
        : `${fmt(ratio, 2)}× (${fmt(at1k?.applied.p99)} ms against ${fmt(path1k?.applied.p99)} ms)`,
    met: ratio === null ? null : ratio <= TARGETS.p99RatioVsDataPath,
  })
  const flood = app(TARGETS.overloadRate)
  const click = flood?.pause?.click
  out.push({
    target: `Under ${int(TARGETS.overloadRate)} ev/s a click on "Pause live" is painted within ${TARGETS.pauseAnswerMs} ms`,
    measured: !flood
      ? 'not measured'
      : click?.inputToPaintMs != null
        ? `${fmt(click.inputToPaintMs, 0)} ms input → painted (Event Timing: ${click.eventTimingMs === null ? 'under 16 ms' : `${fmt(click.eventTimingMs, 0)} ms`})`
        : 'no answer within 10 s',
    met: flood ? (click?.inputToPaintMs ?? Infinity) <= TARGETS.pauseAnswerMs : null,
  })
  out.push({
    target: `Under ${int(TARGETS.overloadRate)} ev/s the header says the page is behind`,
    measured: !flood ? 'not measured' : (flood.pause?.behindText ?? 'nothing said'),
    met: flood ? /behind/.test(flood.pause?.behindText ?? '') : null,
  })
  const soak = results.soaks[0]
  out.push({
    target: `Heap growth ≤ ${TARGETS.soakGrowthMB} MB over the soak`,
    measured: soak
      ? `${fmt(soak.growthMB)} MB over ${fmt(soak.minutes, 1)} min of ${pageShort(soak.page)} (second half: ${fmt(soak.secondHalfGrowthMB)} MB)`
      : 'not measured',
    met: soak?.growthMB != null ? soak.growthMB <= TARGETS.soakGrowthMB : null,
  })
  for (const run of [results, ...extra]) {
    const busy = run.settings.busy ?? 0
    const limit = busy > 0 ? TARGETS.firstShownBusyMs : TARGETS.firstShownMs
    const cold = run.cold.find((c) => c.page === 'app')
    const shown = cold ? firstData(cold) : null
    out.push({
      target: `App: navigation → first data on screen ≤ ${limit} ms, ${busy > 0 ? `with ${busy} busy process${busy === 1 ? '' : 'es'}` : 'quiet'}`,
      measured: shown
        ? `${fmt(shown.ms, 0)} ms, median of ${shown.runs} (${shown.what}; first applied event ${fmt(median(cold?.firstAppliedMs ?? []), 0)} ms)`
        : 'not measured',
      met: shown ? shown.ms <= limit : null,
    })
  }
  const second = results.secondTab?.find((c) => c.page === 'app')
  const secondShown = second ? firstData(second) : null
  out.push({
    target: `App: a second tab opened while one is live, navigation → first data on screen ≤ ${TARGETS.secondTabMs} ms`,
    measured: secondShown
      ? `${fmt(secondShown.ms, 0)} ms, median of ${secondShown.runs} (${secondShown.what}; first applied event ${fmt(median(second?.firstAppliedMs ?? []), 0)} ms; API requests while it opened: ${second?.requests.join(', ')})`
      : 'not measured',
    met: secondShown ? secondShown.ms <= TARGETS.secondTabMs : null,
  })
  const tabs = results.multiTab?.find(
    (r) => r.page === 'app' && r.tabs === TARGETS.multiTabs && r.rate === TARGETS.multiTabRate,
  )
  out.push({
    target: `App: ${TARGETS.multiTabs} tabs at ${int(TARGETS.multiTabRate)} ev/s in total, every tab by the strict rule (0 loss, p99 send → painted ≤ ${SUSTAINABLE.maxP99Ms} ms, no long task > ${SUSTAINABLE.maxLongTaskMs} ms)`,
    measured: tabs
      ? `${tabs.perTab.filter((t) => t.strict).length} of ${tabs.tabs} tabs passed; painted p99 per tab ${tabs.perTab.map((t) => fmt(t.painted.p99, 0)).join(' / ')} ms; longest task ${fmt(tabs.overall.longTasks.maxMs, 0)} ms`
      : 'not measured',
    met: tabs ? tabs.strict : null,
  })
  const rev = baselinePage(results)
  if (rev) {
    const base1k = stepAt(steps, rev, 1000)
    const r =
      at1k?.painted.p99 != null && base1k?.painted.p99
        ? at1k.painted.p99 / base1k.painted.p99
        : null
    out.push({
      target: `App painted p99 at 1,000 ev/s within ${TARGETS.paintedRatioVsBaseline}× of \`${rev}\``,
      measured:
        r === null
          ? 'not measured'
          : `${fmt(r, 2)}× (${fmt(at1k?.painted.p99)} ms against ${fmt(base1k?.painted.p99)} ms)`,
      met: r === null ? null : r <= TARGETS.paintedRatioVsBaseline,
    })
  }
  const profile = profiles?.find((p) => p.page === 'app')
  out.push({
    target: `Profile at ${int(TARGETS.maxRate)} ev/s: no eventsource-parser or valibot frame on the app page's main thread`,
    measured: profile
      ? `${profile.main.parserSamples} eventsource-parser and ${profile.main.valibotSamples} valibot samples of ${profile.main.samples} (commit ${profile.commit}, ${int(profile.rate)} ev/s)`
      : 'not measured (`--profile`)',
    met: profile ? profile.main.parserSamples + profile.main.valibotSamples === 0 : null,
  })
  return out
}

/**
 * Where a page's true max sustainable rate lies: from the step it passed up to the next step
 * (exclusive); below the lowest step when it passed none, unbounded above the highest step.
 */
export function sustainableRange(
  steps: readonly StepResult[],
  page: PageName,
  rates: readonly number[],
): { low: number; high: number | null } {
  const sorted = [...rates].sort((a, b) => a - b)
  const max = maxSustainable(steps, page)
  const next = sorted.find((rate) => rate > max)
  return { low: max, high: next ?? null }
}

/** The app's max rate over a page's, as a range: lower bound first. */
export function rateRatioRange(
  app: { low: number; high: number | null },
  page: { low: number; high: number | null },
): string {
  if (app.low === 0) return '–'
  const lower = page.high === null ? null : app.low / page.high
  const upper = app.high === null || page.low === 0 ? null : app.high / page.low
  const x = (n: number) => `${n >= 10 ? fmt(n, 0) : n >= 1 ? fmt(n, 1) : fmt(n, 2)}×`
  if (lower === null) return `at most ${upper === null ? '–' : x(upper)}`
  return `${x(lower)} – ${upper === null ? 'unbounded' : x(upper)}`
}

function ratiosTable(results: BenchResults): string {
  const { steps } = results
  const rates = results.settings.rates
  const appRange = sustainableRange(steps, 'app', rates)
  const app1k = stepAt(steps, 'app', 1000)
  const lines = [
    '| Page | Max sustainable (ev/s) | App ÷ page, max rate (range) | p99 applied at 1,000 ev/s (ms) | Page ÷ app, p99 applied at 1,000 ev/s | Page ÷ app, p99 applied over the steps both sustained (range) |',
    '|---|---:|---|---:|---:|---|',
  ]
  for (const page of results.settings.pages) {
    const range = sustainableRange(steps, page, rates)
    const at1k = stepAt(steps, page, 1000)
    const swamped = at1k !== undefined && !at1k.responsive
    const p99 = at1k?.applied.p99 ?? null
    const both = steps.filter(
      (s) => s.page === page && s.sustainable && stepAt(steps, 'app', s.rate)?.sustainable,
    )
    const ratios = both
      .map((s) => (s.applied.p99 ?? 0) / (stepAt(steps, 'app', s.rate)?.applied.p99 ?? Infinity))
      .filter((n) => Number.isFinite(n) && n > 0)
    const over =
      page === 'app'
        ? '1×'
        : ratios.length === 0
          ? '–'
          : `${fmt(Math.min(...ratios), 2)}× – ${fmt(Math.max(...ratios), 2)}× (${ratios.length} ${ratios.length === 1 ? 'step' : 'steps'})`
    lines.push(
      [
        pageLabel(page),
        range.low === 0 ? `none (< ${int(Math.min(...rates))})` : int(range.low),
        page === 'app' ? '1×' : rateRatioRange(appRange, range),
        swamped ? 'swamped' : fmt(p99),
        page === 'app'
          ? '1×'
          : swamped
            ? 'swamped'
            : p99 === null || !app1k?.applied.p99
              ? '–'
              : `${fmt(p99 / app1k.applied.p99, 2)}×`,
        over,
      ]
        .join(' | ')
        .replace(/^/, '| ') + ' |',
    )
  }
  return lines.join('\n')
}

/** A step's pass by one rule, saying when a pass does not count because a lower step failed. */
function passCell(steps: readonly StepResult[], step: StepResult, rule: Rule): string {
  if (step.strict === undefined && rule === 'painted') return '–'
  if (!stepPassed(step, rule)) return `no: ${failure(step, rule)}`
  return step.rate > maxSustainable(steps, step.page, rule)
    ? 'yes, not sustained (a lower step failed)'
    : 'yes'
}

function tabFailure(tab: TabResult): string {
  if (!tab.responsive) return 'tab unresponsive'
  const reasons: string[] = []
  if (tab.loss > SUSTAINABLE.maxLoss) reasons.push(`loss ${pct(tab.loss)}`)
  if (tab.painted.p99 === null || tab.painted.p99 > SUSTAINABLE.maxP99Ms)
    reasons.push(`painted p99 ${fmt(tab.painted.p99, 0)} ms`)
  if ((tab.longTasks.maxMs ?? 0) > SUSTAINABLE.maxLongTaskMs)
    reasons.push(`long task ${fmt(tab.longTasks.maxMs, 0)} ms`)
  return reasons.join(', ')
}

const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a == null || b == null || b === 0 ? '–' : `${fmt(a / b, 2)}×`

/** The baseline page of a run (`app@REV`), if any. */
export function baselinePage(results: BenchResults): PageName | undefined {
  return results.settings.pages.find((page) => baselineRev(page) !== null)
}

/** App and app@REV step by step: painted p99 and CPU, their ratios, and each page's verdicts. */
export function baselineSection(results: BenchResults): string {
  const rev = baselinePage(results)
  if (!rev) return 'No baseline in this run (`--baseline REV`).'
  const { steps } = results
  const m = results.machine
  const lines = [
    `\`app\` is commit ${m.commit}${m.srcChanged ? ' with uncommitted changes in src/ or server/' : ''}; \`${rev}\` is commit ${m.baseline?.commit ?? baselineRev(rev)} (${m.baseline?.subject ?? '–'}), built from that revision's own sources and config with the same dependencies and served the same way. At every step both ran one after the other on the same source (which goes first alternates), each in a fresh browser.`,
    '',
    `| Rate (ev/s) | Painted p99 app / ${rev} (ms) | app ÷ ${rev}, painted p99 | Applied p99 app / ${rev} (ms) | CPU app / ${rev} (cores) | app ÷ ${rev}, CPU | Long tasks app / ${rev} (max ms) | Strict pass app / ${rev} | Others' CPU app / ${rev} (cores) |`,
    '|---:|---|---:|---|---|---:|---|---|---|',
  ]
  const yes = (s: StepResult | undefined, rule: Rule) =>
    !s
      ? '–'
      : stepPassed(s, rule)
        ? s.rate > maxSustainable(steps, s.page, rule)
          ? 'yes*'
          : 'yes'
        : 'no'
  for (const rate of results.settings.rates) {
    const a = stepAt(steps, 'app', rate)
    const b = stepAt(steps, rev, rate)
    if (!a && !b) continue
    lines.push(
      `| ${int(rate)} | ${fmt(a?.painted.p99)} / ${fmt(b?.painted.p99)} | ${ratio(a?.painted.p99, b?.painted.p99)} | ${fmt(a?.applied.p99)} / ${fmt(b?.applied.p99)} | ${fmt(a?.cpu?.ownCores, 2)} / ${fmt(b?.cpu?.ownCores, 2)} | ${ratio(a?.cpu?.ownCores, b?.cpu?.ownCores)} | ${a?.longTasks.count ?? '–'}, ${fmt(a?.longTasks.maxMs, 0)} / ${b?.longTasks.count ?? '–'}, ${fmt(b?.longTasks.maxMs, 0)} | ${yes(a, 'painted')} / ${yes(b, 'painted')} | ${fmt(a?.cpu?.otherCores, 2)} / ${fmt(b?.cpu?.otherCores, 2)} |`,
    )
  }
  const sustained = (page: PageName, rule: Rule) => {
    const max = maxSustainable(steps, page, rule)
    return max === 0 ? 'none' : `${int(max)} ev/s`
  }
  lines.push(
    '',
    '"yes*": the step passed, but a lower step of the same page failed, so the page is not said to sustain it.',
    'CPU is everything the bench ran during the window (the Node runner with the load source, the whole',
    'browser with its renderer, GPU and worker threads), in cores; the load source is the same for both pages.',
    '',
    '| Page | Highest sustained step, p99 applied ≤ 100 ms | Highest sustained step, strict (p99 painted ≤ 100 ms) |',
    '|---|---|---|',
    ...['app' as PageName, rev].map(
      (page) => `| \`${page}\` | ${sustained(page, 'applied')} | ${sustained(page, 'painted')} |`,
    ),
  )
  return lines.join('\n')
}

/** The multi-tab step: every tab of every page measured, and all tabs together. */
export function multiTabSection(results: BenchResults): string {
  const runs = results.multiTab ?? []
  if (runs.length === 0) return 'No multi-tab step in this run (`--tabs 0`).'
  const out: string[] = []
  for (const run of runs) {
    out.push(
      `**\`${run.page}\`, ${run.tabs} tabs at ${int(run.rate)} ev/s in total** (sent ${int(run.achievedRate)}/s over ${fmt(run.windowSeconds, 1)} s; every tab gets every event): ${run.strict ? '**every tab passed the strict rule**' : `**${run.perTab.filter((t) => !t.strict).length} of ${run.tabs} tabs failed the strict rule**`}. Streams the backend opened: ${run.streams.opened}; CPU bench ${fmt(run.cpu?.ownCores, 2)}, others ${fmt(run.cpu?.otherCores, 2)}${run.cpu?.busyCores !== undefined ? `, busy ${fmt(run.cpu.busyCores, 2)}` : ''} cores${(run.attempts ?? 1) > 1 ? ` (best of ${run.attempts} runs)` : ''}.${run.notes.length ? ` Notes: ${run.notes.join('; ')}.` : ''}`,
      '',
      '| Tab | Engine | Delivered | Applied p50 / p99 (ms) | Painted p50 / p95 / p99 (ms) | Long tasks (n, max ms) | Dropped frames | Strict |',
      '|---:|---|---:|---|---|---|---:|---|',
      ...run.perTab.map(
        (t) =>
          `| ${t.tab} | ${t.engine ?? '–'} | ${pct(1 - t.loss)} (${int(t.delivered)}/${int(t.sent)})${t.duplicates ? `, ${t.duplicates} twice` : ''} | ${fmt(t.applied.p50)} / ${fmt(t.applied.p99)} | ${fmt(t.painted.p50)} / ${fmt(t.painted.p95)} / ${fmt(t.painted.p99)} | ${t.longTasks.count}, ${fmt(t.longTasks.maxMs, 0)} | ${t.frames.dropped} / ${t.frames.frames + t.frames.dropped} | ${t.strict ? 'yes' : `no: ${tabFailure(t)}`} |`,
      ),
      `| all | | worst ${pct(1 - run.overall.loss)} | ${fmt(run.overall.applied.p50)} / ${fmt(run.overall.applied.p99)} | ${fmt(run.overall.painted.p50)} / ${fmt(run.overall.painted.p95)} / ${fmt(run.overall.painted.p99)} | ${run.overall.longTasks.count}, ${fmt(run.overall.longTasks.maxMs, 0)} | | ${run.strict ? 'yes' : 'no'} |`,
      '',
    )
  }
  out.push(
    "The tabs are opened one after the other in one browser context (one user's browser: they share",
    'its SharedWorker, Web Locks and BroadcastChannel), each live before the next opens; the window',
    'starts once all are warm. "all" pools every tab\'s latencies; its loss is the worst tab\'s.',
  )
  return out.join('\n')
}

/** A second tab opened while one is live: navigation → first data of that tab. */
export function secondTabTable(results: BenchResults): string {
  const rows = results.secondTab ?? []
  if (rows.length === 0) return 'Not measured in this run.'
  const range = (values: number[]) =>
    values.length === 0
      ? '–'
      : `${fmt(median(values), 0)} (${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)})`
  return [
    "| Page | Second tab: navigation → first data on screen, median (min–max) ms | → first applied event, median (min–max) ms | → first live event, median ms | API requests while it opened (per run) | Streams opened for it (per run) | Others' CPU (cores) |",
    '|---|---|---|---:|---|---|---:|',
    ...rows.map(
      (r) =>
        `| \`${r.page}\` | ${range(r.firstShownMs ?? [])} | ${range(r.firstAppliedMs)} | ${fmt(median(r.firstLiveMs), 0)} | ${r.requests.join(', ') || '–'} | ${r.streamsOpened.join(', ') || '–'} | ${fmt(r.cpu?.otherCores, 2)} |`,
    ),
    '',
    'The first tab is opened and live for 2 s, then a second tab of the same page is opened in the same',
    'browser context. "First data on screen" is the first frame that shows the dashboard\'s equity',
    'figure; "first applied event" is the first event of any id in its stores (what the engine hands a',
    'new tab counts); "API requests" counts every request the backend got (status, history, streams) from',
    "the second tab's navigation until its first live event — 0 means the tab asked the backend nothing.",
  ].join('\n')
}

/** The profile at one rate (`--profile`), from bench/results/profile.json when it is there. */
export function profileSection(profiles: readonly ProfileSummary[] | null): string {
  if (!profiles || profiles.length === 0)
    return 'No profile recorded: `npm run bench -- --profile 20000 --pages app --baseline REV` writes `bench/results/profile.json`.'
  const out: string[] = []
  for (const p of profiles) {
    const main = p.main
    const libs =
      main.parserSamples + main.valibotSamples === 0
        ? '**no eventsource-parser or valibot frame** on any sample'
        : `**eventsource-parser on ${main.parserSamples} and valibot on ${main.valibotSamples} of ${main.samples} samples** (self time ${fmt(main.parserMsPerSecond)} and ${fmt(main.valibotMsPerSecond)} ms per second)`
    out.push(
      `**\`${p.page}\`** (commit ${p.commit}) at ${int(p.rate)} ev/s, ${fmt(main.seconds, 1)} s sampled every 1 ms, taken ${p.takenAt}: the page's main thread is busy ${main.busyMsPerSecond} ms per second, with ${libs}.`,
    )
    if (p.workers.length > 0) {
      for (const w of p.workers)
        out.push(
          `- Worker thread ${w.thread}: busy ${w.busyMsPerSecond} ms per second; eventsource-parser on ${w.parserSamples} and valibot on ${w.valibotSamples} of ${w.samples} samples (self ${fmt(w.parserMsPerSecond)} and ${fmt(w.valibotMsPerSecond)} ms/s). Heaviest modules: ${w.modules
            .slice(0, 5)
            .map(([m, ms]) => `${m} ${fmt(ms)}`)
            .join(', ')}.`,
        )
    } else {
      out.push(
        `- Worker threads: ${p.workerNote ?? 'none was running for this page (its engine is on the page)'}.`,
      )
    }
    out.push(
      `- Heaviest modules on the main thread (self ms per second): ${main.modules
        .slice(0, 8)
        .map(([m, ms]) => `${m} ${fmt(ms)}`)
        .join(', ')}.`,
      '',
    )
  }
  out.push(
    "The profile is V8's sampling CPU profiler over CDP on the page's own target; worker threads are",
    "separate targets, profiled over the browser's CDP session where Chromium lets it attach to them.",
    'Frames are named through the source maps of an unminified build, so library frames are',
    'recognised by their module path, on the stack of any sample, not only at its top.',
  )
  return out.join('\n')
}

/** Another run of the same comparison with `--busy N` (or any second run), reported beside this one. */
function companionSection(extra: readonly BenchResults[]): string {
  if (extra.length === 0) return ''
  return extra
    .map((r) => {
      const m = r.machine
      const title = r.settings.busy
        ? `## The same comparison with ${r.settings.busy} CPU-bound process${r.settings.busy === 1 ? '' : 'es'} running (\`--busy ${r.settings.busy}\`)`
        : '## Another run of the same comparison, without busy processes'
      return [
        title,
        '',
        `From \`${r.file ?? `bench/results/${r.date}.json`}\`: commit ${m.commit}, ${r.startedAt} → ${r.finishedAt}; ${r.settings.stepSeconds} s measured per step after ${r.settings.warmupSeconds} s of warm-up. Busy processes' CPU: ${busyCores(r).replace(/^; they used /, '') || '–'}. Other processes' CPU: ${interference(r)}. Load average: start ${m.loadStart.join(' / ')}, end ${m.loadEnd.join(' / ')}.`,
        '',
        disturbance(r),
        '',
        baselineSection(r),
        '',
        '### Multi-tab step',
        '',
        multiTabSection(r),
        '',
        '### Cold starts',
        '',
        coldTable(r),
        '',
        secondTabTable(r),
        '',
        ...r.settings.pages.map((page) => `### ${pageLabel(page)}\n\n${pageTable(r, page)}\n`),
      ].join('\n')
    })
    .join('\n\n')
}

function pauseTable(results: BenchResults): string {
  const rows = results.steps.filter((s) => s.page === 'app' && s.pause)
  if (rows.length === 0) return 'The app was not measured in this run.'
  return [
    '| Rate (ev/s) | Header at the end of the window | "Pause live": input → painted (ms) | input → DOM (ms) | Event Timing duration (ms) |',
    '|---:|---|---:|---:|---:|',
    ...rows.map((s) => {
      const click = s.pause?.click
      return `| ${int(s.rate)} | ${s.pause?.behindText ?? 'keeping up (no "behind" note)'} | ${click ? fmt(click.inputToPaintMs, 0) : 'no answer within 10 s'} | ${click ? fmt(click.inputToDomMs, 0) : '–'} | ${click ? (click.eventTimingMs === null ? '< 16' : fmt(click.eventTimingMs, 0)) : '–'} |`
    }),
  ].join('\n')
}

/** The server bench's headline figures, read from its own generated report. */
export function serverSection(): string {
  if (!existsSync(serverReport))
    return 'Not measured yet: `npm run bench:server` writes [benchmarks-server.md](benchmarks-server.md).'
  const text = readFileSync(serverReport, 'utf8')
  const rows = text
    .split('\n')
    .filter((line) => /^\| [^-|][^|]* \| .* \|$/.test(line) && !line.startsWith('| figure'))
  // The report's setup bullets, each with its continuation lines joined.
  const bullets: string[] = []
  const setupStart = text.indexOf('## Setup')
  const setupEnd = text.indexOf('\n## ', setupStart + 1)
  for (const line of text.slice(setupStart, setupEnd < 0 ? undefined : setupEnd).split('\n')) {
    if (line.startsWith('- ')) bullets.push(line)
    else if (/^\s+\S/.test(line) && bullets.length > 0)
      bullets[bullets.length - 1] += ` ${line.trim()}`
  }
  const machine = text.split('\n').filter((line) => /^- (Machine|Everything runs)/.test(line))
  const setup = [...machine, ...(setupStart < 0 ? [] : bullets)]
  return [
    'Measured separately by `npm run bench:server`; this section quotes its generated report,',
    '[benchmarks-server.md](benchmarks-server.md), as it stands in the commit measured.',
    '',
    ...setup,
    '',
    '| figure | value |',
    '| --- | --- |',
    ...rows,
  ].join('\n')
}

function coldTable(results: BenchResults): string {
  const lines = [
    '| Page | First data on screen, median (min–max) ms | First applied event, median (min–max) ms | First live event, median ms | Script running | DOMContentLoaded | config.json answered | /status reached the server | first /history reached the server | /status answered (page) | /history answered (page) |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  const range = (values: number[]) =>
    values.length === 0
      ? '–'
      : `${fmt(median(values), 0)} (${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)})`
  const mid = (values: (number | null | undefined)[]) =>
    fmt(median(values.filter((v): v is number => typeof v === 'number')), 0)
  const ended = (cold: ColdStart, path: string, pick: 'first' | 'last') =>
    mid(
      (cold.startup ?? []).map((run) => {
        const hits = run.requests.filter(([name]) => name.includes(path))
        return (pick === 'first' ? hits[0] : hits.at(-1))?.[2]
      }),
    )
  const arrived = (cold: ColdStart, path: string) =>
    mid((cold.startup ?? []).map((run) => run.arrived?.find(([name]) => name.includes(path))?.[1]))
  for (const cold of results.cold) {
    const startup = cold.startup ?? []
    lines.push(
      [
        pageLabel(cold.page),
        range(cold.firstShownMs ?? []),
        range(cold.firstAppliedMs),
        fmt(median(cold.firstLiveMs), 0),
        mid(startup.map((run) => run.scriptMs)),
        mid(startup.map((run) => run.domContentLoadedMs)),
        ended(cold, 'config.json', 'first'),
        arrived(cold, '/sse/status'),
        arrived(cold, '/history'),
        ended(cold, '/sse/status', 'first'),
        ended(cold, '/history', 'last'),
      ]
        .join(' | ')
        .replace(/^/, '| ') + ' |',
    )
  }
  return `${lines.join('\n')}\n\nAll columns are ms after navigation start, medians over the runs; "–" where a page makes no such request. "Reached the server" is the bench server's clock, so it sees the requests of an engine in a worker, which the page's own resource timing does not.`
}

function soakText(results: BenchResults): string {
  if (results.soaks.length === 0) return 'No soak in this run (`--soak-minutes 0`).'
  return results.soaks
    .map((s) =>
      [
        `${pageLabel(s.page)} at ${int(s.rate)} ev/s for ${fmt(s.minutes, s.minutes < 1 ? 2 : 0)} min: ${int(s.delivered)} of ${int(s.sent)} events applied (${pct(1 - s.loss)}),`,
        `send → applied p50 / p99 ${fmt(s.applied.p50)} / ${fmt(s.applied.p99)} ms, painted p99 ${fmt(s.painted.p99)} ms,`,
        `${s.longTasks.count} long tasks (max ${fmt(s.longTasks.maxMs, 0)} ms), ${s.frames.dropped} dropped frames;`,
        `CPU: bench ${fmt(s.cpu?.ownCores, 2)} cores, other processes ${fmt(s.cpu?.otherCores, 2)} cores.`,
        `Heap after forced GC: ${fmt(s.heapStartMB)} MB at the start, ${fmt(s.heapEndMB)} MB at the end:`,
        `**${fmt(s.growthMB)} MB growth**, of which ${fmt(s.secondHalfGrowthMB)} MB in the second half.`,
        '',
        '| Minute | ' + s.samples.map(([m]) => fmt(m, 1)).join(' | ') + ' |',
        '|---|' + s.samples.map(() => '---:').join('|') + '|',
        '| Heap (MB) | ' + s.samples.map(([, mb]) => fmt(mb)).join(' | ') + ' |',
      ].join('\n'),
    )
    .join('\n\n')
}

function shortfalls(results: BenchResults, list: Verdict[]): string {
  const lines = list
    .filter((v) => v.met === false)
    .map((v) => `- **${v.target}**: measured ${v.measured}.`)
  for (const step of results.steps.filter((s) => s.page === 'app' && !s.sustainable))
    lines.push(`- At ${int(step.rate)} ev/s the app does not pass: ${failure(step)}.`)
  for (const step of results.steps.filter(
    (s) => s.page === 'app' && s.sustainable && s.strict === false,
  ))
    lines.push(
      `- At ${int(step.rate)} ev/s the app passes on applied but not by the strict rule: ${failure(step, 'painted')}.`,
    )
  for (const run of (results.multiTab ?? []).filter((r) => r.page === 'app' && !r.strict))
    lines.push(
      `- ${run.tabs} tabs at ${int(run.rate)} ev/s: ${run.perTab.filter((t) => !t.strict).length} of ${run.tabs} tabs fail the strict rule (${run.perTab
        .filter((t) => !t.strict)
        .map((t) => `tab ${t.tab}: ${tabFailure(t)}`)
        .join('; ')}).`,
    )
  if (lines.length === 0) return 'Every target was met in this run.'
  return lines.join('\n')
}

/**
 * A warning when other processes took more CPU than the set limit in the windows that were kept:
 * on a shared 2-core machine that is a disturbed measurement, and the page says so.
 */
export function disturbance(results: BenchResults): string {
  const limit = results.settings.maxOtherCores ?? 0.3
  const windows: { what: string; others: number }[] = [
    ...results.steps.map((s) => ({
      what: `${s.page} @ ${int(s.rate)}`,
      others: s.cpu?.otherCores,
    })),
    ...(results.multiTab ?? []).map((r) => ({
      what: `${r.page} × ${r.tabs} tabs`,
      others: r.cpu?.otherCores,
    })),
  ].filter((w): w is { what: string; others: number } => typeof w.others === 'number')
  const over = windows.filter((w) => w.others > limit)
  if (over.length === 0) return ''
  const worst = Math.max(...over.map((w) => w.others))
  return `**Disturbed run:** in ${over.length} of ${windows.length} measured windows other processes (not the bench) still used more than ${limit} cores after the retries, up to ${fmt(worst, 2)} of the machine's ${results.machine.nproc} (${over
    .slice(0, 12)
    .map((w) => `${w.what}: ${fmt(w.others, 2)}`)
    .join(
      ', ',
    )}${over.length > 12 ? ', …' : ''}). Those windows' latencies and long tasks are partly other people's work; compare the pages within a step (they ran back to back) rather than with another run.`
}

/** Other processes' CPU over the steps' windows, the soak and the cold starts, in words. */
function interference(results: BenchResults): string {
  const others = results.steps
    .map((s) => s.cpu?.otherCores)
    .filter((n): n is number => typeof n === 'number')
  const repeated = results.steps.filter((s) => (s.attempts ?? 1) > 1).length
  const parts = [
    others.length
      ? `steps: median ${fmt(median(others), 2)}, max ${fmt(Math.max(...others), 2)} cores`
      : 'steps: not measured',
  ]
  if (results.settings.maxOtherCores !== undefined) {
    parts.push(
      `${repeated} step(s) run again for passing ${results.settings.maxOtherCores} cores (up to ${results.settings.retries} retries, least disturbed run kept)`,
    )
  }
  const soak = results.soaks[0]
  if (soak?.cpu) parts.push(`soak: ${fmt(soak.cpu.otherCores, 2)} cores`)
  const cold = results.cold
    .map((c) => c.cpu?.otherCores)
    .filter((n): n is number => typeof n === 'number')
  if (cold.length) parts.push(`cold starts: up to ${fmt(Math.max(...cold), 2)} cores`)
  const second = (results.secondTab ?? [])
    .map((c) => c.cpu?.otherCores)
    .filter((n): n is number => typeof n === 'number')
  if (second.length) parts.push(`second tabs: up to ${fmt(Math.max(...second), 2)} cores`)
  const tabs = (results.multiTab ?? [])
    .map((r) => r.cpu?.otherCores)
    .filter((n): n is number => typeof n === 'number')
  if (tabs.length) parts.push(`multi-tab steps: up to ${fmt(Math.max(...tabs), 2)} cores`)
  return parts.join('; ')
}

function busyCores(results: BenchResults): string {
  const used = results.steps
    .map((s) => s.cpu?.busyCores)
    .filter((n): n is number => typeof n === 'number')
  return used.length
    ? `; they used ${fmt(median(used), 2)} cores (median over the steps' windows)`
    : ''
}

function machineTable(results: BenchResults): string {
  const m = results.machine
  const s = results.settings
  return [
    '| | |',
    '|---|---|',
    `| Date | ${results.startedAt} → ${results.finishedAt}${results.quick ? ' (quick run)' : ''} |`,
    `| Commit | ${m.commit}${m.srcChanged ? ' (with uncommitted changes in src/ or server/)' : ''}${m.baseline ? `; baseline \`app@${m.baseline.commit}\` (\`--baseline ${m.baseline.rev}\`: ${m.baseline.subject})` : ''} |`,
    `| Busy processes (\`--busy\`) | ${s.busy ? `${s.busy} CPU-bound Node process${s.busy === 1 ? '' : 'es'} (\`for(;;){}\`) during steps, the multi-tab step and cold starts${busyCores(results)}` : 'none'} |`,
    `| CPU | ${m.nproc} × ${m.cpuModel} (shared with other work) |`,
    `| Memory | ${m.memoryGB} GB (${m.freeMemoryGB} GB free at start) |`,
    `| Load average (1/5/15 min) | start ${m.loadStart.join(' / ')}, end ${m.loadEnd.join(' / ')} (the bench's own browser threads count too) |`,
    `| Other processes' CPU during the measured windows | ${interference(results)} |`,
    `| Chromium | ${m.chromium} (Debian, headless, \`${CHROMIUM_ARGS.join(' ')}\`) |`,
    `| Node | ${m.node} (runs the load source in the same machine) |`,
    `| Steps | ${s.rates.map(int).join(', ')} ev/s; ${s.warmupSeconds} s warm-up + ${s.stepSeconds} s measured each, fresh page per step${!results.quick && s.stepSeconds < 10 ? ` (cut from the default 10 s to keep the whole run short: at the lowest step the slowest 1 % is ${int(s.stepSeconds * Math.min(...s.rates) * 0.01)} events)` : ''} |`,
    `| Multi-tab step | ${s.multiTab ? `${s.multiTab.tabs} tabs at ${int(s.multiTab.rate)} ev/s in total, ${s.warmupSeconds} s warm-up + ${s.stepSeconds} s measured` : 'not run'} |`,
    `| Soak | ${s.soakMinutes} min at ${int(s.soakRate)} ev/s |`,
  ].join('\n')
}

const METHOD = `## What is measured, and how

Every number comes from \`npm run bench\` (\`bench/run.ts\`); nothing here is timed by hand.

- **Load source.** A small SSE server in \`bench/lib/sseHub.ts\` on a loopback port, writing the
  wire format of \`docs/protocol.md\` as the dev backend does (CRLF, \`id:\` from one global
  sequence, JSON \`data\` with \`channel\` on the multiplexed stream, per-channel streams, \`/status\`,
  \`/history\`, resume after \`Last-Event-ID\`, slow clients dropped past 8 MB unsent). It is kept
  apart from \`server/\` so backend work in progress cannot change the bench. Every 10 ms the bench
  publishes what the total rate asks for since the last tick, round-robin over the four channels,
  with payloads from the dev backend's seeded simulator (\`server/simulator.ts\`, valid per the
  protocol; each step re-seeds it, so every page gets the same data), one socket write per stream
  per tick. The bench keeps a table of **send times by id**, stamped when the tick's text is handed
  to the sockets. Payloads carry no extra field: valibot's \`v.object\` strips unknown keys, and the
  id reaches every page anyway.
- **Pages.** The app itself and four small pages in \`bench/pages/\`, built by Vite as
  production code (\`bench/vite.config.ts\`), served from the same origin as the API:
  - **the app**: the production build of the repository (\`vite build\`, base \`/app/\`) at
    \`/market/realtime\` with a \`config.json\` pointing at the bench's API and \`debug\` on; the
    bench's recorder is injected before the app's scripts (\`bench/pages/probe.ts\`) and listens
    to the app's debug hook. It draws all its panels: KPIs, index table, breadth, the equity chart,
    the alert list, a card with a chart per training run and per backtest.
  - **(a) the bare data path**: the app's real modules — \`createRealtimeClient\` (fetch +
    eventsource-parser, one multiplexed stream, validation, resume bookkeeping, relay to other
    tabs) → \`useChannelFeeds\` → \`useSSE\` (one batch per animation frame) → the Pinia stores'
    \`apply\`/\`commit\` — drawing three ECharts line charts of ≤ 500 points (redrawn when a store's
    \`version\` moves), the index table and the 20 newest alerts.
  - **(b) naive**: four native \`EventSource\` objects (per-channel streams), \`JSON.parse\`, push
    into Vue \`reactive\` arrays (capped at 500 with \`shift\`), \`setOption\` on the channel's chart
    per event. Animation is off in every chart, which only helps this page.
  - **(c) VueUse, batched** (the fair baseline): \`useEventSource\` from @vueuse/core per channel;
    a \`watch\` on \`data\` parses and validates with the same valibot schemas and queues the event;
    the queue is applied to the same stores once per animation frame by the app's own frame
    batcher, one \`commit\` per batch. Same charts and lists as (a).
  - **(c′) VueUse, unbatched**: the same, but \`apply\` + \`commit\` per message, so the charts
    redraw per message — how such pages are usually written.
- **Applied** is when the event's store \`commit\` has returned: for the app and (a), the ids its own
  debug hook (\`window.__rtm\`) receives inside the frame batch are stamped in a microtask right
  after that batch (its \`commit\` done, Vue not yet rendered; no store action is wrapped, so the
  numbers carry no instrumentation inside Pinia); for the baselines, at the end of their handler's
  work. **Painted** is the first task after the rendering step that shows it: a \`MessageChannel\`
  message posted from inside the frame callback when the change was made in one (the app, (a), (c)), else from
  the next \`requestAnimationFrame\`. For the app, the change is made when its store publishes
  what it applied (the debug hook's \`published\` call): in the same frame while the page keeps
  up, at the render scheduler's turn while it is behind, so painted includes the time an event
  waited to be drawn. Page and runner clocks are aligned per page from 16
  requests to \`/bench/clock\`: the one with the shortest round trip between the network layer's
  request and first-byte times (Resource Timing) gives the offset (typically under 0.1 ms, round
  trip 0.5 ms).
- **Per step**: a fresh browser context, the source running at the rate, navigation, the first live
  event, warm-up, then a measured window. **Delivered** counts the window's events applied by the
  end of a drain (until all arrived, nothing moved for 2 s, or 5 s). Latencies are over delivered
  events of the window. **Long tasks** from \`PerformanceObserver('longtask')\` overlapping the
  window; **dropped frames** from a rAF loop: every gap over 1.5 × 16.7 ms counts the frames it
  misses. **Heap** is V8's used heap via CDP \`Runtime.getHeapUsage\` after
  \`HeapProfiler.collectGarbage\`, before the window and after the drain.
- **Passing a step** means zero loss, no long task (Chromium reports only tasks over 50 ms) and
  p99 ≤ ${SUSTAINABLE.maxP99Ms} ms, either from send to applied (the rule the steps were always held to) or from
  send to painted (**the strict rule**). A page **sustains** a rate when it passed that step and
  every lower step it ran: a pass above a failed step is shown ("yes, not sustained") but never
  counted. A page that lost more than 20 % or passed 10 s of p99 is not run at higher steps,
  except the app and a baseline build of it, which run every step.
- **Baseline** (\`--baseline REV\`): the revision's tree (\`git archive\`) is built by Vite with its own
  config and sources beside this checkout's node_modules, served under \`/rev-REV/\` with the same
  config.json, and measured as page \`app@REV\` at every step right after or before \`app\` (the
  order alternates), on the same load source. Ratios divide the app's figure by the baseline's.
- **Multi-tab step** (\`--tabs N\`): N tabs of one page in one browser context, each in a window of
  its own — tabs of one window are not drawn while another is in front (Chromium gives them a
  frame a second), so a paint rule means nothing there. The tabs open one after another, each
  live before the next; the source publishes the total rate over the four channels and every
  tab receives every event. Each tab is held to the strict rule over the same window.
- **A second tab**: with one tab live for 2 s, a second tab of the page opens in the same context;
  its navigation → first applied event (what the engine hands it from its recent windows counts),
  and every request the backend got meanwhile.
- **Busy processes** (\`--busy N\`): N Node processes spinning (\`for(;;){}\`) from the first step to the
  last cold start, at the same priority as the browser; their CPU is counted apart from the
  bench's and from other processes'.
- **Profile** (\`--profile RATE\`): V8's sampling profiler (1 ms) over CDP on the page's target for
  one window, and on each worker target (the SharedWorker engine) over the browser's CDP session,
  on an unminified build with source maps; the summary lands in \`bench/results/profile.json\`.
- **Soak**: the app (or (a) when the app is not run) at 1,000 ev/s; heap sampled every 30 s without forcing GC, and after a forced GC
  at the start, the middle and the end. **Cold start**: fresh contexts (empty cache) opened while
  the source runs at 100 ev/s on a backend with history; time from navigation start to the first
  applied event (a history backfill counts), to the first event published after the page was
  opened, and to the first data on screen: a MutationObserver sees the dashboard's equity figure
  enter the page, and the stamp is taken in a task after the frame that draws it (that frame when
  it was added while a frame rendered, as Vue renders in a frame's microtasks; else the next).
  The recorder announces these on the console, where the runner listens: waiting with a page
  function would run Playwright's injected script in the page during its start-up.
- The load source, the browser and other engineers' test runs share the same 2 cores: at the
  higher rates the source's own CPU use competes with the page (the sent rate column shows what it
  achieved). Each window records the CPU the bench and every other process used (from \`/proc\`);
  a window with more than the set other load is run again and the least disturbed run kept,
  whatever its numbers. Numbers from such a machine are comparative, not absolute.`

async function renderPlot(
  results: BenchResults,
  file: string,
  browser: Browser | undefined,
): Promise<void> {
  const own =
    browser ?? (await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }))
  try {
    const page = await own.newPage({ viewport: { width: 1200, height: 420 }, deviceScaleFactor: 1 })
    await page.setContent(plotHtml(results))
    await page.locator('#plot').screenshot({ path: file })
    await page.close()
  } finally {
    if (!browser) await own.close()
  }
}

const COLORS: Record<string, string> = {
  app: '#7c3aed',
  ours: '#2563eb',
  native: '#dc2626',
  vueuseBatched: '#059669',
  vueuse: '#d97706',
}

/** A baseline build of the app is drawn in grey beside the app's purple. */
const colorOf = (page: PageName): string => COLORS[page] ?? '#6b7280'

/** Three panels in inline SVG: p99 latency vs rate, delivered vs rate, soak heap over time. */
export function plotHtml(results: BenchResults): string {
  const W = 380
  const H = 300
  const M = { l: 56, r: 12, t: 28, b: 42 }
  const rates = results.settings.rates
  const lx = (rate: number) =>
    M.l +
    ((Math.log10(rate) - Math.log10(Math.min(...rates))) /
      Math.max(1e-9, Math.log10(Math.max(...rates)) - Math.log10(Math.min(...rates)))) *
      (W - M.l - M.r)
  const yLog = (ms: number, lo: number, hi: number) =>
    H -
    M.b -
    ((Math.log10(Math.max(lo, Math.min(hi, ms))) - Math.log10(lo)) /
      (Math.log10(hi) - Math.log10(lo))) *
      (H - M.t - M.b)
  const yLin = (v: number, lo: number, hi: number) =>
    H - M.b - ((v - lo) / (hi - lo)) * (H - M.t - M.b)
  const axisX = rates
    .map(
      (r) =>
        `<text x="${lx(r)}" y="${H - M.b + 16}" text-anchor="middle">${r >= 1000 ? `${r / 1000}k` : r}</text>`,
    )
    .join('')
  const frame = (title: string, xLabel: string, inner: string) =>
    `<svg width="${W}" height="${H}" font-family="sans-serif" font-size="11">
      <text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${title}</text>
      <rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>
      ${inner}
      <text x="${W / 2}" y="${H - 6}" text-anchor="middle">${xLabel}</text></svg>`
  const pages = results.settings.pages
  const line = (points: [number, number][], color: string, dash = '') =>
    points.length === 0
      ? ''
      : `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${points.map(([x, y]) => `${x},${y}`).join(' ')}"/>` +
        points.map(([x, y]) => `<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`).join('')

  const [lo, hi] = [1, 100_000]
  const ticks = [1, 10, 100, 1000, 10_000, 100_000]
  const latencyInner =
    ticks
      .map(
        (t) =>
          `<text x="${M.l - 4}" y="${yLog(t, lo, hi) + 4}" text-anchor="end">${t >= 1000 ? `${t / 1000}k` : t}</text><line x1="${M.l}" x2="${W - M.r}" y1="${yLog(t, lo, hi)}" y2="${yLog(t, lo, hi)}" stroke="#eee"/>`,
      )
      .join('') +
    `<line x1="${M.l}" x2="${W - M.r}" y1="${yLog(100, lo, hi)}" y2="${yLog(100, lo, hi)}" stroke="#16a34a" stroke-dasharray="4 3"/><text x="${W - M.r - 2}" y="${yLog(100, lo, hi) - 3}" text-anchor="end" fill="#16a34a">100 ms</text>` +
    axisX +
    pages
      .map((page) => {
        const steps = results.steps.filter((s) => s.page === page && s.applied.p99 !== null)
        const painted = steps.filter((s) => s.painted.p99 !== null)
        return (
          line(
            steps.map((s) => [lx(s.rate), yLog(s.applied.p99 as number, lo, hi)]),
            colorOf(page),
          ) +
          line(
            painted.map((s) => [lx(s.rate), yLog(s.painted.p99 as number, lo, hi)]),
            colorOf(page),
            '5 4',
          )
        )
      })
      .join('')
  const deliveredInner =
    [0, 25, 50, 75, 100]
      .map(
        (t) =>
          `<text x="${M.l - 4}" y="${yLin(t, 0, 100) + 4}" text-anchor="end">${t}</text><line x1="${M.l}" x2="${W - M.r}" y1="${yLin(t, 0, 100)}" y2="${yLin(t, 0, 100)}" stroke="#eee"/>`,
      )
      .join('') +
    axisX +
    pages
      .map((page) => {
        const steps = results.steps.filter((s) => s.page === page)
        return line(
          steps.map((s) => [lx(s.rate), yLin((1 - s.loss) * 100, 0, 100)]),
          colorOf(page),
        )
      })
      .join('')
  const soak = results.soaks[0]
  let soakInner = `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no soak in this run</text>`
  if (soak) {
    const values = soak.samples.map(([, mb]) => mb).filter((mb): mb is number => mb !== null)
    const top = Math.max(10, Math.ceil((Math.max(...values) * 1.2) / 10) * 10)
    const span = Math.max(soak.minutes, ...soak.samples.map(([m]) => m))
    const sx = (m: number) => M.l + (m / span) * (W - M.l - M.r)
    const yt = [0, top / 4, top / 2, (3 * top) / 4, top]
    soakInner =
      yt
        .map(
          (t) =>
            `<text x="${M.l - 4}" y="${yLin(t, 0, top) + 4}" text-anchor="end">${t.toFixed(0)}</text><line x1="${M.l}" x2="${W - M.r}" y1="${yLin(t, 0, top)}" y2="${yLin(t, 0, top)}" stroke="#eee"/>`,
        )
        .join('') +
      [0, span / 2, span]
        .map(
          (m) =>
            `<text x="${sx(m)}" y="${H - M.b + 16}" text-anchor="middle">${m.toFixed(1)}</text>`,
        )
        .join('') +
      line(
        soak.samples
          .filter(([, mb]) => mb !== null)
          .map(([m, mb]) => [sx(m), yLin(mb as number, 0, top)]),
        colorOf(soak.page),
      )
  }
  const legend = pages
    .map(
      (page) =>
        `<span style="color:${colorOf(page)};margin-right:18px">■ ${pageLabel(page)}</span>`,
    )
    .join('')
  return `<!doctype html><html><body style="margin:0;background:#fff">
    <div id="plot" style="display:inline-block;padding:8px;background:#fff;font-family:sans-serif">
      <div style="font-size:12px;margin:0 0 4px 8px">${legend}</div>
      <div style="display:flex">
        ${frame('p99 send → applied (solid), → painted (dashed), ms', 'total events/s (log)', latencyInner)}
        ${frame('Delivered (%)', 'total events/s (log)', deliveredInner)}
        ${frame(soak ? `Soak heap, ${soak.page} at ${soak.rate}/s (MB)` : 'Soak heap (MB)', 'minutes', soakInner)}
      </div>
      <div style="font-size:11px;color:#555;margin:2px 0 0 8px">${results.date}, ${results.machine.nproc} cores shared, Chromium ${results.machine.chromium}, load ${results.machine.loadStart.join('/')} → ${results.machine.loadEnd.join('/')}</div>
    </div></body></html>`
}

/** The last `--profile` summary, if one was written. */
function readProfiles(): ProfileSummary[] | null {
  const file = fileURLToPath(new URL('../results/profile.json', import.meta.url))
  if (!existsSync(file)) return null
  return JSON.parse(readFileSync(file, 'utf8')) as ProfileSummary[]
}

export async function writeReport(
  results: BenchResults,
  dir: string,
  log: (line: string) => void,
  browser?: Browser,
  extra: readonly BenchResults[] = [],
): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const png = join(dir, 'benchmarks.png')
  await renderPlot(results, png, browser)
  const profiles = readProfiles()
  const list = verdicts(results, profiles, extra)
  const resultsPath =
    results.file ??
    (results.quick ? `bench/.out/${results.date}-quick.json` : `bench/results/${results.date}.json`)
  const m = results.machine
  const doc = `# Benchmarks

Generated by \`npm run bench\` from \`${resultsPath}\`${extra.length ? ` (and ${extra.map((r) => `\`${r.file ?? r.date}\``).join(', ')}, reported after the cold starts)` : ''}: commit ${m.commit}${m.srcChanged ? ' with uncommitted changes in src/ or server/' : ''}${m.baseline ? `, against \`app@${m.baseline.commit}\`` : ''}, ${results.startedAt} → ${results.finishedAt}${results.quick ? ' (quick run)' : ''}${results.settings.busy ? `, with ${results.settings.busy} CPU-bound process(es) running` : ''}.
Every sentence and figure below is computed from ${extra.length ? 'those files' : 'that file'}; the subject is the app's own production
page, measured side by side with the pages it is compared with, in one run on one machine.
Other processes' CPU during the measured windows: ${interference(results)}.

${disturbance(results)}

## Targets

| Target | Measured | Met |
|---|---|---|
${list.map((v) => `| ${v.target} | ${v.measured} | ${v.met === null ? '–' : v.met ? 'yes' : '**no**'} |`).join('\n')}

## Where the app falls short

${shortfalls(results, list)}

## The app against the app at ${m.baseline ? m.baseline.commit : 'an earlier commit'}

${baselineSection(results)}

## Several tabs at once

${multiTabSection(results)}

## Where the page's main thread spends its time

${profileSection(profiles)}

## The app against the other pages

${ratiosTable(results)}

"App ÷ page, max rate" divides the app's max sustainable rate by the page's. Each max lies between
the step a page passed and the next step, so the ratio is a range, lower bound first. The latency
columns divide the page's p99 send → applied by the app's at the same rate (above 1× the page is slower).

![p99 latency and delivery per rate, and heap during the soak](benchmarks.png)

## The app under load: its header and "Pause live"

${pauseTable(results)}

At the end of each measured window, with the load still running, the bench reads the header's
"behind" note and clicks "Pause live": input is the click's event timestamp, painted is the first
task after the frame that shows the button's new state.

## Results per page and rate

${results.settings.pages.map((page) => `### ${pageLabel(page)}\n\n${pageTable(results, page)}`).join('\n\n')}

## Time from navigation to first data

${coldTable(results)}

### A second tab opened while one is live

${secondTabTable(results)}

## Soak

${soakText(results)}

${companionSection(extra)}

## Server fan-out (Redis Streams)

${serverSection()}

## Machine and run

${machineTable(results)}

${METHOD}

What was measured and not kept, with the measured reason:
[rendering.md](rendering.md#what-was-tried-and-not-kept).

## Running it

\`\`\`sh
npm run bench                       # full run (all pages, 9 rates, soak of the app)
npm run bench -- --quick            # smoke run (the app at 1,000 and 20,000 ev/s, ~30 s), output in bench/.out/
npm run bench -- --soak-minutes 30  # longer soak
npm run bench -- --rates 1000,20000 --pages app,ours
npm run bench -- --baseline 6a3207d --rates 1000,20000 --pages app   # the app beside the app at a revision
npm run bench -- --tabs 4 --tabs-rate 5000   # the multi-tab step (default in a full run; --tabs 0 skips it)
npm run bench -- --busy 1           # one CPU-bound process running during steps and cold starts
npm run bench -- --profile 20000 --pages app --baseline 6a3207d   # CPU profile at one rate, main thread and workers
npm run bench -- --report ${resultsPath}${extra.length ? `,${extra.map((r) => r.file ?? '').join(',')}` : ''}   # rewrite this page from results files
\`\`\`
`
  const md = join(dir, 'benchmarks.md')
  writeFileSync(md, doc)
  log(`report: ${relative(process.cwd(), md)}, plot: ${relative(process.cwd(), png)}`)
}
