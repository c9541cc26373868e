// Training curves per epoch: loss and val_loss (left axis, EMA-smoothed over a faint raw line),
// accuracy and val_accuracy (right) when present; and loss of several runs overlaid for comparison.
import type { ChartTheme } from './chartTheme'
import { axisStyle, LABELS_INSIDE, streamLine, tooltipStyle } from './common'
import type { LegendItem, Point } from './common'
import type { ChartOption } from './echarts'

export interface TrainingCurves {
  loss: readonly Point[]
  val_loss: readonly Point[]
  accuracy: readonly Point[]
  val_accuracy: readonly Point[]
}

/** Smoothing weights the slider offers, 0 (raw) to 0.99. */
export const SMOOTHING_MAX = 0.99

/**
 * Debiased exponential moving average (TensorBoard's): each point depends only on the points before
 * it, so new points never change the smoothed past. Computed on every point, never on a sample.
 */
export function ema(points: readonly Point[], weight: number): Point[] {
  const w = Math.min(SMOOTHING_MAX, Math.max(0, weight))
  if (w === 0) return points.slice()
  const out: Point[] = []
  let acc = 0
  let n = 0
  for (const [x, y] of points) {
    if (!Number.isFinite(y)) continue
    acc = acc * w + (1 - w) * y
    n += 1
    out.push([x, acc / (1 - w ** n)])
  }
  return out
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

/** The unsmoothed line under a smoothed one: same colour, faint, no tooltip of its own. */
const rawLine: typeof streamLine = (id, name, color, data) => ({
  ...streamLine(id, name, color, data),
  lineStyle: { width: 1, color, opacity: 0.25 },
  tooltip: { show: false },
  z: 1,
})

export function trainingChartOption(
  curves: TrainingCurves,
  theme: ChartTheme,
  smoothing = 0,
): ChartOption {
  const axis = axisStyle(theme)
  const accuracy = hasAccuracy(curves)
  const dashed = { type: 'dashed' as const }
  const [c1, , c3] = theme.series
  const smooth = smoothing > 0
  return {
    animation: false,
    grid: { left: 4, right: 4, top: 8, bottom: 4, ...LABELS_INSIDE },
    tooltip: tooltipStyle(theme),
    xAxis: { type: 'value', minInterval: 1, ...axis, splitLine: { show: false } },
    yAxis: [
      { type: 'value', scale: true, ...axis },
      { type: 'value', min: 0, max: 1, show: accuracy, ...axis, splitLine: { show: false } },
    ],
    series: [
      rawLine('loss_raw', 'loss (raw)', c1, smooth ? curves.loss : []),
      rawLine('val_loss_raw', 'val loss (raw)', c1, smooth ? curves.val_loss : []),
      { ...streamLine('loss', 'loss', c1, ema(curves.loss, smoothing)), yAxisIndex: 0, z: 2 },
      {
        ...streamLine('val_loss', 'val loss', c1, ema(curves.val_loss, smoothing)),
        yAxisIndex: 0,
        z: 2,
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

export interface ComparedRun {
  runId: string
  label: string
  loss: readonly Point[]
}

/** A colour per compared run, cycling through the theme's series colours. */
export function compareColor(index: number, theme: ChartTheme): string {
  return theme.series[index % theme.series.length] as string
}

export function compareLegend(runs: readonly ComparedRun[], theme: ChartTheme): LegendItem[] {
  return runs.map((run, i) => ({ name: run.label, color: compareColor(i, theme), line: 'solid' }))
}

/** Loss of several runs against epoch, smoothed like the single-run charts. */
export function compareChartOption(
  runs: readonly ComparedRun[],
  theme: ChartTheme,
  smoothing = 0,
): ChartOption {
  const axis = axisStyle(theme)
  const smooth = smoothing > 0
  return {
    animation: false,
    grid: { left: 4, right: 4, top: 8, bottom: 4, ...LABELS_INSIDE },
    tooltip: tooltipStyle(theme),
    xAxis: { type: 'value', minInterval: 1, name: 'epoch', ...axis, splitLine: { show: false } },
    yAxis: [{ type: 'value', scale: true, ...axis }],
    series: runs.flatMap((run, i) => {
      const color = compareColor(i, theme)
      return [
        rawLine(`raw:${run.runId}`, `${run.label} (raw)`, color, smooth ? run.loss : []),
        { ...streamLine(`run:${run.runId}`, run.label, color, ema(run.loss, smoothing)), z: 2 },
      ]
    }),
  }
}
