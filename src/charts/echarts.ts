// The one ECharts entry point: registers exactly the parts the charts use; options are typed from them.
import { LineChart } from 'echarts/charts'
import type { LineSeriesOption } from 'echarts/charts'
import {
  AxisPointerComponent,
  DataZoomInsideComponent,
  GridComponent,
  TooltipComponent,
} from 'echarts/components'
import type {
  AxisPointerComponentOption,
  GridComponentOption,
  TooltipComponentOption,
} from 'echarts/components'
import { init, use } from 'echarts/core'
import type { ComposeOption, EChartsCoreOption, EChartsType } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import type { InsideDataZoomOption } from 'echarts/types/dist/shared'

use([
  LineChart,
  GridComponent,
  TooltipComponent,
  AxisPointerComponent,
  DataZoomInsideComponent,
  CanvasRenderer,
])

/** Only the inside (wheel, pinch, drag) zoom is registered: a slider must fail to compile. */
export type InsideZoomOption = InsideDataZoomOption & { type: 'inside' }

/**
 * ComposeOption keeps a string index signature, so an unregistered component (`legend: {…}`)
 * would still compile: drop it, and add back the global keys the builders use.
 */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : K]: T[K] }

/** An option using only the registered parts: anything else fails to compile. */
export type ChartOption = KnownKeys<
  ComposeOption<
    | LineSeriesOption
    | GridComponentOption
    | TooltipComponentOption
    | AxisPointerComponentOption
    | InsideZoomOption
  >
> &
  Pick<EChartsCoreOption, 'animation'>

export type Chart = EChartsType
export type { LineSeriesOption }

/** A chart's size in CSS pixels, as a ResizeObserver reported it. */
export interface ChartSize {
  width: number
  height: number
}

/**
 * A canvas chart in `el`. With `size` (from a ResizeObserver) ECharts does not read the element's
 * layout, which would force a synchronous layout whenever the DOM changed in the same frame.
 */
export function createChart(el: HTMLElement, size?: ChartSize): Chart {
  return init(el, null, { renderer: 'canvas', ...size })
}
