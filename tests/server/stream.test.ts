// Dev backend streams: status, wire format, pings, multiplexing, resume and reset.
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
  server = await startDevBackend({ simulate: false, heartbeatSeconds: 0.2, ...options })
  return server
}

async function open(path: string, headers: Record<string, string> = {}) {
  const reader = await openSse(`${server.url}${path}`, headers)
  readers.push(reader)
  return reader
}

function alert(n: number) {
  return {
    alert_id: `a-${n}`,
    timestamp: new Date().toISOString(),
    severity: 'warning',
    category: 'exposure',
    message: `alert ${n}`,
  }
}

function emitAlerts(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    server.backend.emit('alerts', 'risk_alert', alert(i)),
  )
}

const channelEvents = (reader: SseReader) => reader.events.filter((e) => e.id !== undefined)

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close()
  await server?.close()
})

describe('status', () => {
  it('reports channels, connections, capabilities and heartbeat', async () => {
    await start()
    await open('/api/v1/sse/alerts')
    const stream = await open('/api/v1/sse/stream?channels=alerts,training')
    await stream.take(1)
    const { status, body } = await requestJson(`${server.url}/api/v1/sse/status`)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      status: 'ok',
      channels: ['dashboard', 'alerts', 'training', 'backtest'],
      connections: { dashboard: 0, alerts: 2, training: 1, backtest: 0 },
      multiplex: true,
      history: 1000,
      heartbeat_seconds: 0.2,
      stream_connections: 2,
    })
    expect((body as { server_time: string }).server_time).toMatch(/^\d{4}-\d\d-\d\dT.*\+00:00$/)
    expect(server.backend.stats().streamConnections).toBe(2)
  })

  it('omits multiplex and history when disabled, and their endpoints answer 404', async () => {
    await start({ multiplex: false, history: false })
    const { body } = await requestJson(`${server.url}/api/v1/sse/status`)
    expect(body).not.toHaveProperty('multiplex')
    expect(body).not.toHaveProperty('history')
    expect((await fetch(`${server.url}/api/v1/sse/stream?channels=alerts`)).status).toBe(404)
    expect((await fetch(`${server.url}/api/v1/sse/alerts/history`)).status).toBe(404)
  })
})

