// `--profile RATE`: samples a bench page with the V8 CPU profiler at one rate and lists where the main thread spends time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CDPSession } from 'playwright-core'
import type { BenchContext, PageName } from './measure.ts'
import { openPage, waitFirstLive } from './measure.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  hitCount?: number
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Decodes one source-map segment's base64 VLQ fields. */
function vlq(segment: string): number[] {
  const out: number[] = []
  let value = 0
  let shift = 0
  for (const char of segment) {
    const digit = BASE64.indexOf(char)
    value += (digit & 31) << shift
    if (digit & 32) {
      shift += 5
      continue
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1)
    value = 0
    shift = 0
  }
  return out
}

/** Maps a generated (line, column) of a bundle to "source file:line" through its source map. */
function sourceMapLookup(map: {
  sources: string[]
  mappings: string
}): (line: number, column: number) => string {
  const lines: [number, number, number][][] = []
  let source = 0
  let origLine = 0
  for (const text of map.mappings.split(';')) {
    const segments: [number, number, number][] = []
    let column = 0
    for (const part of text.split(',')) {
      if (!part) continue
      const fields = vlq(part)
      column += fields[0] ?? 0
      if (fields.length >= 4) {
        source += fields[1] ?? 0
        origLine += fields[2] ?? 0
        segments.push([column, source, origLine])
      }
    }
    lines.push(segments)
  }
  return (line, column) => {
    const segments = lines[line] ?? []
    let found: [number, number, number] | undefined
    for (const segment of segments) {
      if (segment[0] > column) break
      found = segment
    }
    if (!found) return '(bundle)'
    const file = (map.sources[found[1]] ?? '?')
      .replace(/^(\.\.\/)+/, '')
      .replace(/^.*node_modules\//, '')
      // A baseline revision is built from a temporary checkout: its paths read as the app's.
      .replace(/^tmp\/rtm-bench-[^/]+\//, '')
    return `${file}:${found[2] + 1}`
  }
}

/** Where one thread spent its time, summed from a V8 CPU profile. */
export interface ThreadProfile {
  /** 'page main thread', or the worker target's type and URL. */
  thread: string
  seconds: number
  /** ms per second of stream busy in JS and the engine (idle and "(program)" excluded). */
  busyMsPerSecond: number
  /** Self time by source module, ms per second, the heaviest first. */
  modules: [string, number][]
  /** Self time by function, ms per second, the heaviest first. */
  functions: [string, number][]
  /** Self ms per second in eventsource-parser's and valibot's modules. */
  parserMsPerSecond: number
  valibotMsPerSecond: number
  /** Samples with an eventsource-parser or valibot frame anywhere on the stack. */
  parserSamples: number
  valibotSamples: number
  samples: number
}

export interface ProfileSummary {
  page: PageName
  rate: number
  /** The commit measured (the working tree, or the baseline's revision). */
  commit: string
  takenAt: string
  main: ThreadProfile
  /** Worker threads (the SharedWorker engine) profiled over the same window; [] when there were none. */
  workers: ThreadProfile[]
  /** Why worker threads are missing, when the profiler could not reach them. */
  workerNote: string | null
}

const PARSER = /eventsource-parser/
const VALIBOT = /(^|\/)valibot\//

/** A CDP session on a worker target, over the browser's session (Playwright has no SharedWorker API). */
async function attachWorkers(
  ctx: BenchContext,
): Promise<{ sessions: WorkerSession[]; note: string | null }> {
  let browserSession: CDPSession
  try {
    browserSession = await ctx.browser.newBrowserCDPSession()
  } catch (error) {
    return { sessions: [], note: `no browser CDP session: ${String(error).split('\n')[0]}` }
  }
  try {
    const { targetInfos } = (await browserSession.send('Target.getTargets')) as unknown as {
      targetInfos: { targetId: string; type: string; url: string }[]
    }
    const workers = targetInfos.filter((t) => /worker/.test(t.type) && t.type !== 'service_worker')
    if (workers.length === 0) return { sessions: [], note: null }
    const sessions: WorkerSession[] = []
    for (const target of workers) {
      sessions.push(await WorkerSession.attach(browserSession, target))
    }
    return { sessions, note: null }
  } catch (error) {
    return {
      sessions: [],
      note: `worker threads could not be profiled (${String(error).split('\n')[0]})`,
    }
  }
}

/** Speaks CDP to one worker target through Target.sendMessageToTarget. */
class WorkerSession {
  private next = 1
  private readonly waiting = new Map<
    number,
    (message: { result?: unknown; error?: unknown }) => void
  >()

  private constructor(
    private readonly browser: CDPSession,
    private readonly sessionId: string,
    readonly label: string,
  ) {
    browser.on('Target.receivedMessageFromTarget', (event) => {
      const { sessionId: id, message } = event as { sessionId: string; message: string }
      if (id !== this.sessionId) return
      const parsed = JSON.parse(message) as { id?: number; result?: unknown; error?: unknown }
      if (parsed.id === undefined) return
      this.waiting.get(parsed.id)?.(parsed)
      this.waiting.delete(parsed.id)
    })
  }

  static async attach(
    browser: CDPSession,
    target: { targetId: string; type: string; url: string },
  ): Promise<WorkerSession> {
    const { sessionId } = (await browser.send('Target.attachToTarget', {
      targetId: target.targetId,
      flatten: false,
    })) as { sessionId: string }
    return new WorkerSession(
      browser,
      sessionId,
      `${target.type} ${basename(new URL(target.url).pathname)}`,
    )
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 30 s`)), 30_000)
      this.waiting.set(id, (message) => {
        clearTimeout(timer)
        if (message.error) reject(new Error(JSON.stringify(message.error)))
        else resolve(message.result as T)
      })
      void this.browser
        .send('Target.sendMessageToTarget', {
          sessionId: this.sessionId,
          message: JSON.stringify({ id, method, params }),
        })
        .catch((error: unknown) => {
          clearTimeout(timer)
          this.waiting.delete(id)
          reject(error instanceof Error ? error : new Error(String(error)))
        })
    })
  }
}

export async function profilePage(
  ctx: BenchContext,
  page: PageName,
  rate: number,
  measureMs: number,
  outDir: string,
  commit: string,
): Promise<ProfileSummary> {
  const { source } = ctx
  const base = source.latestId + 1
  source.log.reset(base)
  source.start(rate, 100)
  const opened = await openPage(ctx, page, { base, cap: Math.ceil(rate * 60), frames: 6000 })
  try {
    await waitFirstLive(opened.tab, 20_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const { cdp } = opened
    const { sessions, note } = await attachWorkers(ctx)
    const started: WorkerSession[] = []
    let workerNote = note
    for (const worker of sessions) {
      try {
        await worker.send('Profiler.enable')
        await worker.send('Profiler.setSamplingInterval', { interval: 1000 })
        await worker.send('Profiler.start')
        started.push(worker)
      } catch (error) {
        workerNote = `${worker.label} could not be profiled (${String(error).split('\n')[0]})`
      }
    }
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
    await cdp.send('Profiler.start')
    await new Promise((resolve) => setTimeout(resolve, measureMs))
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }
    const workerProfiles: [string, CpuProfile][] = []
    for (const worker of started) {
      try {
        const { profile: p } = await worker.send<{ profile: CpuProfile }>('Profiler.stop')
        workerProfiles.push([worker.label, p])
      } catch (error) {
        workerNote = `${worker.label}: profile lost (${String(error).split('\n')[0]})`
      }
    }
    source.stop()
    mkdirSync(outDir, { recursive: true })
    const safe = page.replace(/[^\w.-]/g, '_')
    const file = join(outDir, `${safe}-${rate}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    const main = summarize(
      profile,
      'page main thread',
      `${page} @ ${rate}/s, page main thread`,
      ctx.log,
    )
    const workers = workerProfiles.map(([label, p], i) => {
      writeFileSync(join(outDir, `${safe}-${rate}-worker${i + 1}.cpuprofile`), JSON.stringify(p))
      return summarize(p, label, `${page} @ ${rate}/s, ${label}`, ctx.log)
    })
    ctx.log(`profile: ${file} (open it in Chromium DevTools → Performance)`)
    return {
      page,
      rate,
      commit,
      takenAt: new Date().toISOString(),
      main,
      workers,
      workerNote,
    }
  } finally {
    source.stop()
    await opened.close()
  }
}

function summarize(
  profile: CpuProfile,
  thread: string,
  title: string,
  log: (line: string) => void,
): ThreadProfile {
  // A saturated page answers the stop late: the profile's own span is the measured time.
  const measureMs = (profile.endTime - profile.startTime) / 1000
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<number, number>()
  const hits = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i += 1) {
    // A sample's time is the delta to the next sample.
    const ms = (deltas[i + 1] ?? 0) / 1000
    self.set(samples[i] as number, (self.get(samples[i] as number) ?? 0) + ms)
    hits.set(samples[i] as number, (hits.get(samples[i] as number) ?? 0) + 1)
  }
  const maps = new Map<string, (line: number, column: number) => string>()
  const locate = (url: string, line: number, column: number): string => {
    if (!url.includes('/assets/')) return url ? basename(url) : '(native)'
    const path = new URL(url).pathname
    let lookup = maps.get(path)
    if (!lookup) {
      try {
        const file = fileURLToPath(new URL(`../.dist${path}.map`, import.meta.url))
        lookup = sourceMapLookup(
          JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; mappings: string },
        )
      } catch {
        lookup = () => basename(path)
      }
      maps.set(path, lookup)
    }
    return lookup(line, column)
  }
  const moduleOf = new Map<number, string>()
  const whereOf = (id: number): string => {
    let where = moduleOf.get(id)
    if (where === undefined) {
      const frame = (byId.get(id) as ProfileNode).callFrame
      where = locate(frame.url, frame.lineNumber, frame.columnNumber)
      moduleOf.set(id, where)
    }
    return where
  }
  // Samples with a library frame anywhere on their stack (inclusive).
  let parserSamples = 0
  let valibotSamples = 0
  for (const [id, count] of hits) {
    let parser = false
    let valibot = false
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const where = whereOf(at)
      parser ||= PARSER.test(where)
      valibot ||= VALIBOT.test(where)
    }
    if (parser) parserSamples += count
    if (valibot) valibotSamples += count
  }
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  let total = 0
  for (const [id, ms] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame
    const where = whereOf(id)
    const module = where.replace(/:\d+$/, '')
    const name = `${frame.functionName || '(anonymous)'}  ${where}`
    // Idle time and the engine's own bookkeeping are not anyone's work: left out of the tables.
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms)
    byModule.set(module, (byModule.get(module) ?? 0) + ms)
    total += ms
  }
  const perSecond = 1000 / measureMs
  const top = (map: Map<string, number>, count: number): [string, number][] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => [name, Math.round(ms * perSecond * 10) / 10])
  const libraryMs = (pattern: RegExp) =>
    [...byModule.entries()].filter(([m]) => pattern.test(m)).reduce((n, [, ms]) => n + ms, 0) *
    perSecond
  const summary: ThreadProfile = {
    thread,
    seconds: measureMs / 1000,
    busyMsPerSecond: Math.round(total * perSecond),
    modules: top(byModule, 25),
    functions: top(byFunction, 40),
    parserMsPerSecond: Math.round(libraryMs(PARSER) * 10) / 10,
    valibotMsPerSecond: Math.round(libraryMs(VALIBOT) * 10) / 10,
    parserSamples,
    valibotSamples,
    samples: samples.length,
  }
  log(
    `\n${title}: ${(measureMs / 1000).toFixed(1)} s profiled, busy ${summary.busyMsPerSecond} ms per second (idle excluded); eventsource-parser on ${parserSamples} of ${samples.length} samples (${summary.parserMsPerSecond} ms/s self), valibot on ${valibotSamples} (${summary.valibotMsPerSecond} ms/s self)`,
  )
  log('\nself time by source module (ms per second of stream):')
  for (const [name, ms] of summary.modules) log(`  ${ms.toFixed(1).padStart(7)}  ${name}`)
  log('\nself time by function (ms per second):')
  for (const [name, ms] of summary.functions) log(`  ${ms.toFixed(1).padStart(7)}  ${name}`)
  return summary
}
