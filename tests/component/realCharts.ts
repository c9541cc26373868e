// Component tests draw with the real ECharts through vue-echarts (nothing of either is replaced).
// jsdom has no canvas (HTMLCanvasElement.getContext is not implemented) and lays nothing out (every
// element measures 0 × 0), so charts here use ECharts' SVG renderer, registered for tests only (the
// page registers canvas alone), at an explicit size, both through vue-echarts' init options.
import { getInstanceByDom, setPlatformAPI, use, type EChartsType } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { expect, vi } from 'vitest'
import { INIT_OPTIONS_KEY } from 'vue-echarts'
import '@/charts/echarts'

use(SVGRenderer)
// ECharts measures label text on a canvas when it can; without one it uses its own table of
// character widths (asking jsdom for a canvas context only logs "not implemented" each time).
setPlatformAPI({ createCanvas: () => null as unknown as HTMLCanvasElement })

/** What component tests provide, so that every chart they mount can draw in jsdom. */
export const CHART_PROVIDE = {
  [INIT_OPTIONS_KEY as symbol]: { renderer: 'svg', width: 600, height: 240 },
}

/** The ECharts instances drawn inside `root`, in document order. */
export function chartsIn(root: Element): EChartsType[] {
  return [...root.querySelectorAll<HTMLElement>('.echarts-host')].flatMap((host) => {
    const chart = getInstanceByDom(host)
    return chart ? [chart] : []
  })
}

export interface DrawnSeries {
  id: string
  name: string
  data: [number, number][]
}

/** The series a chart holds now, as ECharts reports them (getOption). */
export function seriesOf(chart: EChartsType): DrawnSeries[] {
  const option = chart.getOption() as { series?: DrawnSeries[] }
  return option.series ?? []
}

/** The first chart inside `root` once it has drawn series: at its turn of the render scheduler. */
export async function drawnChart(root: Element): Promise<EChartsType> {
  return vi.waitFor(() => {
    const chart = chartsIn(root)[0]
    expect(chart && seriesOf(chart).length).toBeGreaterThan(0)
    return chart as EChartsType
  })
}
