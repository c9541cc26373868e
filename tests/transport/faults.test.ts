// The realtime client against a misbehaving dev backend: stalls, errors, stop, auth, polling, offline.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Channel } from '../../src/protocol/contract.ts'
import { createHarness, samplePayload, type Harness } from '../support/clientHarness.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

let server: DevBackendServer | undefined
let harness: Harness | undefined
let extraServer: Server | undefined

afterEach(async () => {
  harness?.close()
  harness = undefined
  await server?.close()
  server = undefined
  await new Promise<void>((resolve) => (extraServer ? extraServer.close(() => resolve()) : resolve()))
  extraServer = undefined
})

async function setup(options: Parameters<typeof startDevBackend>[0] = {}) {
  server = await startDevBackend({ simulate: false, heartbeatSeconds: 0.3, ...options })
  return server
}

function emitN(backend: DevBackendServer, channel: Channel, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const { type, data } = samplePayload(channel, from + i)
    return backend.backend.emit(channel, type, data)
  })
}

const phase = (h: Harness, channel: Channel) => h.client.status(channel).state.phase

describe('heartbeat watchdog', () => {
  it('turns stale when no byte arrives, reconnects, and resumes what was sent meanwhile', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open')
    backend.backend.setFaults({ stall: true })
    const during = emitN(backend, 'alerts', 4)
    await harness.until(() => harness?.phases.alerts.includes('stale') === true, 3000, 'stale')
    await harness.until(() => harness?.client.status('alerts').reconnects === 1, 3000, 'reconnect')
    expect(harness.client.status('alerts').lastError).toMatch(/no data for/)
    backend.backend.setFaults({ stall: false })
    await harness.until(() => harness?.events.alerts.length === 4, 5000, 'resumed events')
    expect(harness.ids('alerts')).toEqual(during)
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open', 5000, 'open again')
    const after = emitN(backend, 'alerts', 2, 4)
    await harness.until(() => harness?.events.alerts.length === 6, 5000, 'live events')
    expect(harness.ids('alerts')).toEqual([...during, ...after])
  })
})

describe('HTTP errors', () => {
  it('retries 500s with growing backoff, then recovers', async () => {
    const backend = await setup()
    backend.backend.setFaults({ error500: true })
    harness = createHarness(backend.url, { transport: { pollAfterFailures: 100 } })
    harness.subscribe('training')
    await harness.until(() => (harness?.client.status('training').reconnects ?? 0) >= 3, 5000, '3 retries')
    expect(harness.client.status('training').lastError).toBe('HTTP 500')
    expect(harness.phases.training).toContain('backoff')
    backend.backend.setFaults({ error500: false })
    await harness.until(() => phase(harness as Harness, 'training') === 'open', 5000, 'open')
    const sent = emitN(backend, 'training', 3)
    await harness.until(() => harness?.events.training.length === 3)
    expect(harness.ids('training')).toEqual(sent)
  })

  it('waits at least as long as Retry-After says', async () => {
    const backend = await setup()
    backend.backend.setFaults({ error500: true, retryAfterSeconds: 2 })
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'backoff', 3000, 'backoff')
    const state = harness.client.status('alerts').state
    expect(state.phase).toBe('backoff')
    if (state.phase === 'backoff') expect(state.retryAt - Date.now()).toBeGreaterThan(1500)
    expect(harness.client.status('alerts').lastError).toBe('HTTP 503')
  })

  it('retries a response with the wrong Content-Type', async () => {
    const backend = await setup()
    backend.backend.setFaults({ wrongContentType: true })
    harness = createHarness(backend.url, { transport: { pollAfterFailures: 100 } })
    harness.subscribe('alerts')
    await harness.until(() => (harness?.client.status('alerts').reconnects ?? 0) >= 2, 3000, 'retries')
    expect(harness.client.status('alerts').lastError).toMatch(/wrong Content-Type "text\/plain/)
    backend.backend.setFaults({ wrongContentType: false })
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open', 3000, 'open')
  })

  it('stops for good on 204', async () => {
    const backend = await setup()
    backend.backend.setFaults({ status204: true })
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'closed', 3000, 'closed')
    const state = harness.client.status('alerts').state
    expect(state.phase === 'closed' && state.reason).toMatch(/204/)
    backend.backend.setFaults({ status204: false })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(backend.backend.stats().streamConnections).toBe(0)
    expect(harness.client.status('alerts').reconnects).toBe(0)
  })
})

describe('authentication', () => {
  it('fails with a clear reason on 401 and does not retry', async () => {
    const backend = await setup({ authToken: 'right' })
    harness = createHarness(backend.url, { token: () => 'wrong' })
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'failed', 3000, 'failed')
    const state = harness.client.status('alerts').state
    expect(state.phase === 'failed' && state.reason).toMatch(/authentication required \(HTTP 401\)/)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(phase(harness, 'alerts')).toBe('failed')
  })

  it('retries with a new token when the provider has one, sending it as a bearer header', async () => {
    const backend = await setup({ authToken: 'fresh' })
    let calls = 0
    // The first token is expired; asked again, the provider returns a valid one.
    harness = createHarness(backend.url, { token: () => (++calls <= 2 ? 'expired' : 'fresh') })
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open', 3000, 'open')
    const sent = emitN(backend, 'alerts', 2)
    await harness.until(() => harness?.events.alerts.length === 2)
    expect(harness.ids('alerts')).toEqual(sent)
  })
})

