// The one chart component, drawing with the real ECharts through vue-echarts (see realCharts.ts for
// why in SVG at a fixed size): frames are stubbed, so each test says when the scheduler's turn comes.
import { flushPromises, mount } from '@vue/test-utils'
import type { EChartsType } from 'echarts/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'
import type { ChartOption } from '@/charts/echarts'
import StreamChart from '@/components/StreamChart.vue'
import { CHART_PROVIDE, chartsIn, seriesOf } from './realCharts'

let frames: FrameRequestCallback[] = []
beforeEach(() => {
  frames = []
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb))
  vi.stubGlobal('cancelAnimationFrame', () => {})
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

function runFrames(): void {
  const due = frames
  frames = []
  for (const cb of due) cb(performance.now())
}

/** What the charts' revision getter reads: a store's version, say. */
const version = ref(0)
async function bump(to: number) {
  version.value = to
  await nextTick()
}

/** A line over time with an inside zoom, as the dashboard draws it; `n` tells the draws apart. */
function lineOption(n: number): ChartOption {
  return {
    animation: false,
    xAxis: { type: 'time' },
    yAxis: [{ type: 'value' }],
    dataZoom: [{ id: 'zoom', type: 'inside', xAxisIndex: 0, filterMode: 'none' }],
    series: [
      {
        id: 'a',
        type: 'line',
        data: Array.from({ length: 20 }, (_, i): [number, number] => [i * 1000, n + i]),
      },
    ],
  }
}

function mountChart(props: Partial<InstanceType<typeof StreamChart>['$props']> = {}) {
  return mount(StreamChart, {
    props: {
      build: () => lineOption(version.value),
      revision: () => version.value,
      label: 'test chart',
      height: '200px',
      ...props,
    },
    attachTo: document.body,
    global: { provide: CHART_PROVIDE },
  })
}

/** The chart once its chunk has loaded and VChart has made the ECharts instance. */
async function chartOf(wrapper: ReturnType<typeof mountChart>): Promise<EChartsType> {
  await flushPromises()
  const chart = chartsIn(wrapper.element)[0]
  if (!chart) throw new Error('no chart was made')
  return chart
}

describe('StreamChart', () => {
  beforeEach(() => {
    version.value = 0
  })

  it('draws at most once per frame, merging (never notMerge), and disposes on unmount', async () => {
    const wrapper = mountChart({ minIntervalMs: 0 })
    const chart = await chartOf(wrapper)
    const setOption = vi.spyOn(chart, 'setOption')
    runFrames()
    expect(setOption).toHaveBeenCalledTimes(1)
    expect(seriesOf(chart)[0]?.data[0]).toEqual([0, 0])
    for (const revision of [1, 2, 3]) await bump(revision)
    expect(setOption).toHaveBeenCalledTimes(1)
    runFrames()
    expect(setOption).toHaveBeenCalledTimes(2)
    // The newest data, not one draw per change.
    expect(seriesOf(chart)[0]?.data[0]).toEqual([0, 3])
    for (const call of setOption.mock.calls) {
      const opts = call[1] as { notMerge?: boolean } | undefined
      expect(opts?.notMerge).not.toBe(true)
    }
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toBe('test chart')
    wrapper.unmount()
    await flushPromises()
    expect(chart.isDisposed()).toBe(true)
  })

  it('under a flood, redraws at most once per minIntervalMs, then catches up', async () => {
    const drawnAt: number[] = []
    const wrapper = mountChart({
      minIntervalMs: 60,
      build: () => {
        drawnAt.push(performance.now())
        return lineOption(version.value)
      },
    })
    const chart = await chartOf(wrapper)
    runFrames()
    expect(drawnAt).toHaveLength(1)
    for (const revision of [1, 2, 3]) {
      await bump(revision)
      runFrames()
    }
    // Too soon after the first draw: the change waits instead of costing a draw per frame (on a
    // machine slow enough that 60 ms passed meanwhile, one more draw was due).
    if (performance.now() - drawnAt[0]! < 60) expect(drawnAt).toHaveLength(1)
    else expect(drawnAt.length).toBeLessThanOrEqual(2)
    await vi.waitFor(
      () => {
        runFrames()
        expect(seriesOf(chart)[0]?.data[0]).toEqual([0, 3])
      },
      { interval: 5, timeout: 2000 },
    )
    for (let i = 1; i < drawnAt.length; i += 1)
      expect(drawnAt[i]! - drawnAt[i - 1]!).toBeGreaterThanOrEqual(60)
    wrapper.unmount()
  })

  it('does not redraw while the tab is hidden and catches up when it shows again', async () => {
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    const wrapper = mountChart()
    const chart = await chartOf(wrapper)
    const setOption = vi.spyOn(chart, 'setOption')
    await bump(1)
    runFrames()
    expect(setOption).toHaveBeenCalledTimes(0)
    visibility.mockReturnValue('visible')
    document.dispatchEvent(new Event('visibilitychange'))
    await flushPromises()
    runFrames()
    expect(setOption).toHaveBeenCalledTimes(1)
    expect(seriesOf(chart)[0]?.data[0]).toEqual([0, 1])
    visibility.mockRestore()
    wrapper.unmount()
  })

  it("keeps the user's zoom across updates and offers the live edge, keeping the zoom width", async () => {
    const wrapper = mountChart({ liveEdge: true, minIntervalMs: 0 })
    const chart = await chartOf(wrapper)
    runFrames()
    const zoomOf = () => {
      const [zoom] = (chart.getOption() as { dataZoom: { start: number; end: number }[] }).dataZoom
      return { start: zoom?.start, end: zoom?.end }
    }
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(false)
    // What a wheel or a drag on the plot does.
    chart.dispatchAction({ type: 'dataZoom', batch: [{ start: 20, end: 60 }] })
    await flushPromises()
    expect(zoomOf()).toEqual({ start: 20, end: 60 })
    // New data is drawn, merged: the window the user chose stays.
    await bump(1)
    runFrames()
    expect(seriesOf(chart)[0]?.data[0]).toEqual([0, 1])
    expect(zoomOf()).toEqual({ start: 20, end: 60 })

    await wrapper.get('[data-testid="live-edge"]').trigger('click')
    expect(zoomOf()).toEqual({ start: 60, end: 100 })
    await flushPromises()
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(false)
    chart.dispatchAction({ type: 'dataZoom', start: 10, end: 90 })
    await flushPromises()
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(true)
    wrapper.unmount()
  })

  it('builds no chart until its box is on screen', async () => {
    const observers: IntersectionObserverCallback[] = []
    vi.stubGlobal(
      'IntersectionObserver',
      class {
        constructor(callback: IntersectionObserverCallback) {
          observers.push(callback)
        }
        observe() {}
        unobserve() {}
        disconnect() {}
        takeRecords() {
          return []
        }
      },
    )
    const wrapper = mountChart({ minIntervalMs: 0 })
    await flushPromises()
    runFrames()
    expect(chartsIn(wrapper.element)).toHaveLength(0)
    const entry = { isIntersecting: true } as IntersectionObserverEntry
    for (const callback of observers) callback([entry], {} as IntersectionObserver)
    const chart = await chartOf(wrapper)
    runFrames()
    expect(seriesOf(chart)[0]?.data).toHaveLength(20)
    wrapper.unmount()
  })
})
