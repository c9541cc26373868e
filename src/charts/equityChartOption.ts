// Dashboard line chart: portfolio equity (left axis) and one index (right axis) over the chosen window.
import type { ChartTheme } from './chartTheme'
import { axisStyle, LABELS_INSIDE, rangeFormatter, streamLine, tooltipStyle } from './common'
import type { LegendItem, Point } from './common'
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
  /** Name of the index line (the HTML legend shows it); null hides it. */
  indexName: string | null
  windowMs: number
  /** The newest data time (epoch ms). */
  end: number | null
  /**
   * The clock (epoch ms, server-corrected) while live: the axis ends here, not at the last point,
   * so a stream that went quiet shows the gap instead of a line that stops. Null or absent: `end`.
   */
  now?: number | null
}

/** The legend: equity, and the index when one is chosen. */
export function equityLegend(indexName: string | null, theme: ChartTheme): LegendItem[] {
  const items: LegendItem[] = [{ name: 'Equity', color: theme.series[0], line: 'solid' }]
  if (indexName !== null) items.push({ name: indexName, color: theme.series[1], line: 'solid' })
  return items
}

export function equityChartOption(data: EquityChartData, theme: ChartTheme): ChartOption {
  const axis = axisStyle(theme)
  const newest = data.end ?? undefined
  // Without data there is no axis to move; with data, the axis never ends before the clock.
  const end = newest === undefined ? undefined : Math.max(newest, data.now ?? newest)
  const start = end === undefined ? undefined : end - data.windowMs
  return {
    animation: false,
    // The legend is HTML above the chart, so the plot starts near the top.
    grid: { left: 8, right: 8, top: 10, bottom: 8, ...LABELS_INSIDE },
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
        axisLabel: { ...axis.axisLabel, formatter: rangeFormatter(data.index) },
        splitLine: { show: false },
      },
    ],
    // Wheel, pinch and drag zoom; no start/end here: merged updates keep what the user zoomed to.
    dataZoom: [{ id: 'zoom-inside', type: 'inside', xAxisIndex: 0, filterMode: 'none' }],
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
