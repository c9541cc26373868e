// The ECharts parts the bench pages use (a line chart on a canvas), registered once.
import { LineChart, type LineSeriesOption } from 'echarts/charts'
import { GridComponent, type GridComponentOption } from 'echarts/components'
import { init, use, type ComposeOption, type ECharts } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([LineChart, GridComponent, CanvasRenderer])

export type ChartOption = ComposeOption<LineSeriesOption | GridComponentOption>

/** Points drawn per chart on every page, so all pages draw the same amount. */
export const CHART_POINTS = 500

/** A line chart in a fixed-size box; animation off, as on every page (it only adds cost). */
export function createLineChart(parent: HTMLElement, title: string): ECharts {
  const box = document.createElement('section')
  const heading = document.createElement('h2')
  heading.textContent = title
  const canvas = document.createElement('div')
  canvas.style.width = '420px'
  canvas.style.height = '180px'
  box.append(heading, canvas)
  parent.append(box)
  const chart = init(canvas)
  const option: ChartOption = {
    animation: false,
    grid: { left: 60, right: 10, top: 10, bottom: 24 },
    xAxis: { type: 'value', scale: true },
    yAxis: { type: 'value', scale: true },
    series: [{ type: 'line', showSymbol: false, data: [] }],
  }
  chart.setOption(option)
  return chart
}

/** Replaces the line's points (merging, never clearing the option). */
export function setLine(chart: ECharts, points: readonly (readonly [number, number])[]): void {
  chart.setOption({ series: [{ data: points as [number, number][] }] } satisfies ChartOption)
}
