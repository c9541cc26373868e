// Market breadth as one stacked horizontal bar: advancing, unchanged, declining.
import type { ChartTheme } from './chartTheme'
import type { BarSeriesOption, ChartOption } from './echarts'

export interface Breadth {
  advancing: number
  declining: number
  unchanged: number
}

/** Segments narrower than this share of the bar carry no label (it would not fit). */
const MIN_LABEL_SHARE = 0.1

function part(
  id: string,
  name: string,
  value: number,
  total: number,
  color: string,
  text: string,
): BarSeriesOption {
  return {
    id,
    name,
    type: 'bar',
    stack: 'breadth',
    data: [value],
    color,
    barWidth: 22,
    animation: false,
    emphasis: { disabled: true },
    label: {
      show: total > 0 && value / total >= MIN_LABEL_SHARE,
      color: text,
      formatter: `${name} {c}`,
    },
  }
}

export function breadthChartOption(breadth: Breadth, theme: ChartTheme): ChartOption {
  const total = breadth.advancing + breadth.declining + breadth.unchanged
  return {
    animation: false,
    grid: { left: 0, right: 0, top: 0, bottom: 0 },
    tooltip: {
      trigger: 'item',
      backgroundColor: theme.surface,
      borderColor: theme.border,
      textStyle: { color: theme.text },
    },
    xAxis: { type: 'value', show: false, max: total > 0 ? total : 1 },
    yAxis: { type: 'category', show: false, data: ['breadth'] },
    series: [
      part('advancing', '▲', breadth.advancing, total, theme.up, theme.surface),
      part('unchanged', '■', breadth.unchanged, total, theme.muted, theme.surface),
      part('declining', '▼', breadth.declining, total, theme.down, theme.surface),
    ],
  }
}
