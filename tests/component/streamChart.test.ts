import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import StreamChart from '@/components/StreamChart.vue'
import type { ChartOption } from '@/charts/echarts'
import { nextTick, ref } from 'vue'
import { charts } from './echartsMock'

// jsdom cannot draw on a canvas: ECharts is replaced by a recorder of what the component asks.
vi.mock('@/charts/echarts', async () => await import('./echartsMock'))

let frames: FrameRequestCallback[] = []
beforeEach(() => {
  charts.length = 0
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

describe('StreamChart', () => {
  beforeEach(() => {
    version.value = 0
  })

  it('draws at most once per frame, merging (never notMerge), and disposes on unmount', async () => {
    let builds = 0
    const build = (): ChartOption => {
      builds += 1
      return { series: [{ id: 'a', type: 'line', data: [[builds, builds]] }] }
    }
    const wrapper = mount(StreamChart, {
      props: { build, revision: () => version.value, label: 'test chart', minIntervalMs: 0 },
      attachTo: document.body,
    })
    const chart = charts[0]
    expect(chart?.setOption).toHaveBeenCalledTimes(1)
    for (const revision of [1, 2, 3]) await bump(revision)
    expect(chart?.setOption).toHaveBeenCalledTimes(1)
    runFrames()
    expect(chart?.setOption).toHaveBeenCalledTimes(2)
    for (const call of chart?.setOption.mock.calls ?? []) {
      const opts = call[1] as { notMerge?: boolean } | undefined
      expect(opts?.notMerge).not.toBe(true)
    }
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toBe('test chart')
    wrapper.unmount()
    expect(chart?.dispose).toHaveBeenCalledTimes(1)
  })

  it('under a flood, redraws at most once per minIntervalMs, then catches up', async () => {
    const wrapper = mount(StreamChart, {
      props: {
        build: () => ({}) as ChartOption,
        revision: () => version.value,
        label: 'x',
        minIntervalMs: 60,
      },
      attachTo: document.body,
    })
    const chart = charts[0]
    expect(chart?.setOption).toHaveBeenCalledTimes(1)
    for (const revision of [1, 2, 3]) {
      await bump(revision)
      runFrames()
    }
    // Too soon after the first draw: the change waits instead of costing a draw per frame.
    expect(chart?.setOption).toHaveBeenCalledTimes(1)
    await new Promise((resolve) => setTimeout(resolve, 90))
    runFrames()
    expect(chart?.setOption).toHaveBeenCalledTimes(2)
    wrapper.unmount()
  })

  it('does not redraw while the tab is hidden and catches up when it shows again', async () => {
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    mount(StreamChart, {
      props: { build: () => ({}) as ChartOption, revision: () => version.value, label: 'x' },
      attachTo: document.body,
    })
    const chart = charts[0]
    await bump(1)
    runFrames()
    expect(chart?.setOption).toHaveBeenCalledTimes(0)
    visibility.mockReturnValue('visible')
    document.dispatchEvent(new Event('visibilitychange'))
    await flushPromises()
    runFrames()
    expect(chart?.setOption).toHaveBeenCalledTimes(1)
    visibility.mockRestore()
  })

  it('offers the live edge once the user zoomed away, keeping the zoom width', async () => {
    const wrapper = mount(StreamChart, {
      props: {
        build: () => ({}) as ChartOption,
        revision: () => version.value,
        label: 'x',
        liveEdge: true,
      },
      attachTo: document.body,
    })
    const chart = charts[0]
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(false)
    const onZoom = chart?.on.mock.calls.find((call) => call[0] === 'datazoom')?.[1] as (
      event: unknown,
    ) => void
    // Wheel/pinch/drag zoom reports a batch; a dispatched dataZoom reports start/end directly.
    onZoom({ batch: [{ start: 20, end: 60 }] })
    await flushPromises()
    await wrapper.get('[data-testid="live-edge"]').trigger('click')
    expect(chart?.dispatchAction).toHaveBeenCalledWith({ type: 'dataZoom', start: 60, end: 100 })
    await flushPromises()
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(false)
    onZoom({ start: 10, end: 90 })
    await flushPromises()
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(true)
  })
})
