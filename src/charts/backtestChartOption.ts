// Backtest chart: equity against benchmark on top, drawdown as an area below, sharing the date axis.
import type { ChartTheme } from './chartTheme'
import { axisStyle, LABELS_INSIDE, rangeFormatter, streamLine, tooltipStyle } from './common'
import type { LegendItem, Point } from './common'
import type { ChartOption } from './echarts'

export interface BacktestSeries {
  equity: readonly Point[]
  benchmark: readonly Point[]
  /** Drawdown as a fraction (0.034 = 3.4 % below the peak). */
  drawdown: readonly Point[]
}

function percent(value: number): string {
  return `${(value * 100).toFixed(0)} %`
}

export function backtestLegend(theme: ChartTheme): LegendItem[] {
  return [
    { name: 'Equity', color: theme.series[0], line: 'solid' },
    { name: 'Benchmark', color: theme.muted, line: 'solid' },
    { name: 'Drawdown', color: theme.down, line: 'area' },
  ]
}

export function backtestChartOption(series: BacktestSeries, theme: ChartTheme): ChartOption {
  const axis = axisStyle(theme)
  // Drawn downwards from zero, as a loss reads.
  const underwater: Point[] = series.drawdown.map(([t, dd]) => [t, -Math.abs(dd)])
  return {
    animation: false,
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    tooltip: tooltipStyle(theme),
    grid: [
      { left: 4, right: 8, top: 8, height: '58%', ...LABELS_INSIDE },
      { left: 4, right: 8, bottom: 4, height: '22%', ...LABELS_INSIDE },
    ],
    xAxis: [
      {
        type: 'time',
        gridIndex: 0,
        ...axis,
        axisLabel: { show: false },
        splitLine: { show: false },
      },
      { type: 'time', gridIndex: 1, ...axis, splitLine: { show: false } },
    ],
    yAxis: [
      {
        type: 'value',
        gridIndex: 0,
        scale: true,
        ...axis,
        axisLabel: {
          ...axis.axisLabel,
          formatter: rangeFormatter(series.equity, series.benchmark),
        },
      },
      {
        type: 'value',
        gridIndex: 1,
        max: 0,
        splitNumber: 2,
        ...axis,
        axisLabel: { ...axis.axisLabel, formatter: percent },
      },
    ],
    series: [
      {
        ...streamLine('equity', 'Equity', theme.series[0], series.equity),
        xAxisIndex: 0,
        yAxisIndex: 0,
      },
      {
        ...streamLine('benchmark', 'Benchmark', theme.muted, series.benchmark),
        xAxisIndex: 0,
        yAxisIndex: 0,
      },
      {
        ...streamLine('drawdown', 'Drawdown', theme.down, underwater),
        xAxisIndex: 1,
        yAxisIndex: 1,
        areaStyle: { color: theme.down, opacity: 0.25 },
        tooltip: {
          valueFormatter: (value) =>
            typeof value === 'number' ? `${(value * 100).toFixed(1)} %` : '',
        },
      },
    ],
  }
}
