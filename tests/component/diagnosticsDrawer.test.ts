import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import DiagnosticsDrawer from '@/components/DiagnosticsDrawer.vue'
import type { ChannelStatus } from '@/realtime/channelDiagnostics'
import type { Channel } from '@/protocol/contract'
import { channelStatus, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  vi.useFakeTimers()
  pinia = freshPinia()
})
afterEach(() => {
  vi.useRealTimers()
  document.body.innerHTML = ''
})

/** A client whose snapshots say what the test sets in `arrived` and friends. */
function fakeClient(make: (channel: Channel) => ChannelStatus) {
  return { status: vi.fn(make) }
}

describe('DiagnosticsDrawer', () => {
  it('shows events per second of what arrives (applied or rejected), age, reconnects and the last error', async () => {
    let arrived = 100
    const client = fakeClient((channel) =>
      channelStatus(channel, OPEN, {
        arrived,
        // Only some of what arrives is applied (the rest was rejected): the rate is of arrivals.
        received: 40,
        lastEventAt: Date.now() - 3000,
        reconnects: 2,
        lastError: 'HTTP 500 from /api/v1/sse/stream',
        lastErrorAt: Date.now() - 60_000,
      }),
    )
    const wrapper = mountWith(DiagnosticsDrawer, pinia, {
      client,
      props: { channels: ['dashboard'] },
    })
    expect(wrapper.get('[data-testid="rate"]').text()).toBe('…')
    arrived = 104
    await vi.advanceTimersByTimeAsync(1000)
    expect(wrapper.get('[data-testid="rate"]').text()).toBe('4.0')
    expect(wrapper.get('[data-testid="arrived"]').text()).toBe('104')
    expect(wrapper.get('[data-testid="applied"]').text()).toBe('40')
    expect(wrapper.get('[data-testid="age"]').text()).toBe('3 s ago')
    expect(wrapper.get('[data-testid="reconnects"]').text()).toBe('2')
    expect(wrapper.get('[data-testid="last-error"]').text()).toContain(
      'HTTP 500 from /api/v1/sse/stream',
    )
    expect(client.status).toHaveBeenCalledTimes(2)
  })

  it('lists invalid events with reason and raw excerpt as text, and the gaps', () => {
    const client = fakeClient((channel) =>
      channelStatus(
        channel,
        { phase: 'backoff', attempt: 1, retryAt: Date.now() + 2000, reason: 'dropped' },
        {
          invalid: 1,
          invalidEvents: [
            {
              channel,
              event: 'risk_alert',
              id: '77',
              reason: 'severity: Invalid type',
              excerpt: '{"message":"<img src=x onerror=alert(1)>"}',
              at: Date.now(),
            },
          ],
          gap: { since: Date.now() - 10_000, reason: 'resume refused', uncertain: false },
          gaps: [
            {
              since: Date.now() - 10_000,
              reason: 'resume refused',
              uncertain: false,
              closedAt: null,
            },
          ],
        },
      ),
    )
    const wrapper = mountWith(DiagnosticsDrawer, pinia, { client, props: { channels: ['alerts'] } })
    const invalid = wrapper.get('[data-testid="invalid"]')
    expect(invalid.text()).toContain('severity: Invalid type')
    expect(invalid.text()).toContain('id 77')
    expect(invalid.get('pre').text()).toBe('{"message":"<img src=x onerror=alert(1)>"}')
    expect(wrapper.find('img').exists()).toBe(false)
    expect(wrapper.text()).toContain('Gaps detected: 1 (one open)')
    expect(wrapper.text()).toContain('resume refused')
    expect(wrapper.text()).toMatch(/reconnecting in \d s/)
  })

  it('says where the engine runs and how many tabs share it', async () => {
    const client = {
      status: vi.fn((channel: Channel) => channelStatus(channel, OPEN)),
      engine: { host: 'shared-worker', tabs: 3 },
    }
    const wrapper = mountWith(DiagnosticsDrawer, pinia, {
      client,
      props: { channels: ['dashboard'] },
    })
    expect(wrapper.get('[data-testid="engine"]').text()).toBe(
      'engine in a shared worker, shared by 3 tabs',
    )
    wrapper.unmount()
    // Where workers are blocked, the drawer says the page runs it.
    const alone = mountWith(DiagnosticsDrawer, pinia, {
      client: { ...client, engine: { host: 'page', tabs: 1 } },
      props: { channels: ['dashboard'] },
    })
    expect(alone.get('[data-testid="engine"]').text()).toBe(
      'engine in this page (workers are blocked here), shared by 1 tab',
    )
  })

  it('closes on Escape', async () => {
    const client = fakeClient((channel) => channelStatus(channel, OPEN))
    const wrapper = mountWith(DiagnosticsDrawer, pinia, {
      client,
      props: { channels: ['dashboard'] },
    })
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(wrapper.emitted('close')).toHaveLength(1)
  })
})