describe('polling fallback', () => {
  it('polls history while streams stall, shows "polling", and returns to streaming', async () => {
    const backend = await setup()
    backend.backend.setFaults({ stall: true })
    harness = createHarness(backend.url, { transport: { heartbeatSeconds: 0.2 } })
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'polling', 5000, 'polling')
    const polled = emitN(backend, 'alerts', 5)
    await harness.until(() => harness?.events.alerts.length === 5, 3000, 'polled events')
    expect(phase(harness, 'alerts')).toBe('polling')
    backend.backend.setFaults({ stall: false })
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open', 5000, 'streaming again')
    const live = emitN(backend, 'alerts', 3, 5)
    await harness.until(() => harness?.events.alerts.length === 8)
    expect(harness.ids('alerts')).toEqual([...polled, ...live])
  })
})

describe('offline', () => {
  it('does not retry while offline and reconnects at once when back online', async () => {
    const backend = await setup()
    harness = createHarness(backend.url, { transport: { backoffBaseMs: 5000, backoffMaxMs: 5000 } })
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open')
    harness.network.set(false)
    await harness.until(() => phase(harness as Harness, 'alerts') === 'offline', 2000, 'offline')
    await harness.until(() => backend.backend.stats().streamConnections === 0, 2000, 'closed')
    const meanwhile = emitN(backend, 'alerts', 3)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(backend.backend.stats().streamConnections).toBe(0)
    const back = Date.now()
    harness.network.set(true)
    await harness.until(() => harness?.events.alerts.length === 3, 2000, 'resumed')
    expect(Date.now() - back).toBeLessThan(1500)
    expect(harness.ids('alerts')).toEqual(meanwhile)
  })
})

describe('bad input and failing handlers', () => {
  it('reports an invalid event in diagnostics and keeps the stream going', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open')
    const [first] = emitN(backend, 'alerts', 1)
    const badId = backend.backend.emit('alerts', 'risk_alert', '{"alert_id": 7, "message": "x"}')
    backend.backend.emit('alerts', 'risk_alert', 'not json at all')
    backend.backend.emit('alerts', 'mystery_event', '{}')
    const [last] = emitN(backend, 'alerts', 1, 1)
    await harness.until(() => harness?.events.alerts.length === 2)
    expect(harness.ids('alerts')).toEqual([first, last])
    const status = harness.client.status('alerts')
    expect(status.invalid).toBe(2)
    expect(status.unknown).toBe(1)
    const [bad, notJson] = status.invalidEvents
    expect(bad).toMatchObject({ channel: 'alerts', event: 'risk_alert', id: badId })
    expect(bad?.reason).toMatch(/alert_id/)
    expect(bad?.excerpt).toMatch(/"alert_id": ?7/)
    expect(notJson?.reason).toMatch(/not JSON/)
  })

  it('reports a throwing handler and still delivers the next events', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    const seen: string[] = []
    harness.client.subscribe('alerts', (event) => {
      if (seen.push(event.id ?? '') === 1) throw new Error('store exploded')
    })
    await harness.until(() => phase(harness as Harness, 'alerts') === 'open')
    const sent = emitN(backend, 'alerts', 3)
    await harness.until(() => seen.length === 3)
    expect(seen).toEqual(sent)
    expect(harness.client.status('alerts').lastError).toMatch(/handler failed: store exploded/)
    expect(phase(harness, 'alerts')).toBe('open')
    expect(harness.client.status('alerts').reconnects).toBe(0)
  })
})

describe('a backend that ignores Last-Event-ID', () => {
  it('drops repeated ids and says it cannot rule out a gap', async () => {
    // A seed-style backend: no status, no history, and it replays the same events on every connect.
    const body = [1, 2, 3]
      .map((n) => `id: ${n}\r\nevent: risk_alert\r\ndata: ${JSON.stringify(samplePayload('alerts', n).data)}\r\n\r\n`)
      .join('')
    let connects = 0
    extraServer = createServer((req, res) => {
      if (!req.url?.startsWith('/api/v1/sse/alerts')) return res.writeHead(404).end()
      connects += 1
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.end(body)
    })
    await new Promise<void>((resolve) => extraServer?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(extraServer.address() as AddressInfo).port}`
    harness = createHarness(url)
    harness.subscribe('alerts')
    await harness.until(() => connects >= 3, 5000, 'reconnects')
    // Each replay after the first repeats the three ids: dropped, and counted.
    await harness.until(() => (harness?.client.status('alerts').duplicates ?? 0) >= 6, 5000, 'repeats')
    expect(harness.ids('alerts')).toEqual(['1', '2', '3'])
    const status = harness.client.status('alerts')
    expect(status.gap?.uncertain).toBe(true)
  })
})
