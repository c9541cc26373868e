import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import PanelFrame from '@/components/PanelFrame.vue'
import { resetServerClock } from '@/composables/useServerClock'
import { useConnectionStore } from '@/stores/connectionStore'
import { channelStatus, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
})
afterEach(() => {
  document.body.innerHTML = ''
})

const REASON = 'authentication required (HTTP 401): sign in again or provide a valid token'

describe('PanelFrame', () => {
  it('shows why its channel failed as text next to the state, not only in a tooltip', () => {
    useConnectionStore().setStatus(
      'training',
      channelStatus('training', { phase: 'failed', reason: REASON }),
    )
    const wrapper = mountWith(PanelFrame, pinia, {
      props: { title: 'Model training', channel: 'training' },
    })
    expect(wrapper.get('.state-badge').text()).toBe('failed')
    const reason = wrapper.get('[data-testid="failure-reason"]')
    expect(reason.text()).toContain(REASON)
    expect(reason.classes()).not.toContain('visually-hidden')
    // The page-wide alert is the header's; a panel does not announce the same text again.
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('says nothing of a failure while its channel is live or reconnecting', async () => {
    const connection = useConnectionStore()
    connection.setStatus('training', channelStatus('training', OPEN))
    const wrapper = mountWith(PanelFrame, pinia, {
      props: { title: 'Model training', channel: 'training' },
    })
    expect(wrapper.find('[data-testid="failure-reason"]').exists()).toBe(false)
    connection.setStatus(
      'training',
      channelStatus('training', {
        phase: 'backoff',
        attempt: 1,
        retryAt: Date.now() + 2000,
        reason: 'HTTP 500',
      }),
    )
    await flushPromises()
    expect(wrapper.find('[data-testid="failure-reason"]').exists()).toBe(false)
  })

  it('shows "as of" and the age of the newest data while live, and "delayed" past the threshold', async () => {
    resetServerClock()
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    const wrapper = mountWith(PanelFrame, pinia, {
      props: { title: 'Market', channel: 'dashboard', asOf: Date.now() - 3000 },
    })
    expect(wrapper.get('[data-testid="as-of"]').text()).toMatch(/^as of \d\d:\d\d:\d\d$/)
    expect(wrapper.get('[data-testid="data-age"]').text()).toMatch(/^\d s ago\s*\(uncorrected\)$/)
    expect(wrapper.find('[data-testid="delayed"]').exists()).toBe(false)
    await wrapper.setProps({ asOf: Date.now() - 60_000 })
    expect(wrapper.get('[data-testid="delayed"]').text()).toContain('delayed')
    // A sparse channel that passes no threshold is never "delayed".
    await wrapper.setProps({ delayedAfterMs: null })
    expect(wrapper.find('[data-testid="delayed"]').exists()).toBe(false)
  })

  it('corrects the age with the server clock when it is known', () => {
    // This computer's clock is 30 s behind the server's.
    resetServerClock(30_000)
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    const wrapper = mountWith(PanelFrame, pinia, {
      props: { title: 'Market', channel: 'dashboard', asOf: Date.now() + 28_000 },
    })
    expect(wrapper.get('[data-testid="data-age"]').text()).toMatch(/^[23] s ago$/)
    resetServerClock()
  })
})
