// `npm run bench`: the app's own page against the bare data path and three baselines at stepped rates,
// a soak and cold starts; writes the results and docs/benchmarks.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import { CHROMIUM_ARGS } from '../playwright.config.ts'
import { startBenchServer } from './lib/benchServer.ts'
import { setBusyPids } from './lib/cpuShare.ts'
import { LoadSource } from './lib/loadSource.ts'
import {
  PAGES,
  appBase,
  baselineRev,
  coldStarts,
  isAppPage,
  runStep,
  runTabs,
  secondTabStarts,
  soak,
  type BenchContext,
  type ColdStart,
  type MultiTabResult,
  type PageName,
  type SecondTabStart,
  type SoakResult,
  type StepResult,
} from './lib/measure.ts'
import { profilePage, type ProfileSummary } from './lib/profile.ts'
import { writeReport, type BenchResults, type MachineInfo } from './lib/report.ts'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..')

const HELP = `npm run bench -- [options]
  --quick               smoke run of the whole pipeline in about 30 s: the app alone (add
                        --pages for others) at 1000,20000, 2 s steps, 1 s warm-up, 1 cold
                        start, no soak; results in bench/.out/
  --rates LIST          total events/s per step (default 100,1000,2000,5000,10000,15000,20000,30000,50000)
  --pages LIST          app,ours,native,vueuseBatched,vueuse (default all, quick app; app = the app's own
                        production build, ours = the bare data path)
  --step-seconds N      measured window per step (default 10; quick 2)
  --warmup-seconds N    warm-up before each window (default 2; quick 1)
  --soak-minutes N      soak of the app (ours without it) at 1,000 events/s (default 10; quick 0;
                        0 skips it)
  --cold-starts N       navigations per page for time to first event (default 5; quick 1; 0 skips)
  --max-other-cores N   a step during which other processes used more CPU than this (in cores) is
                        run again, keeping the least disturbed run (default 0.3)
  --retries N           at most this many extra runs of a disturbed step (default 2)
  --baseline REV        also build the app at git revision REV and measure it as page app@REV beside
                        app, step by step (the order alternates per step), with ratios in the report
  --tabs N              the multi-tab step: N tabs of each app page open at once in one browser, at
                        --tabs-rate events/s in total (default in a full run: 4 tabs at 5000; 0 skips)
  --tabs-rate N         total events/s of the multi-tab step (default 5000)
  --busy N              run N CPU-bound processes during steps, the multi-tab step and cold starts
                        (users' machines are never idle); their CPU is reported apart (default 0)
  --name NAME           results file name (default: the date, with -busyN when --busy is set)
  --profile RATE        only profile the pages (--pages, default all) at RATE: the page's main thread
                        and, where the profiler reaches them, worker threads; writes
                        bench/results/profile.json, which the report quotes
  --report FILE[,FILE]  only rewrite docs/benchmarks.md and the plot from a results JSON; a second
                        file (a --busy run) is reported beside the first
  --out DIR             where results, the doc and the plot go (default: bench/results + docs/)`

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rates: { type: 'string' },
    pages: { type: 'string' },
    'step-seconds': { type: 'string' },
    'warmup-seconds': { type: 'string' },
    'soak-minutes': { type: 'string' },
    'cold-starts': { type: 'string' },
    'max-other-cores': { type: 'string' },
    retries: { type: 'string' },
    profile: { type: 'string' },
    baseline: { type: 'string' },
    tabs: { type: 'string' },
    'tabs-rate': { type: 'string' },
    busy: { type: 'string' },
    name: { type: 'string' },
    report: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

function numberArg(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`--${name} must be a non-negative number`)
  return parsed
}

function listArg<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[] | null,
  fallback: T[],
): T[] {
  if (value === undefined) return fallback
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean) as T[]
  const wrong = allowed ? items.find((item) => !allowed.includes(item)) : undefined
  if (wrong !== undefined)
    throw new Error(`--${name}: unknown "${wrong}" (one of ${allowed?.join(', ')})`)
  return items
}

