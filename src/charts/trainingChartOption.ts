// Training curves per epoch: loss and val_loss (left axis), accuracy and val_accuracy (right) when present.
import type { ChartTheme } from './chartTheme'
import { axisStyle, streamLine, tooltipStyle } from './common'
import type { LegendItem, Point } from './common'
import type { ChartOption } from './echarts'

export interface TrainingCurves {
  loss: readonly Point[]
  val_loss: readonly Point[]
  accuracy: readonly Point[]
  val_accuracy: readonly Point[]
}

function hasAccuracy(curves: TrainingCurves): boolean {
  return curves.accuracy.length > 0 || curves.val_accuracy.length > 0
}

/** The legend: loss curves always, accuracy curves when the run reports accuracy. */
export function trainingLegend(curves: TrainingCurves, theme: ChartTheme): LegendItem[] {
  const [c1, , c3] = theme.series
  const items: LegendItem[] = [
    { name: 'loss', color: c1, line: 'solid' },
    { name: 'val loss', color: c1, line: 'dashed' },
  ]
  if (hasAccuracy(curves)) {
    items.push(
      { name: 'acc', color: c3, line: 'solid' },
      { name: 'val acc', color: c3, line: 'dashed' },
    )
  }
  return items
}

export function trainingChartOption(curves: TrainingCurves, theme: ChartTheme): ChartOption {
  const axis = axisStyle(theme)
  const accuracy = hasAccuracy(curves)
  const dashed = { type: 'dashed' as const }
  const [c1, , c3] = theme.series
  return {
    animation: false,
    grid: { left: 4, right: 4, top: 8, bottom: 4, containLabel: true },
    tooltip: tooltipStyle(theme),
    xAxis: { type: 'value', minInterval: 1, ...axis, splitLine: { show: false } },
    yAxis: [
      { type: 'value', scale: true, ...axis },
      { type: 'value', min: 0, max: 1, show: accuracy, ...axis, splitLine: { show: false } },
    ],
    series: [
      { ...streamLine('loss', 'loss', c1, curves.loss), yAxisIndex: 0 },
      {
        ...streamLine('val_loss', 'val loss', c1, curves.val_loss),
        yAxisIndex: 0,
        lineStyle: { color: c1, width: 1.5, ...dashed },
      },
      { ...streamLine('accuracy', 'acc', c3, curves.accuracy), yAxisIndex: 1 },
      {
        ...streamLine('val_accuracy', 'val acc', c3, curves.val_accuracy),
        yAxisIndex: 1,
        lineStyle: { color: c3, width: 1.5, ...dashed },
      },
    ],
  }
}
