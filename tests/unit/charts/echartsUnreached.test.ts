import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UNREACHED } from '../../../scripts/echartsUnreached'
import { backtestChartOption } from '@/charts/backtestChartOption'
import { DARK_CHART_THEME, LIGHT_CHART_THEME } from '@/charts/chartTheme'
import { equityChartOption } from '@/charts/equityChartOption'
import { compareChartOption, trainingChartOption } from '@/charts/trainingChartOption'

const MODULES = join(import.meta.dirname, '../../../node_modules')

/** The names a module exports (`default` for its default export), from its source text. */
function exportsOf(text: string): string[] {
  const names = new Set<string>()
  for (const m of text.matchAll(/^export\s+(?:function|class|var|let|const)\s+([\w$]+)/gm))
    names.add(m[1] as string)
  if (/^export\s+default\b/m.test(text) || /^export\s*\{[^}]*\bdefault\b[^}]*\}/m.test(text))
    names.add('default')
  return [...names].sort()
}

describe('ECharts modules left out of the build', () => {
  it('stand in with the same exports as the module they replace', () => {
    for (const [path, { stub }] of Object.entries(UNREACHED)) {
      const original = readFileSync(join(MODULES, path), 'utf8')
      expect({ path, exports: exportsOf(stub) }).toEqual({ path, exports: exportsOf(original) })
    }
  })

  it('are never asked for by the option builders', () => {
    const points: [number, number][] = [
      [1, 1],
      [2, 3],
      [3, 2],
    ]
    const options = [
      equityChartOption(
        { equity: points, index: points, indexName: 'X', windowMs: 60_000, end: 3 },
        DARK_CHART_THEME,
      ),
      trainingChartOption(
        { loss: points, val_loss: points, accuracy: points, val_accuracy: points },
        LIGHT_CHART_THEME,
        0.6,
      ),
      compareChartOption([{ runId: 'a', label: 'a', loss: points }], LIGHT_CHART_THEME, 0),
      backtestChartOption(
        { equity: points, benchmark: points, drawdown: points },
        LIGHT_CHART_THEME,
      ),
    ]
    for (const option of options) {
      const text = JSON.stringify(option)
      // alignTicks (axisAlignTicks), decal patterns (decal), a rich-text tooltip, ECharts' themes.
      for (const key of ['alignTicks', 'decal', 'richText', 'renderMode', 'theme'])
        expect(text).not.toContain(`"${key}"`)
      const series = Array.isArray(option.series) ? option.series : [option.series]
      // Animated lines (lineAnimationDiff): every series and the chart say no.
      expect(option.animation).toBe(false)
      for (const s of series) expect(s?.animation).toBe(false)
      // Only line series: no sector, pie, map or large scatter.
      expect(new Set(series.map((s) => s?.type))).toEqual(new Set(['line']))
    }
  })
})
