import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.(ts|vue)$/.test(name) ? [path] : []
  })
}

/** Each import statement of a module: where from, and whether it is erased at build (`import type`). */
function importsOf(text: string): { source: string; typeOnly: boolean }[] {
  return [...text.matchAll(/^import\s+(type\s+)?[\s\S]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({
    source: m[2] as string,
    typeOnly: m[1] !== undefined,
  }))
}

describe('ECharts imports', () => {
  const sources = files(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }))

  it('never import the whole echarts package', () => {
    const whole = sources.filter(({ text }) => /from\s+['"]echarts['"]/.test(text))
    expect(whole.map(({ path }) => path)).toEqual([])
  })

  it('load ECharts runtime code only in the chart entry module', () => {
    const runtime = sources.filter(({ text }) =>
      importsOf(text).some((i) => !i.typeOnly && i.source.startsWith('echarts/')),
    )
    expect(runtime.map(({ path }) => path.slice(SRC.length))).toEqual(['/charts/echarts.ts'])
  })

  it('load vue-echarts only through the chart entry module (its chunk, never the first one)', () => {
    const runtime = sources.filter(({ text }) =>
      /^(?:import|export)\s+(?!type\s)[^'"]*?from\s+['"]vue-echarts['"]/m.test(text),
    )
    expect(runtime.map(({ path }) => path.slice(SRC.length))).toEqual(['/charts/echarts.ts'])
    const lazy = sources.filter(({ text }) => /import\(['"]@\/charts\/echarts['"]\)/.test(text))
    expect(lazy.map(({ path }) => path.slice(SRC.length))).toEqual(['/components/StreamChart.vue'])
  })

  it('register only the parts the charts draw (legends and breadth are HTML, zoom is inside)', () => {
    const entry = sources.find(({ path }) => path.endsWith('/charts/echarts.ts'))?.text ?? ''
    for (const part of ['BarChart', 'LegendComponent', 'DataZoomSliderComponent'])
      expect(entry).not.toContain(part)
    expect(entry).toContain('DataZoomInsideComponent')
  })

  it('keep option builders free of runtime imports of the chart module', () => {
    const builders = sources.filter(({ path }) => /Option\.ts$/.test(path))
    expect(builders.length).toBeGreaterThanOrEqual(3)
    for (const { text } of builders) {
      const runtime = importsOf(text).filter((i) => !i.typeOnly && /echarts/.test(i.source))
      expect(runtime).toEqual([])
    }
  })
})
