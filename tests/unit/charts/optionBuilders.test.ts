import { describe, expect, it } from 'vitest'
import { backtestChartOption, backtestLegend } from '@/charts/backtestChartOption'
import { DARK_CHART_THEME, LIGHT_CHART_THEME, themeFromCss } from '@/charts/chartTheme'
import { rangeFormatter } from '@/charts/common'
import type { ChartOption } from '@/charts/echarts'
import { equityChartOption, equityLegend } from '@/charts/equityChartOption'
import { trainingChartOption, trainingLegend } from '@/charts/trainingChartOption'

type Series = Record<string, unknown> & { id?: string; data?: unknown[] }

function seriesOf(option: ChartOption): Series[] {
  const series = option.series
  return (Array.isArray(series) ? series : [series]) as Series[]
}

function byId(option: ChartOption, id: string): Series {
  const found = seriesOf(option).find((s) => s.id === id)
  if (!found) throw new Error(`no series ${id}`)
  return found
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

const T = Date.parse('2026-01-04T10:00:00Z')
const line = (n: number, v0: number, dt = 1000): [number, number][] =>
  Array.from({ length: n }, (_, i) => [T + i * dt, v0 + i])

describe('equityChartOption', () => {
  const data = {
    equity: line(10, 1_250_000),
    index: line(10, 3300),
    indexName: 'SSE Composite',
    windowMs: 5 * 60_000,
    end: T + 9000,
  }

  it('is a streaming chart: no animation, no symbols, min-max sampling, stable series ids', () => {
    const option = equityChartOption(data, LIGHT_CHART_THEME)
    expect(option.animation).toBe(false)
    expect(seriesOf(option).map((s) => s.id)).toEqual(['equity', 'index'])
    for (const s of seriesOf(option)) {
      expect(s.type).toBe('line')
      expect(s.showSymbol).toBe(false)
      expect(s.sampling).toBe('minmax')
      expect(s.animation).toBe(false)
    }
    expect(byId(option, 'equity').data).toEqual(data.equity)
    expect(byId(option, 'index').name).toBe('SSE Composite')
  })

  it('ends the time axis at the live edge and spans the chosen window', () => {
    const option = equityChartOption(data, LIGHT_CHART_THEME)
    const x = asArray(option.xAxis)[0] as { type: string; min: number; max: number }
    expect(x.type).toBe('time')
    expect(x.max).toBe(T + 9000)
    expect(x.min).toBe(T + 9000 - 5 * 60_000)
  })

  it('zooms inside the plot only and never sets the zoom window, so merged updates keep it', () => {
    const option = equityChartOption(data, LIGHT_CHART_THEME)
    const zooms = asArray(option.dataZoom)
    expect(zooms.map((z) => z.type)).toEqual(['inside'])
    for (const zoom of zooms) {
      for (const key of ['start', 'end', 'startValue', 'endValue'])
        expect(zoom).not.toHaveProperty(key)
    }
  })

  it('takes its colours from the theme', () => {
    const light = equityChartOption(data, LIGHT_CHART_THEME)
    const dark = equityChartOption(data, DARK_CHART_THEME)
    expect(byId(light, 'equity').color).toBe(LIGHT_CHART_THEME.series[0])
    expect(byId(dark, 'equity').color).toBe(DARK_CHART_THEME.series[0])
    expect(JSON.stringify(dark)).toContain(DARK_CHART_THEME.muted)
  })

  it('leaves the legend to HTML: no legend in the option, names and colours from equityLegend', () => {
    const option = equityChartOption(data, LIGHT_CHART_THEME)
    expect(option).not.toHaveProperty('legend')
    expect(equityLegend('SSE Composite', LIGHT_CHART_THEME)).toEqual([
      { name: 'Equity', color: byId(option, 'equity').color, line: 'solid' },
      { name: 'SSE Composite', color: byId(option, 'index').color, line: 'solid' },
    ])
    expect(equityLegend(null, DARK_CHART_THEME).map((item) => item.name)).toEqual(['Equity'])
  })

  it('keeps the index series (empty) and hides its axis when no index is chosen', () => {
    const option = equityChartOption({ ...data, indexName: null }, LIGHT_CHART_THEME)
    expect(byId(option, 'index').data).toEqual([])
    expect((asArray(option.yAxis)[1] as { show: boolean }).show).toBe(false)
  })

  it('leaves the axis free before any data', () => {
    const option = equityChartOption(
      { ...data, equity: [], index: [], end: null },
      LIGHT_CHART_THEME,
    )
    const x = asArray(option.xAxis)[0] as { min?: number; max?: number }
    expect(x.min).toBeUndefined()
    expect(x.max).toBeUndefined()
  })
  it('keeps the time axis moving with the clock when the stream goes quiet, never before the data', () => {
    const quiet = equityChartOption({ ...data, now: T + 60_000 }, LIGHT_CHART_THEME)
    const axis = asArray(quiet.xAxis)[0] as { min?: number; max?: number }
    expect(axis.max).toBe(T + 60_000)
    expect(axis.min).toBe(T + 60_000 - data.windowMs)
    // A clock behind the data does not cut the newest points off.
    const behind = asArray(equityChartOption({ ...data, now: T }, LIGHT_CHART_THEME).xAxis)[0] as {
      max?: number
    }
    expect(behind.max).toBe(T + 9000)
  })
})

describe('trainingChartOption', () => {
  const curves = {
    loss: [
      [1, 0.9],
      [2, 0.7],
      [3, 0.5],
    ] as [number, number][],
    val_loss: [
      [1, 0.95],
      [2, 0.8],
      [3, 0.6],
    ] as [number, number][],
    accuracy: [] as [number, number][],
    val_accuracy: [] as [number, number][],
  }

  it('draws loss and val_loss per epoch, val_loss dashed, always the same six series', () => {
    const option = trainingChartOption(curves, LIGHT_CHART_THEME)
    expect(seriesOf(option).map((s) => s.id)).toEqual([
      'loss_raw',
      'val_loss_raw',
      'loss',
      'val_loss',
      'accuracy',
      'val_accuracy',
    ])
    expect(byId(option, 'loss').data).toEqual(curves.loss)
    expect((byId(option, 'val_loss').lineStyle as { type: string }).type).toBe('dashed')
    expect(byId(option, 'loss').showSymbol).toBe(false)
    expect(option.animation).toBe(false)
  })

  it('has no legend in the option; the HTML legend lists accuracy only when reported', () => {
    expect(trainingChartOption(curves, LIGHT_CHART_THEME)).not.toHaveProperty('legend')
    const legend = trainingLegend(curves, LIGHT_CHART_THEME)
    expect(legend).toEqual([
      { name: 'loss', color: LIGHT_CHART_THEME.series[0], line: 'solid' },
      { name: 'val loss', color: LIGHT_CHART_THEME.series[0], line: 'dashed' },
    ])
    const withAcc = trainingLegend({ ...curves, val_accuracy: [[1, 0.6]] }, LIGHT_CHART_THEME)
    expect(withAcc.map((item) => `${item.name}:${item.line}`)).toEqual([
      'loss:solid',
      'val loss:dashed',
      'acc:solid',
      'val acc:dashed',
    ])
  })

  it('shows the accuracy axis only when accuracy is reported', () => {
    const without = trainingChartOption(curves, LIGHT_CHART_THEME)
    expect((asArray(without.yAxis)[1] as { show: boolean }).show).toBe(false)
    const withAcc = trainingChartOption(
      {
        ...curves,
        accuracy: [
          [1, 0.6],
          [2, 0.7],
        ],
      },
      LIGHT_CHART_THEME,
    )
    expect((asArray(withAcc.yAxis)[1] as { show: boolean }).show).toBe(true)
    expect(byId(withAcc, 'accuracy').yAxisIndex).toBe(1)
  })
})

describe('backtestChartOption', () => {
  const series = {
    equity: line(5, 1_000_000, 86_400_000),
    benchmark: line(5, 990_000, 86_400_000),
    drawdown: line(5, 0, 86_400_000).map(([t], i) => [t, i * 0.01] as [number, number]),
  }

  it('puts equity and benchmark on the top grid and drawdown as an area below zero', () => {
    const option = backtestChartOption(series, LIGHT_CHART_THEME)
    expect(asArray(option.grid)).toHaveLength(2)
    expect(byId(option, 'equity').xAxisIndex).toBe(0)
    expect(byId(option, 'benchmark').data).toEqual(series.benchmark)
    const drawdown = byId(option, 'drawdown')
    expect(drawdown.xAxisIndex).toBe(1)
    expect(drawdown.areaStyle).toBeTruthy()
    expect((drawdown.data as [number, number][]).map(([, v]) => v)).toEqual([
      -0, -0.01, -0.02, -0.03, -0.04,
    ])
    expect(seriesOf(option).every((s) => s.showSymbol === false && s.sampling === 'minmax')).toBe(
      true,
    )
  })

  it('has no legend in the option; the HTML legend matches the series names and colours', () => {
    const option = backtestChartOption(series, DARK_CHART_THEME)
    expect(option).not.toHaveProperty('legend')
    expect(backtestLegend(DARK_CHART_THEME)).toEqual(
      seriesOf(option).map((s) => ({
        name: s.name,
        color: s.color,
        line: s.areaStyle ? 'area' : 'solid',
      })),
    )
  })

  it('links the two time axes for the tooltip', () => {
    const option = backtestChartOption(series, LIGHT_CHART_THEME)
    expect(option.axisPointer).toEqual({ link: [{ xAxisIndex: 'all' }] })
  })
})

describe('rangeFormatter', () => {
  it('uses millions with the decimals the range needs', () => {
    expect(
      rangeFormatter([
        [0, 1_000_000],
        [1, 2_000_000],
      ])(1_500_000),
    ).toBe('1.5M')
    expect(
      rangeFormatter([
        [0, 1_240_000],
        [1, 1_250_000],
      ])(1_245_000),
    ).toBe('1.245M')
  })

  it('falls back to whole numbers when millions would repeat', () => {
    expect(
      rangeFormatter([
        [0, 1_252_000],
        [1, 1_252_900],
      ])(1_252_520),
    ).toBe('1,252,520')
  })

  it('keeps small values compact', () => {
    expect(
      rangeFormatter([
        [0, 3300],
        [1, 3350],
      ])(3342.1),
    ).toBe('3,342.1')
  })
})

describe('themeFromCss', () => {
  it('reads the CSS variables and falls back per missing variable', () => {
    const vars: Record<string, string> = { '--text': ' #111111 ', '--series-1': '#abcdef' }
    const theme = themeFromCss('dark', (name) => vars[name] ?? '')
    expect(theme.name).toBe('dark')
    expect(theme.text).toBe('#111111')
    expect(theme.series[0]).toBe('#abcdef')
    expect(theme.muted).toBe(DARK_CHART_THEME.muted)
  })
})
