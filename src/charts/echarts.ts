// The one ECharts entry point: registers exactly the parts the charts use, once, and hands out
// vue-echarts' VChart with them; options are typed from those parts. Loaded in the charts' own chunk.
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
import { use } from 'echarts/core'
import type { ComposeOption, EChartsCoreOption, Payload } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import type { InsideDataZoomOption } from 'echarts/types/dist/shared'
import type { Exposed } from 'vue-echarts'

// Canvas only: an SVG renderer would add its own code for nothing the page draws. Tooltip brings
// the axis pointer with it; it is named because the backtest chart links its two axes' pointers.
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

/** What a mounted VChart offers: our own `setOption` (manual-update), `resize`, `dispatchAction`… */
export type ChartView = Exposed
/** What an ECharts event hands its listener (a `datazoom`: start/end, or a batch of them). */
export type ChartEvent = Payload
export type { LineSeriesOption }

/** A chart's size in CSS pixels, as a ResizeObserver reported it. */
export interface ChartSize {
  width: number
  height: number
}

// Imported from here only, so every VChart on the page has the parts above registered.
export { default as VChart } from 'vue-echarts'
