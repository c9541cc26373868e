/* eslint-disable vue/one-component-per-file -- small probe components, one per test */
// useSSE in components, against the real dev backend: shared connection, per-frame batches, reactive status.
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref, type Ref } from 'vue'
import { useSSE, type UseSSEReturn } from '@/composables/useSSE'
import type { Channel, ChannelEvent } from '@/protocol/contract'
import { RealtimeClient } from '@/realtime/realtimeClient'
import { FAST_TRANSPORT, samplePayload } from '../../support/clientHarness'
import { startDevBackend, type DevBackendServer } from '../../support/devBackend'

let server: DevBackendServer | undefined
let client: RealtimeClient | undefined

afterEach(async () => {
  client?.close()
  await server?.close()
  server = client = undefined
})

async function setup() {
  server = await startDevBackend({ simulate: false, heartbeatSeconds: 0.3 })
  client = new RealtimeClient({ baseUrl: server.url, transport: FAST_TRANSPORT })
  return { server, client }
}

function probe(channel: Ref<Channel | null> | Channel, onBatch?: (events: readonly ChannelEvent[]) => void) {
  const seen: ChannelEvent[] = []
  let sse: UseSSEReturn | undefined
  const Probe = defineComponent({
    setup() {
      sse = useSSE(channel, { client, onEvent: (event) => void seen.push(event), onBatch })
      return () => h('p', sse?.state.value.phase)
    },
  })
  const wrapper = mount(Probe)
  return { wrapper, seen, sse: () => sse as UseSSEReturn }
}

async function until(check: () => boolean, what = 'condition', timeoutMs = 5000) {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('useSSE', () => {
  it('shares one connection between components and closes it with the last one', async () => {
    const { server } = await setup()
    const a = probe('alerts')
    const b = probe('dashboard')
    await until(() => a.sse().state.value.phase === 'open' && b.sse().state.value.phase === 'open', 'open')
    expect(server.backend.stats().streamConnections).toBe(1)
    a.wrapper.unmount()
    // The stream is rebuilt for the remaining channel: still one connection, and still live.
    await until(() => {
      const stats = server.backend.stats()
      return stats.connections.alerts === 0 && stats.connections.dashboard === 1 && stats.streamConnections === 1
    }, 'rebuilt for dashboard only')
    b.wrapper.unmount()
    await until(() => server.backend.stats().streamConnections === 0, 'closed')
  })

  it('hands events over in batches, at most one per frame, and renders the state', async () => {
    const { server } = await setup()
    const batches: number[] = []
    const p = probe('alerts', (events) => void batches.push(events.length))
    await until(() => p.sse().state.value.phase === 'open', 'open')
    await nextTick()
    expect(p.wrapper.text()).toBe('open')
    const ids = Array.from({ length: 200 }, (_, i) => {
      const { type, data } = samplePayload('alerts', i)
      return server.backend.emit('alerts', type, data)
    })
    await until(() => p.seen.length === 200, '200 events')
    expect(p.seen.map((event) => event.id)).toEqual(ids)
    expect(batches.reduce((sum, n) => sum + n, 0)).toBe(200)
    expect(batches.length).toBeLessThan(200)
    expect(p.sse().lastEventId.value).toBe(ids[199])
  })

  it('follows a ref channel and reports state changes reactively', { timeout: 15_000 }, async () => {
    const { server } = await setup()
    const channel = ref<Channel | null>('alerts')
    const p = probe(channel)
    await until(() => p.sse().status.value?.channel === 'alerts' && p.sse().state.value.phase === 'open', 'alerts')
    channel.value = 'training'
    await until(() => p.sse().status.value?.channel === 'training' && p.sse().state.value.phase === 'open', 'training')
    const { type, data } = samplePayload('training', 1)
    const id = server.backend.emit('training', type, data)
    await until(() => p.seen.some((event) => event.id === id), 'training event')
    await server.stop()
    await until(() => p.sse().state.value.phase === 'backoff', 'backoff')
    channel.value = null
    await until(() => p.sse().status.value === null, 'unsubscribed')
  })

  it('reports a throwing handler in `error` and keeps delivering', async () => {
    const { server } = await setup()
    let calls = 0
    let sse: UseSSEReturn | undefined
    mount(
      defineComponent({
        setup() {
          sse = useSSE('alerts', {
            client,
            onEvent: () => {
              calls += 1
              if (calls === 1) throw new Error('reducer bug')
            },
          })
          return () => h('p')
        },
      }),
    )
    await until(() => sse?.state.value.phase === 'open', 'open')
    for (let i = 0; i < 3; i += 1) {
      const { type, data } = samplePayload('alerts', i)
      server.backend.emit('alerts', type, data)
    }
    await until(() => calls === 3, 'three calls')
    await until(() => sse?.error.value?.includes('reducer bug') === true, 'error shown')
    expect(sse?.state.value.phase).toBe('open')
  })
})
