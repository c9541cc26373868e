// `--profile RATE`: samples a bench page with the V8 CPU profiler at one rate and lists where the main thread spends time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
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
    return `${file}:${found[2] + 1}`
  }
}

export async function profilePage(
  ctx: BenchContext,
  page: PageName,
  rate: number,
  measureMs: number,
  outDir: string,
): Promise<void> {
  const { source } = ctx
  const base = source.latestId + 1
  source.log.reset(base)
  source.start(rate, 100)
  const opened = await openPage(ctx, page, { base, cap: Math.ceil(rate * 60), frames: 6000 })
  try {
    await waitFirstLive(opened.tab, 20_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const { cdp } = opened
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
    await cdp.send('Profiler.start')
    await new Promise((resolve) => setTimeout(resolve, measureMs))
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }
    source.stop()
    mkdirSync(outDir, { recursive: true })
    const file = join(outDir, `${page}-${rate}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    summarize(profile, `${page} @ ${rate}/s`, ctx.log)
    ctx.log(`profile: ${file} (open it in Chromium DevTools → Performance)`)
  } finally {
    source.stop()
    await opened.close()
  }
}

function summarize(profile: CpuProfile, title: string, log: (line: string) => void): void {
  // A saturated page answers the stop late: the profile's own span is the measured time.
  const measureMs = (profile.endTime - profile.startTime) / 1000
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i += 1) {
    // A sample's time is the delta to the next sample.
    const ms = (deltas[i + 1] ?? 0) / 1000
    self.set(samples[i] as number, (self.get(samples[i] as number) ?? 0) + ms)
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
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  let total = 0
  for (const [id, ms] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame
    const where = locate(frame.url, frame.lineNumber, frame.columnNumber)
    const module = where.replace(/:\d+$/, '')
    const name = `${frame.functionName || '(anonymous)'}  ${where}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms)
    byModule.set(module, (byModule.get(module) ?? 0) + ms)
    if (frame.functionName !== '(idle)' && frame.functionName !== '(program)') total += ms
  }
  const perSecond = 1000 / measureMs
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
  log(
    `\n${title}: ${(measureMs / 1000).toFixed(1)} s profiled, main thread busy ${(total * perSecond).toFixed(0)} ms per second (idle excluded)`,
  )
  log('\nself time by source module (ms per second of stream):')
  for (const [name, ms] of top(byModule, 25))
    log(`  ${(ms * perSecond).toFixed(1).padStart(7)}  ${name}`)
  log('\nself time by function (ms per second):')
  for (const [name, ms] of top(byFunction, 40))
    log(`  ${(ms * perSecond).toFixed(1).padStart(7)}  ${name}`)
}
