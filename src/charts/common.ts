// What every option builder shares: axis and tooltip look, streaming-line defaults, legend entries.
import type { ChartTheme } from './chartTheme'
import type { LineSeriesOption } from './echarts'

export type Point = readonly [number, number]

/** One entry of a chart's HTML legend: the series name and how its line is drawn. */
export interface LegendItem {
  name: string
  color: string
  line: 'solid' | 'dashed' | 'area'
}

/**
 * Streaming line defaults: no animation, no symbols, and min-max sampling once a line has more
 * points than pixels, so long windows stay cheap and a spike stays visible (LTTB can drop it).
 */
export function streamLine(
  id: string,
  name: string,
  color: string,
  data: readonly Point[],
): LineSeriesOption {
  return {
    id,
    name,
    type: 'line',
    data: data as [number, number][],
    showSymbol: false,
    sampling: 'minmax',
    animation: false,
    color,
    lineStyle: { width: 1.5, color },
    emphasis: { disabled: true },
  }
}

/**
 * Axis labels kept inside the grid's box (ECharts 6's form of the old `containLabel`, which needs
 * the LegacyGridContainLabel part registered and otherwise falls back to exactly this).
 */
export const LABELS_INSIDE = { outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' } as const

export function axisStyle(theme: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: theme.border } },
    axisTick: { lineStyle: { color: theme.border } },
    axisLabel: { color: theme.muted, hideOverlap: true },
    splitLine: { lineStyle: { color: theme.border, opacity: 0.6 } },
    nameTextStyle: { color: theme.muted },
  }
}

export function tooltipStyle(theme: ChartTheme) {
  return {
    trigger: 'axis' as const,
    backgroundColor: theme.surface,
    borderColor: theme.border,
    textStyle: { color: theme.text },
    axisPointer: { lineStyle: { color: theme.muted } },
  }
}

// Formatters made once: toLocaleString with options builds one per call, per axis label, per draw.
const wholeNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const smallNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })

/**
 * An axis label formatter suited to the values' range, so no two ticks read the same: millions
 * with as many decimals as the ticks need ("1.246M"), or whole numbers when the range is too
 * narrow for that ("1,252,520"); thousands ("11k") only while the ticks are 1,000 or more apart.
 */
export function rangeFormatter(...series: (readonly Point[])[]): (value: number) => string {
  let min = Infinity
  let max = -Infinity
  for (const points of series) {
    for (const [, v] of points) {
      if (v < min) min = v
      if (v > max) max = v
    }
  }
  const scale = Math.max(Math.abs(min), Math.abs(max))
  if (!Number.isFinite(scale) || scale < 1e4) return compactNumber
  if (scale < 1e6) {
    // Thousands ("11k") repeat when the ticks are closer than 1,000 apart (an index at 11,000
    // moving by 80): then whole numbers, or the decimals the ticks need.
    const tick = (max - min) / 5
    if (tick >= 1e3) return compactNumber
    const places = tick > 0 ? Math.min(2, Math.max(0, Math.ceil(-Math.log10(tick)))) : 2
    const format = places === 0 ? wholeNumber : places === 1 ? oneDecimal : smallNumber
    return (value) => format.format(value)
  }
  // About five ticks across the range; enough decimals (in millions) to tell them apart.
  const step = Math.max((max - min) / 5, 1)
  const digits = Math.max(0, Math.ceil(-Math.log10(step / 1e6)))
  if (digits > 3) return (value) => wholeNumber.format(Math.round(value))
  return (value) => `${(value / 1e6).toFixed(digits)}M`
}

/** Compact axis numbers ("1.25M", "3,342"). */
export function compactNumber(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}B`
  if (abs >= 1e6) return `${(value / 1e6).toFixed(3)}M`
  if (abs >= 1e4) return `${(value / 1e3).toFixed(0)}k`
  return smallNumber.format(value)
}