const log = (line: string) => console.log(line)

function localDate(): string {
  const now = new Date()
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}

function git(...command: string[]): string {
  try {
    return execFileSync('git', command, { cwd: repo, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function machine(chromiumVersion: string): MachineInfo {
  const cpu = cpus()
  return {
    nproc: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    chromium: chromiumVersion,
    node: process.version,
    commit: git('rev-parse', '--short', 'HEAD'),
    srcChanged: git('status', '--porcelain', '--', 'src', 'server') !== '',
    loadStart: loadavg().map((n) => Math.round(n * 100) / 100),
    loadEnd: [],
  }
}

async function buildPages(profile: boolean): Promise<string> {
  if (profile) process.env.BENCH_PROFILE = '1'
  log('building the bench pages (vite build -c bench/vite.config.ts)…')
  await build({ configFile: join(here, 'vite.config.ts'), logLevel: 'warn' })
  // The recorder as one classic script, injected into the real app before its own scripts.
  await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    resolve: { alias: { '@': join(repo, 'src') } },
    build: {
      outDir: join(here, '.dist', 'probe'),
      emptyOutDir: true,
      target: 'es2022',
      lib: {
        entry: join(here, 'pages', 'probe.ts'),
        formats: ['iife'],
        name: 'benchProbe',
        fileName: () => 'probe.js',
      },
    },
  })
  return join(here, '.dist')
}

/**
 * The app's production build served under `base`, from the sources in `appRoot` (the repository,
 * or a revision's tree); false (and the page left out) when it does not build.
 */
async function buildApp(root: string, appRoot: string, base: string): Promise<boolean> {
  log(`building the app${appRoot === repo ? '' : ` from ${appRoot}`} (vite build, base ${base})…`)
  try {
    await build({
      configFile: join(appRoot, 'vite.config.ts'),
      root: appRoot,
      base,
      logLevel: 'warn',
      build: {
        outDir: join(root, base.replace(/^\/|\/$/g, '')),
        emptyOutDir: true,
        // As the bench pages: a profile run reads names and source maps.
        ...(process.env.BENCH_PROFILE ? { minify: false, sourcemap: true } : {}),
        rolldownOptions: { checks: { bundlerTimings: false } },
      },
    })
    return true
  } catch (error) {
    log(`the app did not build and is left out: ${String(error).split('\n')[0]}`)
    return false
  }
}

/**
 * The tree of revision `rev` in a temporary directory beside this checkout's node_modules (the
 * dependencies the app builds with; a revision whose lock file differs is built with these).
 */
function checkoutRevision(rev: string): { dir: string; commit: string; subject: string } {
  const commit = execFileSync('git', ['rev-parse', '--short', `${rev}^{commit}`], {
    cwd: repo,
    encoding: 'utf8',
  }).trim()
  const subject = git('log', '-1', '--format=%s', commit)
  const dir = mkdtempSync(join(tmpdir(), `rtm-bench-${commit}-`))
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], { cwd: repo })
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { dir, commit, subject }
}

/** N CPU-bound processes, as a user's other work; stopped at exit. */
function startBusy(count: number): ChildProcess[] {
  const children: ChildProcess[] = []
  for (let i = 0; i < count; i += 1) {
    children.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }))
  }
  setBusyPids(children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined))
  return children
}

function stopBusy(children: ChildProcess[]): void {
  for (const child of children) child.kill('SIGKILL')
  setBusyPids([])
}

