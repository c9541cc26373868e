// Invented data is labelled wherever it shows, and an empty channel says how long it has waited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import AlertsPanel from '@/components/AlertsPanel.vue'
import ConnectionStrip from '@/components/ConnectionStrip.vue'
import { formatDuration } from '@/components/format'
import PanelFrame from '@/components/PanelFrame.vue'
import { useAlertsStore } from '@/stores/alertsStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { alertEvent, channelStatus, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('demo data', () => {
  it('is labelled in the header and on each channel the backend says is demo', async () => {
    const connection = useConnectionStore()
    connection.setStatus('alerts', channelStatus('alerts', OPEN, { data: 'demo' }))
    connection.setStatus('training', channelStatus('training', OPEN, { data: 'live' }))
    const strip = mountWith(ConnectionStrip, pinia)
    const alerts = mountWith(PanelFrame, pinia, {
      props: { title: 'Risk alerts', channel: 'alerts' },
    })
    const training = mountWith(PanelFrame, pinia, {
      props: { title: 'Model training', channel: 'training' },
    })
    expect(strip.get('[data-testid="demo-badge"]').text()).toBe('Demo data — not real')
    expect(alerts.get('[data-testid="demo-badge"]').text()).toBe('Demo data — not real')
    expect(training.find('[data-testid="demo-badge"]').exists()).toBe(false)

    // The backend restarts as a production start: every label goes.
    connection.setStatus('alerts', channelStatus('alerts', OPEN, { data: 'live' }))
    await strip.vm.$nextTick()
    expect(strip.find('[data-testid="demo-badge"]').exists()).toBe(false)
    expect(alerts.find('[data-testid="demo-badge"]').exists()).toBe(false)
  })

  it('is not claimed for a backend that does not say (older backends)', () => {
    useConnectionStore().setStatus('alerts', channelStatus('alerts', OPEN, { data: null }))
    const strip = mountWith(ConnectionStrip, pinia)
    expect(strip.find('[data-testid="demo-badge"]').exists()).toBe(false)
  })
})

describe('an empty channel', () => {
  it('says "no events yet" with how long the page has waited, until its first event', async () => {
    useConnectionStore().setStatus('alerts', channelStatus('alerts', OPEN))
    const wrapper = mountWith(AlertsPanel, pinia)
    const empty = wrapper.get('[data-testid="no-events"]')
    expect(empty.text()).toMatch(/^No events yet · waiting \d+ (s|min)/)
    const waited = empty.get('[data-testid="waited"]').text()
    const expected = (Date.now() - performance.timeOrigin) / 1000
    // The page's own wait, from navigation start: within a couple of seconds of the clock.
    expect([
      formatDuration(expected - 1),
      formatDuration(expected),
      formatDuration(expected + 1),
    ]).toContain(waited)

    const store = useAlertsStore()
    store.apply(alertEvent('a-1', 5))
    store.commit()
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[data-testid="no-events"]').exists()).toBe(false)
  })
})
