import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import ConnectionStrip from '@/components/ConnectionStrip.vue'
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

describe('ConnectionStrip', () => {
  it('says "live" and the transport when every channel is open', () => {
    const connection = useConnectionStore()
    connection.setStatus('dashboard', channelStatus('dashboard', OPEN))
    connection.setStatus('alerts', channelStatus('alerts', OPEN))
    const wrapper = mountWith(ConnectionStrip, pinia)
    expect(wrapper.get('[data-testid="overall"]').text()).toContain('live')
    expect(wrapper.get('[data-testid="transport"]').text()).toBe('one multiplexed stream')
    expect(wrapper.find('.state-badge--ok').exists()).toBe(true)
  })

  it('shows "reconnecting in N s" for a backoff state and never "live" then', () => {
    const connection = useConnectionStore()
    connection.setStatus('dashboard', channelStatus('dashboard', OPEN))
    connection.setStatus(
      'alerts',
      channelStatus('alerts', {
        phase: 'backoff',
        attempt: 3,
        retryAt: Date.now() + 7000,
        reason: 'HTTP 500',
      }),
    )
    const wrapper = mountWith(ConnectionStrip, pinia)
    const overall = wrapper.get('[data-testid="overall"]').text()
    expect(overall).toMatch(/reconnecting in \d+ s/)
    expect(overall).not.toMatch(/\blive\b/)
    expect(wrapper.find('.state-badge--ok').exists()).toBe(false)
    expect(wrapper.findAll('button').map((b) => b.text())).toContain('Retry now')
  })

  it('names the per-channel transport and the failed state', () => {
    useConnectionStore().setStatus(
      'training',
      channelStatus(
        'training',
        { phase: 'failed', reason: 'HTTP 401' },
        { transport: 'per-channel' },
      ),
    )
    const wrapper = mountWith(ConnectionStrip, pinia)
    expect(wrapper.get('[data-testid="overall"]').text()).toContain('failed')
    expect(wrapper.get('[data-testid="transport"]').text()).toBe('a stream per channel')
  })

  it('spells out why it failed and what to do, as an alert with "Retry now"', async () => {
    const reason = 'authentication required (HTTP 401): sign in again or provide a valid token'
    const connection = useConnectionStore()
    connection.setStatus('dashboard', channelStatus('dashboard', OPEN))
    const wrapper = mountWith(ConnectionStrip, pinia)
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    connection.setStatus('alerts', channelStatus('alerts', { phase: 'failed', reason }))
    await flushPromises()
    const alert = wrapper.get('[role="alert"]')
    expect(alert.text()).toContain(reason)
    expect(alert.classes()).not.toContain('visually-hidden')
    const retry = wrapper.findAll('button').filter((b) => b.text() === 'Retry now')
    expect(retry).toHaveLength(1)
    await retry[0]?.trigger('click')
    expect(wrapper.emitted('retry')).toHaveLength(1)
    // Back to open (e.g. after a token arrived): the message goes away.
    connection.setStatus('alerts', channelStatus('alerts', OPEN))
    await flushPromises()
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('authentication required')
  })

  it('pauses and resumes the live display', async () => {
    const connection = useConnectionStore()
    const wrapper = mountWith(ConnectionStrip, pinia)
    const button = wrapper.get('[data-testid="pause"]')
    expect(button.text()).toContain('Pause live')
    await button.trigger('click')
    expect(connection.paused).toBe(true)
    expect(button.text()).toContain('Resume live')
    expect(button.attributes('aria-pressed')).toBe('true')
    expect(wrapper.get('[data-testid="paused-note"]').text()).toContain('display paused')
    await button.trigger('click')
    expect(connection.paused).toBe(false)
  })

  it('switches the theme on <html> and remembers it', async () => {
    const wrapper = mountWith(ConnectionStrip, pinia)
    const before = document.documentElement.dataset.theme
    const toggle = wrapper
      .findAll('button')
      .find((b) => /theme/.test(b.attributes('aria-label') ?? ''))
    await toggle?.trigger('click')
    const after = document.documentElement.dataset.theme
    expect(after).not.toBe(before)
    expect(localStorage.getItem('rtm:theme')).toBe(after)
  })

  it('asks for diagnostics', async () => {
    const wrapper = mountWith(ConnectionStrip, pinia)
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Diagnostics')
      ?.trigger('click')
    expect(wrapper.emitted('diagnostics')).toHaveLength(1)
  })
})
