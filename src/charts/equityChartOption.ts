// Dashboard line chart: portfolio equity (left axis) and one index (right axis) over the chosen window.
import type { ChartTheme } from './chartTheme'
import {
  axisStyle,
  compactNumber,
  legendStyle,
  rangeFormatter,
  streamLine,
  tooltipStyle,
} from './common'
import type { Point } from './common'
import type { ChartOption } from './echarts'

export const CHART_WINDOWS = [
  { label: '1m', ms: 60_000 },
  { label: '5m', ms: 5 * 60_000 },
  { label: '15m', ms: 15 * 60_000 },
  { label: '1h', ms: 60 * 60_000 },
] as const

export interface EquityChartData {
  equity: readonly Point[]
  index: readonly Point[]
  /** Legend name of the index line; null hides it. */
  indexName: string | null
  windowMs: number
  /** The live edge: the newest data time (epoch ms); the x axis ends here. */
  end: number | null
}

export function equityChartOption(data: EquityChartData, theme: ChartTheme): ChartOption {
  const axis = axisStyle(theme)
  const end = data.end ?? undefined
  const start = end === undefined ? undefined : end - data.windowMs
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 28, bottom: 44, containLabel: true },
    legend: legendStyle(theme),
    tooltip: tooltipStyle(theme),
    xAxis: { type: 'time', min: start, max: end, ...axis, splitLine: { show: false } },
    yAxis: [
      {
        type: 'value',
        scale: true,
        ...axis,
        axisLabel: { ...axis.axisLabel, formatter: rangeFormatter(data.equity) },
      },
      {
        type: 'value',
        scale: true,
        show: data.indexName !== null,
        ...axis,
        axisLabel: { ...axis.axisLabel, formatter: compactNumber },
        splitLine: { show: false },
      },
    ],
    // No start/end here: merged updates keep what the user zoomed to.
    dataZoom: [
      { id: 'zoom-inside', type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      {
        id: 'zoom-slider',
        type: 'slider',
        xAxisIndex: 0,
        filterMode: 'none',
        height: 16,
        bottom: 4,
        borderColor: theme.border,
        textStyle: { color: theme.muted },
        showDetail: false,
      },
    ],
    series: [
      { ...streamLine('equity', 'Equity', theme.series[0], data.equity), yAxisIndex: 0 },
      {
        ...streamLine(
          'index',
          data.indexName ?? 'Index',
          theme.series[1],
          data.indexName ? data.index : [],
        ),
        yAxisIndex: 1,
      },
    ],
  }
}