describe('per-channel stream', () => {
  it('sends headers, connected, events with ids, CRLF line ends and pings', async () => {
    await start({ retryMs: 1500 })
    const reader = await open('/api/v1/sse/alerts?client_id=tab-1')
    expect(reader.status).toBe(200)
    expect(reader.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(reader.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(reader.headers.get('x-accel-buffering')).toBe('no')
    await reader.take(1)
    const ids = emitAlerts(3)
    await reader.take(4)
    await reader.until(() => reader.comments.length >= 2, 2000)

    expect(reader.retries).toEqual([1500])
    const [connected, ...events] = reader.events
    expect(connected).toMatchObject({ event: 'connected', id: undefined })
    expect(JSON.parse(connected?.data ?? '')).toMatchObject({
      client_id: 'tab-1',
      channels: ['alerts'],
    })
    expect(events.map((e) => e.id)).toEqual(ids)
    expect(events.every((e) => e.event === 'risk_alert')).toBe(true)
    expect(JSON.parse(events[0]?.data ?? '')).not.toHaveProperty('channel')
    expect(reader.comments[0]).toMatch(/^ ?ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/)
    expect(reader.raw.startsWith('retry: 1500\r\n\r\nevent: connected\r\ndata: {')).toBe(true)
    expect(reader.raw).toContain(`id: ${ids[0]}\r\nevent: risk_alert\r\ndata: {`)
    expect(reader.raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
  })

  it('gives one global increasing id across channels', async () => {
    await start()
    const a = server.backend.emit('alerts', 'risk_alert', alert(1))
    const b = server.backend.emit('training', 'training_progress', { timestamp: 'x' })
    const c = server.backend.emit('alerts', 'risk_alert', alert(2))
    expect([a, b, c]).toEqual(['1', '2', '3'])
  })

  it('sends raw string data unchanged, split into data lines', async () => {
    await start()
    const reader = await open('/api/v1/sse/alerts')
    await reader.take(1)
    server.backend.emit('alerts', 'risk_alert', 'not json\nsecond line')
    const events = await reader.take(2)
    expect(events[1]?.data).toBe('not json\nsecond line')
  })

  it('with flushMs, writes a stream at most once per interval; the first event goes at once', async () => {
    await start({ flushMs: 400, heartbeatSeconds: 0 })
    const reader = await open('/api/v1/sse/alerts')
    await reader.take(1)
    await new Promise((resolve) => setTimeout(resolve, 450)) // the last write is older than 400 ms
    const started = performance.now()
    const first = emitAlerts(1)
    await reader.take(2)
    const firstAfter = performance.now() - started
    // Events of the next 400 ms wait for the interval and then leave together.
    const rest = [...emitAlerts(2)]
    await new Promise((resolve) => setTimeout(resolve, 50))
    rest.push(...emitAlerts(1))
    await reader.take(5, 5000)
    expect(firstAfter).toBeLessThan(350)
    expect(performance.now() - started).toBeGreaterThanOrEqual(390)
    expect(channelEvents(reader).map((e) => e.id)).toEqual([...first, ...rest])
  })

  it('with flushMs, every event of a long burst arrives once and in order', async () => {
    await start({ flushMs: 20 })
    const reader = await open('/api/v1/sse/stream?channels=alerts,training')
    await reader.take(1)
    const ids: string[] = []
    for (let round = 0; round < 20; round += 1) {
      ids.push(...emitAlerts(5))
      ids.push(server.backend.emit('training', 'training_progress', { timestamp: `t${round}` }))
      await new Promise((resolve) => setTimeout(resolve, 3))
    }
    await reader.take(1 + ids.length, 5000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(channelEvents(reader).map((e) => e.id)).toEqual(ids)
  })

  it('answers 400 JSON for an unknown channel', async () => {
    await start()
    const { status, body } = await requestJson(`${server.url}/api/v1/sse/nope`)
    expect(status).toBe(400)
    expect(body).toMatchObject({ error: 'unknown_channel' })
  })
})

describe('multiplexed stream', () => {
  it('carries only the requested channels, with channel in the data', async () => {
    await start()
    const reader = await open('/api/v1/sse/stream?channels=alerts,backtest')
    await reader.take(1)
    server.backend.emit('alerts', 'risk_alert', alert(1))
    server.backend.emit('dashboard', 'dashboard_update', { timestamp: 't' })
    server.backend.emit('backtest', 'backtest_progress', { timestamp: 't' })
    server.backend.emit('backtest', 'backtest_progress', {})
    await reader.take(4)
    const datas = channelEvents(reader).map((e) => JSON.parse(e.data) as { channel: string })
    expect(datas.map((d) => d.channel)).toEqual(['alerts', 'backtest', 'backtest'])
    expect(channelEvents(reader).map((e) => e.id)).toEqual(['1', '3', '4'])
    expect(JSON.parse(reader.events[0]?.data ?? '')).toMatchObject({
      channels: ['alerts', 'backtest'],
    })
  })

  it('answers 400 for an empty or unknown channel list', async () => {
    await start()
    for (const query of ['', '?channels=', '?channels=alerts,nope']) {
      const { status, body } = await requestJson(`${server.url}/api/v1/sse/stream${query}`)
      expect(status).toBe(400)
      expect(body).toHaveProperty('error')
      expect(body).toHaveProperty('detail')
    }
  })
})

describe('resume', () => {
  it('replays exactly the missing events with Last-Event-ID, then goes live', async () => {
    await start()
    const ids = emitAlerts(10)
    const reader = await open('/api/v1/sse/alerts', { 'Last-Event-ID': ids[3] ?? '' })
    await reader.take(7)
    emitAlerts(2)
    await reader.take(9)
    const got = channelEvents(reader).map((e) => Number(e.id))
    expect(got).toEqual([5, 6, 7, 8, 9, 10, 11, 12])
    expect(reader.events.some((e) => e.event === 'reset')).toBe(false)
  })

  it('prefers the header over the last_event_id query parameter', async () => {
    await start()
    emitAlerts(5)
    const reader = await open('/api/v1/sse/alerts?last_event_id=1', { 'Last-Event-ID': '3' })
    await reader.take(3)
    expect(channelEvents(reader).map((e) => e.id)).toEqual(['4', '5'])
    const byQuery = await open('/api/v1/sse/alerts?last_event_id=4')
    await byQuery.take(2)
    expect(channelEvents(byQuery).map((e) => e.id)).toEqual(['5'])
  })

  it('merges channels in id order on the multiplexed stream', async () => {
    await start()
    for (let i = 0; i < 6; i += 1) {
      server.backend.emit(i % 2 ? 'alerts' : 'training', 'x', { i })
    }
    const reader = await open('/api/v1/sse/stream?channels=training,alerts&last_event_id=2')
    await reader.take(5)
    expect(channelEvents(reader).map((e) => e.id)).toEqual(['3', '4', '5', '6'])
  })

  it('sends reset and then the remainder when the id is older than the ring', async () => {
    await start({ historySize: 5 })
    emitAlerts(12)
    const reader = await open('/api/v1/sse/alerts', { 'Last-Event-ID': '3' })
    await reader.take(7)
    expect(reader.events.map((e) => e.event).slice(0, 2)).toEqual(['connected', 'reset'])
    const reset = JSON.parse(reader.events[1]?.data ?? '') as Record<string, unknown>
    expect(reset.reason).toMatch(/no longer buffered/)
    expect(reset).toHaveProperty('timestamp')
    expect(reset).not.toHaveProperty('channel')
    expect(reader.events[1]?.id).toBeUndefined()
    expect(channelEvents(reader).map((e) => e.id)).toEqual(['8', '9', '10', '11', '12'])
  })

  it('resets only the channels with a gap on the multiplexed stream', async () => {
    await start({ historySize: 3 })
    emitAlerts(6) // ids 1..6, alerts ring keeps 4..6
    server.backend.emit('training', 'x', {}) // id 7
    const reader = await open('/api/v1/sse/stream?channels=alerts,training&last_event_id=2')
    await reader.take(6)
    const resets = reader.events.filter((e) => e.event === 'reset')
    expect(resets.map((e) => JSON.parse(e.data).channel)).toEqual(['alerts'])
    expect(channelEvents(reader).map((e) => e.id)).toEqual(['4', '5', '6', '7'])
  })

  it('sends reset and no replay for an unknown or future id', async () => {
    await start()
    emitAlerts(3)
    for (const id of ['abc', '99', '-1']) {
      const reader = await open('/api/v1/sse/alerts', { 'Last-Event-ID': id })
      await reader.take(2)
      server.backend.emit('alerts', 'risk_alert', alert(9))
      await reader.take(3)
      expect(reader.events.map((e) => e.event)).toEqual(['connected', 'reset', 'risk_alert'])
      expect(JSON.parse(reader.events[1]?.data ?? '').reason).toMatch(/unknown last event id/)
    }
  })

  it('loses and repeats nothing across many reconnects under load', async () => {
    await start()
    const seen: number[] = []
    let last = ''
    for (let round = 0; round < 5; round += 1) {
      const reader = await open('/api/v1/sse/alerts', last ? { 'Last-Event-ID': last } : {})
      emitAlerts(50)
      await reader.until(() => channelEvents(reader).length >= (round === 0 ? 50 : 100))
      reader.close()
      for (const event of channelEvents(reader)) seen.push(Number(event.id))
      last = String(seen.at(-1))
      emitAlerts(50) // published while disconnected
    }
    expect(seen).toEqual(Array.from({ length: 450 }, (_, i) => i + 1))
  })

  it('keeps ids and rings across a stop and a restart on the same port', async () => {
    await start()
    const reader = await open('/api/v1/sse/alerts')
    emitAlerts(3)
    await reader.take(4)
    const port = server.port
    await server.stop()
    await reader.until(() => reader.ended)
    emitAlerts(2)
    await server.start()
    expect(server.port).toBe(port)
    const again = await open('/api/v1/sse/alerts', { 'Last-Event-ID': '3' })
    await again.take(3)
    expect(channelEvents(again).map((e) => e.id)).toEqual(['4', '5'])
  })
})
