// The Python FastAPI + sse-starlette backend behaves like the backends users run: per-connection ids,
// dict text or JSON payloads, `ping` events, 500s on request, a status of counters only.
import type { EventSourceMessage } from 'eventsource-parser'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  CHANNEL_EVENT,
  CHANNELS,
  validatePayload,
  type Channel,
  type ChannelEventType,
} from '../../src/protocol/contract.ts'
import { openSse, type SseReader } from '../support/devBackend.ts'
import { MARKER_STRIDE, markerOf, startPythonBackend, type PythonBackend } from '../support/pythonBackend.ts'

const readers: SseReader[] = []

async function open(backend: PythonBackend, channel: Channel, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await openSse(`${backend.url}/api/v1/sse/${channel}`, headers)
  readers.push(reader)
  return reader
}

afterEach(() => {
  for (const reader of readers.splice(0)) reader.close()
})

function named(reader: SseReader, channel: Channel): EventSourceMessage[] {
  return reader.events.filter((event) => event.event === CHANNEL_EVENT[channel])
}

async function takeNamed(reader: SseReader, channel: Channel, count: number): Promise<EventSourceMessage[]> {
  await reader.until(() => named(reader, channel).length >= count, 10_000)
  return named(reader, channel)
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('json payloads', { timeout: 30_000 }, () => {
  let backend: PythonBackend
  beforeAll(async () => {
    backend = await startPythonBackend({ style: 'json', rate: 20 })
  }, 60_000)
  afterAll(() => backend?.stop(), 20_000)

  it('opens each stream with `connected`, then numbers its events 1, 2, 3… with valid JSON payloads', async () => {
    for (const channel of CHANNELS) {
      const reader = await open(backend, channel)
      expect(reader.status).toBe(200)
      expect(reader.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const events = await takeNamed(reader, channel, 5)
      expect(reader.events[0]?.event).toBe('connected')
      expect(JSON.parse(reader.events[0]?.data ?? '')).toMatchObject({ channels: [channel] })
      expect(events.slice(0, 5).map((event) => event.id)).toEqual(['1', '2', '3', '4', '5'])
      // sse-starlette's default line ending.
      expect(reader.raw).toContain('\r\n\r\n')
      for (const event of events) {
        const payload: unknown = JSON.parse(event.data)
        const result = validatePayload(CHANNEL_EVENT[channel] as ChannelEventType, payload)
        expect(result, `${channel} ${event.data}`).toMatchObject({ ok: true })
        expect(markerOf(channel, payload)).toBeGreaterThan(0)
      }
      reader.close()
    }
  })

  it('starts ids at 1 on every connection and ignores Last-Event-ID, while markers keep counting', async () => {
    const first = await open(backend, 'alerts')
    const before = await takeNamed(first, 'alerts', 3)
    first.close()
    const lastMarker = Math.max(...before.map((event) => markerOf('alerts', JSON.parse(event.data))))

    const second = await open(backend, 'alerts', { 'Last-Event-ID': before[before.length - 1]?.id ?? '' })
    const again = await takeNamed(second, 'alerts', 3)
    expect(again.slice(0, 3).map((event) => event.id)).toEqual(['1', '2', '3'])
    const markers = again.map((event) => markerOf('alerts', JSON.parse(event.data)))
    expect(markers[0]).toBeGreaterThan(lastMarker)
    // One connection on the channel: its markers are consecutive.
    expect(markers).toEqual(markers.map((_, i) => (markers[0] ?? 0) + i))
  })

  it('has a status of counters only, and no multiplexed stream, history or resume', async () => {
    const reader = await open(backend, 'training')
    await takeNamed(reader, 'training', 1)
    const response = await fetch(`${backend.url}/api/v1/sse/status`)
    const status = (await response.json()) as Record<string, unknown>
    expect(Object.keys(status).sort()).toEqual(['connections', 'events_sent', 'sent'])
    expect(status.connections).toBeGreaterThanOrEqual(1)
    expect(status.events_sent).toBeGreaterThanOrEqual(1)
    expect(Object.keys(status.sent as object).sort()).toEqual([...CHANNELS].sort())
    for (const path of ['/api/v1/sse/stream?channels=alerts', '/api/v1/sse/alerts/history?after=1']) {
      const missing = await fetch(`${backend.url}${path}`)
      expect(missing.status, path).toBe(404)
      await missing.body?.cancel()
    }
  })

  it('allows any origin, with Last-Event-ID and Authorization headers', async () => {
    const preflight = await fetch(`${backend.url}/api/v1/sse/dashboard`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:9',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'last-event-id,authorization',
      },
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('last-event-id')
    const reader = await open(backend, 'dashboard', { Origin: 'http://127.0.0.1:9', Authorization: 'Bearer x' })
    expect(reader.headers.get('access-control-allow-origin')).toBe('*')
  })
})

describe('dict payloads', { timeout: 30_000 }, () => {
  let backend: PythonBackend
  beforeAll(async () => {
    backend = await startPythonBackend({ style: 'dict', rate: 20 })
  }, 60_000)
  afterAll(() => backend?.stop(), 20_000)

  it('sends str(dict): Python literal text, not JSON, on every channel and for `connected`', async () => {
    for (const channel of CHANNELS) {
      const reader = await open(backend, channel)
      const events = await takeNamed(reader, channel, 3)
      const connected = reader.events[0]
      expect(connected?.event).toBe('connected')
      expect(connected?.data).toMatch(/^\{'client_id': '[^']*', 'channels': \['\w+'\], 'timestamp': '/)
      for (const event of events) {
        expect(event.data).toMatch(/^\{'/)
        expect(() => JSON.parse(event.data), event.data).toThrow()
        // Python's True/False/None, and single-quoted keys.
        expect(event.data).toMatch(/: (True|False|None)[,}]/)
      }
      reader.close()
    }
  })

  it('carries quotes, backslashes and non-ASCII text in alert messages the way repr writes them', async () => {
    const reader = await open(backend, 'alerts')
    const events = await takeNamed(reader, 'alerts', 9)
    const text = events.map((event) => event.data).join('\n')
    expect(text).toContain(`'message': "Drawdown on 'mean-reversion-20d' reached 11.8%"`)
    expect(text).toContain(`'message': 'Symbol "600519.SH" moved 7.1% in 5 min'`)
    expect(text).toContain(String.raw`C:\\feeds\\sse\\level2`)
    expect(text).toContain('贵州茅台')
    expect(text).toContain('🚨')
    expect(text).toContain(String.raw`'message': 'Line one\nline two\ttabbed, back\\slash and both quotes \' "'`)
    expect(text).toContain(`'acknowledged': False, 'resolved_at': None`)
  })
})

describe('process life', { timeout: 30_000 }, () => {
  let backend: PythonBackend | undefined
  afterEach(async () => {
    await backend?.stop()
    backend = undefined
  }, 20_000)

  it('restarts ids at 1 after restart(), with markers from the new process base', async () => {
    backend = await startPythonBackend({ rate: 20 })
    const before = await open(backend, 'backtest')
    await takeNamed(before, 'backtest', 5)
    const oldPid = backend.pid
    await backend.restart()
    // The SIGKILLed process took its streams with it.
    await before.until(() => before.ended, 5000)
    expect(isRunning(oldPid)).toBe(false)
    expect(backend.pid).not.toBe(oldPid)
    expect(backend.markerBase).toBe(MARKER_STRIDE)

    const after = await open(backend, 'backtest')
    const events = await takeNamed(after, 'backtest', 3)
    expect(events.slice(0, 3).map((event) => event.id)).toEqual(['1', '2', '3'])
    expect(events.slice(0, 3).map((event) => markerOf('backtest', JSON.parse(event.data)))).toEqual([
      MARKER_STRIDE + 1,
      MARKER_STRIDE + 2,
      MARKER_STRIDE + 3,
    ])
  })

  it('answers the first N stream requests with 500, then streams', async () => {
    backend = await startPythonBackend({ failFirst: 2, rate: 20 })
    const url = `${backend.url}/api/v1/sse/alerts`
    const first = await fetch(url)
    const second = await fetch(url)
    expect([first.status, second.status]).toEqual([500, 500])
    await Promise.all([first.body?.cancel(), second.body?.cancel()])
    const third = await open(backend, 'alerts')
    expect(third.status).toBe(200)
    expect((await takeNamed(third, 'alerts', 1)).map((event) => event.id)).toEqual(['1'])
  })

  it('sends `ping` events and sse-starlette comment pings at the intervals it is given', async () => {
    backend = await startPythonBackend({ rate: 5, pingSeconds: 0.3, commentPingSeconds: 0.3 })
    const reader = await open(backend, 'training')
    await reader.until(
      () => reader.events.filter((event) => event.event === 'ping').length >= 2 && reader.comments.length >= 2,
      10_000,
    )
    const ping = reader.events.find((event) => event.event === 'ping')
    expect(ping?.id).toBeUndefined()
    expect(JSON.parse(ping?.data ?? '')).toMatchObject({ timestamp: expect.any(String) })
    expect(reader.comments[0]).toMatch(/^ ?ping - \d{4}-\d\d-\d\d /)
  })

  it('kill() ends the process at once and stop() leaves no process behind', async () => {
    backend = await startPythonBackend()
    const reader = await open(backend, 'dashboard')
    await takeNamed(reader, 'dashboard', 1)
    const pid = backend.pid
    await backend.kill()
    await reader.until(() => reader.ended, 5000)
    expect(isRunning(pid)).toBe(false)
    await expect(fetch(`${backend.url}/api/v1/sse/status`)).rejects.toThrow()

    await backend.restart()
    const next = backend.pid
    await waitFor(async () => (await fetch(`${backend?.url}/api/v1/sse/status`)).ok, 'the new process')
    await backend.stop()
    expect(isRunning(next)).toBe(false)
  })
})