async function main(): Promise<void> {
  if (args.help) return log(HELP)
  const quick = args.quick
  const outDir = args.out ?? (quick ? join(here, '.out') : null)
  const resultsDir = outDir ?? join(here, 'results')
  const docsDir = outDir ?? join(repo, 'docs')

  if (args.report) {
    const [main, ...extra] = args.report.split(',').map((file): BenchResults => ({
      ...(JSON.parse(readFileSync(file, 'utf8')) as BenchResults),
      file: relative(repo, file),
    }))
    if (main) await writeReport(main, docsDir, log, undefined, extra)
    return
  }

  const rates = listArg(
    'rates',
    args.rates,
    null,
    quick
      ? ['1000', '20000']
      : ['100', '1000', '2000', '5000', '10000', '15000', '20000', '30000', '50000'],
  ).map(Number)
  let pages = listArg<PageName>('pages', args.pages, PAGES, quick ? ['app'] : [...PAGES])
  const stepSeconds = numberArg('step-seconds', args['step-seconds'], quick ? 2 : 10)
  const warmupSeconds = numberArg('warmup-seconds', args['warmup-seconds'], quick ? 1 : 2)
  const soakMinutes = numberArg('soak-minutes', args['soak-minutes'], quick ? 0 : 10)
  const coldRuns = numberArg('cold-starts', args['cold-starts'], quick ? 1 : 5)
  const maxOther = numberArg('max-other-cores', args['max-other-cores'], 0.3)
  const retries = numberArg('retries', args.retries, quick ? 0 : 2)
  const tabs = numberArg('tabs', args.tabs, quick ? 0 : 4)
  const tabsRate = numberArg('tabs-rate', args['tabs-rate'], 5000)
  const busy = numberArg('busy', args.busy, 0)

  const root = await buildPages(args.profile !== undefined)
  if (pages.includes('app') && !(await buildApp(root, repo, appBase('app'))))
    pages = pages.filter((page) => page !== 'app')
  let baseline: { rev: string; commit: string; subject: string } | undefined
  if (args.baseline) {
    const tree = checkoutRevision(args.baseline)
    const page: PageName = `app@${tree.commit}`
    try {
      if (await buildApp(root, tree.dir, appBase(page))) {
        baseline = { rev: args.baseline, commit: tree.commit, subject: tree.subject }
        pages = [...pages, page]
      }
    } finally {
      rmSync(tree.dir, { recursive: true, force: true })
    }
  }
  const server = await startBenchServer(root)
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
  const source = new LoadSource(server.hub)
  const ctx: BenchContext = { browser, server, source, log }
  const info = machine(browser.version())
  if (baseline) info.baseline = baseline
  log(
    `machine: ${info.nproc} cores, ${info.memoryGB} GB, Chromium ${info.chromium}, Node ${info.node}, load ${info.loadStart.join(' ')}`,
  )

  const busyProcesses = busy > 0 ? startBusy(busy) : []
  if (busy > 0) log(`${busy} CPU-bound process(es) running during the measurements`)
  try {
    if (args.profile !== undefined) {
      const rate = numberArg('profile', args.profile, 10_000)
      const summaries: ProfileSummary[] = []
      for (const page of pages) {
        const commit =
          baselineRev(page) ??
          `${info.commit}${info.srcChanged ? ' (with uncommitted changes)' : ''}`
        await profilePage(ctx, page, rate, stepSeconds * 1000, join(here, '.out'), commit)
          .then((summary) => summaries.push(summary))
          .catch((error: unknown) => log(`${page}: profile failed: ${String(error)}`))
      }
      if (summaries.length > 0) {
        mkdirSync(resultsDir, { recursive: true })
        const file = join(resultsDir, 'profile.json')
        writeFileSync(file, `${JSON.stringify(summaries, null, 2)}\n`)
        log(`profile summary: ${file}`)
      }
      return
    }
    const startedAt = new Date().toISOString()
    const steps: StepResult[] = []
    const saturated = new Set<PageName>()
    for (const [index, rate] of rates.entries()) {
      // Side by side: with a baseline, app and app@REV alternate which goes first at each step.
      const order = index % 2 === 1 && baseline ? [...pages].reverse() : pages
      for (const page of order) {
        if (saturated.has(page)) {
          log(`${page} @ ${rate}/s: skipped (saturated at a lower rate)`)
          continue
        }
        const options = {
          rate,
          warmupMs: warmupSeconds * 1000,
          measureMs: stepSeconds * 1000,
          drainMs: quick ? 3000 : 5000,
          seed: 100 + index,
          settleMs: quick ? 3000 : 20_000,
        }
        let step = await runStep(ctx, page, options)
        let attempts = 1
        // The machine is shared: a window disturbed by other processes is run again (the least
        // disturbed run is kept, whatever its numbers).
        let last = step
        while (attempts <= retries && (last.cpu?.otherCores ?? 0) > maxOther) {
          log(`  (${describeStep(last)})`)
          log(`  other processes used ${last.cpu?.otherCores} cores in that window: again in 10 s`)
          await new Promise((resolve) => setTimeout(resolve, 10_000))
          last = await runStep(ctx, page, options)
          attempts += 1
          if ((last.cpu?.otherCores ?? Infinity) < (step.cpu?.otherCores ?? Infinity)) step = last
        }
        step.attempts = attempts
        steps.push(step)
        log(describeStep(step))
        // Far past its limit a page only piles up work; higher steps would say nothing new. The
        // app is the subject: it runs every step, so how it behaves in a flood is measured too.
        if (!isAppPage(page) && (step.loss > 0.2 || (step.applied.p99 ?? Infinity) > 10_000))
          saturated.add(page)
      }
    }
    const multiTab: MultiTabResult[] = []
    for (const [index, page] of (tabs > 0 ? pages.filter(isAppPage) : []).entries()) {
      const options = {
        rate: tabsRate,
        warmupMs: warmupSeconds * 1000,
        measureMs: stepSeconds * 1000,
        drainMs: quick ? 3000 : 5000,
        seed: 500 + index,
        settleMs: quick ? 3000 : 20_000,
      }
      let result = await runTabs(ctx, page, tabs, options)
      let attempts = 1
      let last = result
      while (attempts <= retries && (last.cpu?.otherCores ?? 0) > maxOther) {
        log(`  (${describeTabs(last)})`)
        log(`  other processes used ${last.cpu?.otherCores} cores in that window: again in 10 s`)
        await new Promise((resolve) => setTimeout(resolve, 10_000))
        last = await runTabs(ctx, page, tabs, options)
        attempts += 1
        if ((last.cpu?.otherCores ?? Infinity) < (result.cpu?.otherCores ?? Infinity)) result = last
      }
      result.attempts = attempts
      multiTab.push(result)
      log(describeTabs(result))
    }
    const cold: ColdStart[] = []
    const secondTab: SecondTabStart[] = []
    for (const page of coldRuns > 0 ? pages : []) {
      cold.push(await coldStarts(ctx, page, coldRuns, 100))
      const ms = (values: number[] | undefined) => values?.map((n) => n.toFixed(0)).join(', ')
      log(
        `${page}: first data on screen ${ms(cold.at(-1)?.firstShownMs) || '–'} ms; first applied event ${ms(cold.at(-1)?.firstAppliedMs)} ms`,
      )
      if (!isAppPage(page)) continue
      secondTab.push(await secondTabStarts(ctx, page, coldRuns, 100))
      const second = secondTab.at(-1)
      log(
        `${page}: second tab, first data on screen ${ms(second?.firstShownMs) || '–'} ms; first applied event ${ms(second?.firstAppliedMs)} ms; API requests while it opened ${second?.requests.join(', ')}`,
      )
    }
    const soaks: SoakResult[] = []
    // The app is the subject; the bare data path stands in when the app is not run.
    const soakPage: PageName | undefined = pages.includes('app')
      ? 'app'
      : pages.includes('ours')
        ? 'ours'
        : undefined
    if (soakMinutes > 0 && soakPage) {
      log(`soak: ${soakPage} at 1000/s for ${soakMinutes.toFixed(2)} min`)
      soaks.push(await soak(ctx, soakPage, 1000, soakMinutes, quick ? 10 : 30))
      const last = soaks.at(-1)
      log(
        `soak: heap ${last?.heapStartMB?.toFixed(1)} → ${last?.heapEndMB?.toFixed(1)} MB, loss ${last?.loss}`,
      )
    }
    info.loadEnd = loadavg().map((n) => Math.round(n * 100) / 100)
    const results: BenchResults = {
      date: localDate(),
      startedAt,
      finishedAt: new Date().toISOString(),
      quick,
      settings: {
        rates,
        pages,
        stepSeconds,
        warmupSeconds,
        soakMinutes,
        coldRuns,
        soakRate: 1000,
        maxOtherCores: maxOther,
        retries,
        busy,
        ...(tabs > 0 ? { multiTab: { tabs, rate: tabsRate } } : {}),
      },
      machine: info,
      steps,
      cold,
      secondTab,
      multiTab,
      soaks,
    }
    mkdirSync(resultsDir, { recursive: true })
    const name =
      args.name ?? `${results.date}${quick ? '-quick' : ''}${busy > 0 ? `-busy${busy}` : ''}`
    const file = join(resultsDir, `${name}.json`)
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
    log(`results: ${file}`)
    stopBusy(busyProcesses)
    const reportFile = relative(repo, file)
    await writeReport({ ...results, file: reportFile }, docsDir, log, browser)
  } finally {
    stopBusy(busyProcesses)
    await browser.close()
    await server.close()
  }
}

