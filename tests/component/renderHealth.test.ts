import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { shallowRef } from 'vue'
import ConnectionStrip from '@/components/ConnectionStrip.vue'
import DiagnosticsDrawer from '@/components/DiagnosticsDrawer.vue'
import type { RenderStats } from '@/render/scheduler'
import type * as RenderHealthModule from '@/render/useRenderHealth'
import { useConnectionStore } from '@/stores/connectionStore'
import { channelStatus, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'

// The page's drawing health as the scheduler would report it for a page that cannot keep up.
const stats = shallowRef<RenderStats>({
  intervalMs: 0,
  behind: false,
  fps: 60,
  drawMsPerSecond: 20,
})
vi.mock('@/render/useRenderHealth', async (importOriginal) => ({
  ...(await importOriginal<typeof RenderHealthModule>()),
  useRenderHealth: () => ({
    stats,
    longFrames: {
      source: 'long-animation-frame',
      perMinute: () => 7,
      longestMs: () => 182.4,
      record: () => {},
      dispose: () => {},
    },
  }),
}))

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
  useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
})
afterEach(() => {
  document.body.innerHTML = ''
  stats.value = { intervalMs: 0, behind: false, fps: 60, drawMsPerSecond: 20 }
})

describe('drawing health', () => {
  it('the header says nothing while the page keeps up, and says it is behind when it is not', async () => {
    const wrapper = mountWith(ConnectionStrip, pinia)
    expect(wrapper.find('[data-testid="behind"]').exists()).toBe(false)
    stats.value = { intervalMs: 512, behind: true, fps: 18, drawMsPerSecond: 90 }
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="behind"]').text()).toContain(
      'drawing every 500 ms — the page is behind',
    )
    // Paused on purpose: the display is frozen, not behind.
    useConnectionStore().setPaused(true)
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="behind"]').exists()).toBe(false)
  })

  it('the header says how late live data arrives, and that the display is behind real time', async () => {
    const wrapper = mountWith(ConnectionStrip, pinia)
    const store = useConnectionStore()
    const lateBy = (channel: 'dashboard' | 'alerts', ms: number) =>
      store.setStatus(channel, { ...channelStatus(channel, OPEN), late: { ms, at: Date.now() } })
    // Half a second later than usual: on time for a person.
    lateBy('dashboard', 500)
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="behind"]').exists()).toBe(false)
    lateBy('dashboard', 8200)
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="behind"]').text()).toContain(
      'data arrives 8 s late — the display is behind real time',
    )
    // Drawing behind too: both are said.
    stats.value = { intervalMs: 2000, behind: true, fps: 12, drawMsPerSecond: 90 }
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="behind"]').text()).toContain(
      'drawing every 2 s · data arrives 8 s late — the display is behind real time',
    )
    // Screen readers hear it without the figures, which change every second: the visible note is
    // not a live region, a hidden one is.
    expect(wrapper.get('[data-testid="behind"]').attributes('aria-live')).toBeUndefined()
    expect(wrapper.get('.visually-hidden[aria-live="polite"]').text()).toBe(
      'drawing less often · data arrives late — the display is behind real time',
    )
    lateBy('dashboard', 9400)
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="behind"]').text()).toContain('data arrives 9 s late')
    expect(wrapper.get('.visually-hidden[aria-live="polite"]').text()).toBe(
      'drawing less often · data arrives late — the display is behind real time',
    )
    // Another channel of the stream arrives on time: the stream is not late (the dashboard's
    // events only carry older timestamps), so only the drawing is.
    lateBy('alerts', 100)
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="behind"]').text()).toContain(
      'drawing every 2 s — the page is behind',
    )
  })

  it('the diagnostics drawer shows long animation frames in the last minute', () => {
    const wrapper = mountWith(DiagnosticsDrawer, pinia, {
      client: { status: vi.fn((channel) => channelStatus(channel, OPEN)) },
      props: { channels: ['dashboard'] },
    })
    const health = wrapper.get('[data-testid="render-health"]')
    expect(health.text()).toContain('long animation frames, last minute')
    expect(wrapper.get('[data-testid="long-frames"]').text()).toBe('7 (longest 182 ms)')
  })
})
