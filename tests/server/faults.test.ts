// Dev backend fault switches (API and dev endpoints), drops and slow or vanishing clients.
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../support/devBackend.ts'

let server: DevBackendServer
const readers: SseReader[] = []

async function start(options: Parameters<typeof startDevBackend>[0] = {}) {
  server = await startDevBackend({ dev: true, simulate: false, heartbeatSeconds: 0.2, ...options })
}

async function open(path = '/api/v1/sse/alerts', headers: Record<string, string> = {}) {
  const reader = await openSse(`${server.url}${path}`, headers)
  readers.push(reader)
  return reader
}

const emit = (count = 1) =>
  Array.from({ length: count }, () =>
    server.backend.emit('alerts', 'risk_alert', { timestamp: 't' }),
  )
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const ids = (reader: SseReader) => reader.events.filter((e) => e.id !== undefined).map((e) => e.id)

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close()
  await server?.close()
})

describe('fault switches', () => {
  it('error500 fails streams and history but not status; with retryAfterSeconds it is 503', async () => {
    await start()
    server.backend.setFaults({ error500: true })
    const stream = await requestJson(`${server.url}/api/v1/sse/alerts`)
    expect(stream.status).toBe(500)
    expect(stream.body).toHaveProperty('error')
    expect((await fetch(`${server.url}/api/v1/sse/stream?channels=alerts`)).status).toBe(500)
    expect((await fetch(`${server.url}/api/v1/sse/alerts/history`)).status).toBe(500)
    expect((await fetch(`${server.url}/api/v1/sse/status`)).status).toBe(200)
    server.backend.setFaults({ retryAfterSeconds: 7 })
    const busy = await fetch(`${server.url}/api/v1/sse/alerts`)
    expect(busy.status).toBe(503)
    expect(busy.headers.get('retry-after')).toBe('7')
  })

  it('status204, status401 and wrongContentType answer streams as asked', async () => {
    await start()
    server.backend.setFaults({ status204: true })
    expect((await fetch(`${server.url}/api/v1/sse/alerts`)).status).toBe(204)
    server.backend.setFaults({ status204: false, status401: true })
    expect((await fetch(`${server.url}/api/v1/sse/alerts`)).status).toBe(401)
    server.backend.setFaults({ status401: false, wrongContentType: true })
    const plain = await fetch(`${server.url}/api/v1/sse/alerts`)
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-type')).toMatch(/^text\/plain/)
    await plain.text()
  })

  it('stall silences open streams (pings too) and new ones after the headers', async () => {
    await start()
    const open1 = await open()
    await open1.until(() => open1.comments.length >= 1)
    server.backend.setFaults({ stall: true })
    await sleep(50)
    const before = open1.raw.length
    emit(3) // ids 1..3 go into the ring meanwhile
    const fresh = await open()
    expect(fresh.status).toBe(200)
    expect(fresh.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    await sleep(600)
    expect(open1.raw.length).toBe(before)
    expect(fresh.raw).toBe('')
    const page = await requestJson(`${server.url}/api/v1/sse/alerts/history?after=0`)
    expect((page.body as { events: unknown[] }).events).toHaveLength(3)

    server.backend.setFaults({ stall: false })
    const resumed = await open('/api/v1/sse/alerts', { 'Last-Event-ID': '1' })
    await resumed.take(3)
    expect(ids(resumed)).toEqual(['2', '3'])
  })

  it('dropAfterEvents destroys each stream right after N events', async () => {
    await start()
    server.backend.setFaults({ dropAfterEvents: 3 })
    const reader = await open()
    emit(5)
    await reader.until(() => reader.ended)
    expect(ids(reader)).toEqual(['1', '2', '3'])
    const again = await open('/api/v1/sse/alerts', { 'Last-Event-ID': '3' })
    await again.take(3) // replay counts: 4, 5, then one live event ends it
    expect(again.ended).toBe(false)
    emit(2)
    await again.until(() => again.ended)
    expect(ids(again)).toEqual(['4', '5', '6'])
    expect(server.backend.stats().streamConnections).toBe(0)
  })

  it('dropConnections cuts every stream at once', async () => {
    await start()
    const a = await open()
    const b = await open('/api/v1/sse/stream?channels=alerts,training')
    await a.take(1)
    await b.take(1)
    expect(server.backend.dropConnections()).toBe(2)
    await a.until(() => a.ended)
    await b.until(() => b.ended)
    expect(server.backend.stats()).toMatchObject({ streamConnections: 0 })
  })
})

describe('dev endpoints', () => {
  it('sets and reads faults, rejecting bad bodies', async () => {
    await start()
    const set = await requestJson(`${server.url}/api/v1/dev/faults`, { body: { error500: true } })
    expect(set.body).toMatchObject({ error500: true, stall: false })
    expect(server.backend.faults.error500).toBe(true)
    expect((await requestJson(`${server.url}/api/v1/dev/faults`)).body).toMatchObject({
      error500: true,
    })
    for (const body of [{ nope: true }, { stall: 'yes' }, { dropAfterEvents: -1 }, [1]]) {
      expect((await requestJson(`${server.url}/api/v1/dev/faults`, { body })).status).toBe(400)
    }
  })

  it('emits, drops and sets rates over HTTP', async () => {
    await start()
    const reader = await open('/api/v1/sse/stream?channels=alerts')
    const emitted = await requestJson(`${server.url}/api/v1/dev/emit`, {
      body: { channel: 'alerts', data: { timestamp: 't', alert_id: 'x' } },
    })
    expect(emitted.body).toEqual({ id: '1' })
    const raw = await requestJson(`${server.url}/api/v1/dev/emit`, {
      body: { channel: 'alerts', event: 'risk_alert', data: '{"broken"' },
    })
    expect(raw.body).toEqual({ id: '2' })
    await reader.take(3)
    expect(reader.events[1]).toMatchObject({ event: 'risk_alert', id: '1' })
    expect(JSON.parse(reader.events[1]?.data ?? '')).toEqual({
      timestamp: 't',
      alert_id: 'x',
      channel: 'alerts',
    })
    expect(reader.events[2]?.data).toBe('{"broken"')
    const bad = await requestJson(`${server.url}/api/v1/dev/emit`, {
      body: { channel: 'nope', data: {} },
    })
    expect(bad.status).toBe(400)

    const rates = await requestJson(`${server.url}/api/v1/dev/rates`, { body: { alerts: 4 } })
    expect(rates.body).toMatchObject({ alerts: 4, dashboard: 2 })
    expect(
      (await requestJson(`${server.url}/api/v1/dev/rates`, { body: { alerts: -1 } })).status,
    ).toBe(400)

    const dropped = await requestJson(`${server.url}/api/v1/dev/drop`, { method: 'POST' })
    expect(dropped.body).toEqual({ dropped: 1 })
    await reader.until(() => reader.ended)
  })

  it('simulates at the configured rates when enabled', async () => {
    server = await startDevBackend({
      dev: true,
      rates: { dashboard: 100, alerts: 0, training: 0, backtest: 0 },
    })
    const reader = await open('/api/v1/sse/dashboard')
    await sleep(500)
    const count = ids(reader).length
    expect(count).toBeGreaterThan(25)
    expect(count).toBeLessThan(75)
  })
})

describe('robustness', () => {
  it('survives clients vanishing mid-write and forgets them', async () => {
    await start()
    const big = { timestamp: 't', blob: 'x'.repeat(64 * 1024) }
    for (let i = 0; i < 20; i += 1) {
      const reader = await open()
      for (let n = 0; n < 5; n += 1) server.backend.emit('alerts', 'risk_alert', big)
      reader.close()
    }
    for (let n = 0; n < 20; n += 1) server.backend.emit('alerts', 'risk_alert', big)
    await sleep(100)
    expect(server.backend.stats().streamConnections).toBe(0)
    expect((await fetch(`${server.url}/api/v1/sse/status`)).status).toBe(200)
  })

  it('drops a client that does not read once its buffer passes ~8 MB', async () => {
    await start()
    const socket = connect(server.port, '127.0.0.1')
    socket.pause()
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`GET /api/v1/sse/alerts HTTP/1.1\r\nHost: x\r\n\r\n`)
    const healthy = await open()
    await sleep(100)
    expect(server.backend.stats().streamConnections).toBe(2)
    const chunk = 'y'.repeat(256 * 1024)
    for (let i = 0; i < 200 && server.backend.stats().streamConnections === 2; i += 1) {
      server.backend.emit('alerts', 'risk_alert', chunk)
      await sleep(1)
    }
    expect(server.backend.stats().streamConnections).toBe(1)
    expect(healthy.ended).toBe(false)
    socket.destroy()
  })

  it('limits open streams per address with 429', async () => {
    await start({ maxClientsPerIp: 2 })
    const first = await open()
    await open()
    const third = await requestJson(`${server.url}/api/v1/sse/alerts`)
    expect(third.status).toBe(429)
    expect(third.body).toHaveProperty('error')
    first.close()
    await sleep(50)
    expect((await open()).status).toBe(200)
  })

  it('counts clients by X-Real-IP behind a trusted proxy, and 0 lifts the limit', async () => {
    await start({ maxClientsPerIp: 1, trustProxy: ['127.0.0.1'] })
    expect((await open('/api/v1/sse/alerts', { 'X-Real-IP': '10.0.0.1' })).status).toBe(200)
    expect((await open('/api/v1/sse/alerts', { 'X-Real-IP': '10.0.0.2' })).status).toBe(200)
    const again = await requestJson(`${server.url}/api/v1/sse/alerts`, {
      headers: { 'X-Real-IP': '10.0.0.1' },
    })
    expect(again.status).toBe(429)
    await server.close()
    // From a peer that is not a trusted proxy, the header names nobody: the peer is the client.
    await start({ maxClientsPerIp: 1, trustProxy: ['10.9.9.9'] })
    expect((await open('/api/v1/sse/alerts', { 'X-Real-IP': '10.0.0.1' })).status).toBe(200)
    const spoofed = await requestJson(`${server.url}/api/v1/sse/alerts`, {
      headers: { 'X-Real-IP': '10.0.0.2', 'X-Forwarded-For': '10.0.0.3' },
    })
    expect(spoofed.status).toBe(429)
    await server.close()
    await start({ maxClientsPerIp: 0 })
    for (let i = 0; i < 3; i += 1) expect((await open()).status).toBe(200)
  })
})