function describeTabs(result: MultiTabResult): string {
  const ms = (n: number | null) => (n === null ? '–' : n.toFixed(1))
  return [
    `${result.page} × ${result.tabs} tabs @ ${result.rate}/s (sent ${result.achievedRate.toFixed(0)}/s):`,
    ...result.perTab.map(
      (t) =>
        `tab ${t.tab} [${t.engine ?? '?'}] delivered ${t.delivered}/${t.sent}, painted p99 ${ms(t.painted.p99)} ms, long tasks ${t.longTasks.count} (max ${ms(t.longTasks.maxMs)})${t.strict ? ' PASS' : ' FAIL'};`,
    ),
    `streams opened ${result.streams.opened}`,
    result.cpu ? `cpu own ${result.cpu.ownCores} / others ${result.cpu.otherCores} cores` : '',
    result.strict ? 'EVERY TAB PASSED' : '',
    result.notes.length ? `[${result.notes.join('; ')}]` : '',
  ].join(' ')
}

function describeStep(step: StepResult): string {
  const ms = (n: number | null) => (n === null ? '–' : n.toFixed(1))
  return [
    `${step.page.padEnd(6)} @ ${String(step.rate).padStart(5)}/s (sent ${step.achievedRate.toFixed(0)}/s):`,
    `delivered ${step.delivered}/${step.sent},`,
    `applied p50/p95/p99 ${ms(step.applied.p50)}/${ms(step.applied.p95)}/${ms(step.applied.p99)} ms,`,
    `painted p99 ${ms(step.painted.p99)} ms,`,
    `long tasks ${step.longTasks.count} (max ${ms(step.longTasks.maxMs)}),`,
    `dropped frames ${step.frames.dropped}/${step.frames.frames},`,
    `heap ${ms(step.heap.beforeMB)}→${ms(step.heap.afterMB)} MB,`,
    `streams ${step.streamConnections} (opened ${step.streams.opened}, dropped as slow ${step.streams.droppedSlow})`,
    step.cpu ? `cpu own ${step.cpu.ownCores} / others ${step.cpu.otherCores} cores` : '',
    step.pause
      ? `pause click ${step.pause.click?.inputToPaintMs?.toFixed(0) ?? '–'} ms, header: ${step.pause.behindText ?? 'keeping up'}`
      : '',
    step.sustainable ? 'PASSED (applied)' : '',
    step.strict ? 'PASSED (painted)' : '',
    step.notes.length ? `[${step.notes.join('; ')}]` : '',
  ].join(' ')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
