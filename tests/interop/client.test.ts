// The real client against the Python FastAPI + sse-starlette backend, in both payload styles,
// counted by payload markers: every channel fills, a restarted backend's fresh events (ids from 1
// again) are all applied once, 500s are ridden out, and a channel whose every event is rejected is
// never shown as live.
import { afterEach, describe, expect, it } from 'vitest'
import { channelLabel } from '../../src/components/connectionLabel.ts'
import type { TransportOptions } from '../../src/protocol/transport.ts'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { createHarness, type Harness } from '../support/clientHarness.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts'
import {
  MARKER_STRIDE,
  markerOf,
  startPythonBackend,
  type PythonBackend,
} from '../support/pythonBackend.ts'

let backend: PythonBackend | undefined
let harness: Harness | undefined
let proxy: TcpProxy | undefined

afterEach(async () => {
  harness?.close()
  harness = undefined
  await proxy?.close()
  proxy = undefined
  await backend?.stop()
  backend = undefined
}, 20_000)

/** Events per second on each channel: enough to count, light on a shared machine. */
const RATE = 20

interface BackendStatus {
  connections: number
  events_sent: number
  sent: Record<Channel, number>
}

async function backendStatus(server: PythonBackend): Promise<BackendStatus> {
  const response = await fetch(`${server.url}/api/v1/sse/status`)
  return (await response.json()) as BackendStatus
}

/** Markers of the events the client applied on `channel`, in the order it applied them. */
function applied(h: Harness, channel: Channel): number[] {
  return h.events[channel].map((event) => markerOf(channel, event.data))
}

/** `from`, `from + 1`, … `to`. */
function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

/** Until every channel has applied at least `least(channel)` events. */
function untilEachChannel(
  h: Harness,
  least: (channel: Channel) => number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return h.until(() => CHANNELS.every((c) => h.events[c].length >= least(c)), timeoutMs, what)
}

/**
 * Until the client applied every event `server` has sent so far (its markers start after `base`);
 * returns what it had sent per channel.
 */
async function untilAllSentApplied(
  h: Harness,
  server: PythonBackend,
  what: string,
  base = 0,
): Promise<Record<Channel, number>> {
  const sent = (await backendStatus(server)).sent
  await h.until(
    () => CHANNELS.every((c) => Math.max(...applied(h, c)) >= base + sent[c]),
    10_000,
    what,
  )
  return sent
}

/** No watchdog reconnects on a busy machine: a lost connection would lose markers legitimately. */
const CALM: Partial<TransportOptions> = { heartbeatSeconds: 5 }

/** Strict JSON: the transport option that turns Python-literal decoding off. */
const STRICT_JSON: Partial<TransportOptions> & Record<string, unknown> = {
  ...CALM,
  pythonLiterals: false,
}

describe.each(['json', 'dict'] as const)(
  '%s payloads from sse-starlette',
  { timeout: 60_000 },
  (style) => {
    it('fills all four channels, each event applied once and counted in the diagnostics', async () => {
      backend = await startPythonBackend({ style, rate: RATE })
      harness = createHarness(backend.url, { transport: CALM })
      const h = harness
      h.subscribe(...CHANNELS)
      await untilEachChannel(h, () => 10, 15_000, 'ten events on every channel')
      expect(h.client.mode).toBe('per-channel')

      // One connection per channel: everything the backend has sent so far arrives, in order, once.
      await untilAllSentApplied(h, backend, 'every event sent so far')
      for (const channel of CHANNELS) {
        const markers = applied(h, channel)
        expect(markers, channel).toEqual(range(1, markers.length))
        expect(h.ids(channel).slice(0, 3), channel).toEqual(['1', '2', '3'])
        const status = h.client.status(channel)
        expect(status.invalid, channel).toBe(0)
        expect(status.duplicates, channel).toBe(0)
        expect(status.state.phase, channel).toBe('open')
      }
      // The drawer's counters match the traffic: received counts every applied event.
      await h.until(
        () => CHANNELS.every((c) => h.client.status(c).received === h.events[c].length),
        5000,
        'received counters',
      )
    })

    it('applies every event of a restarted backend once, although its ids start again at 1', async () => {
      backend = await startPythonBackend({ style, rate: RATE })
      const server = backend
      harness = createHarness(server.url, { transport: CALM })
      const h = harness
      h.subscribe(...CHANNELS)
      await untilEachChannel(h, () => 10, 15_000, 'events before the restart')

      await server.kill()
      const before = Object.fromEntries(CHANNELS.map((c) => [c, applied(h, c)])) as Record<
        Channel,
        number[]
      >
      await server.restart()
      const base = server.markerBase
      expect(base).toBe(MARKER_STRIDE)

      // The new process numbers its events 1, 2, 3… again; wait for well past the ids seen before.
      await h.until(
        () =>
          CHANNELS.every(
            (c) => applied(h, c).filter((m) => m > base).length >= before[c].length + 10,
          ),
        20_000,
        'more fresh events than ids seen before the restart',
      )
      const sent = await untilAllSentApplied(
        h,
        server,
        'every event the new process sent so far',
        base,
      )
      for (const channel of CHANNELS) {
        const markers = applied(h, channel)
        // Before the kill: a run from 1, none twice (the last few in flight may be lost with the process).
        const old = markers.filter((m) => m <= base)
        expect(old.length, channel).toBeGreaterThanOrEqual(before[channel].length)
        expect(old, channel).toEqual(range(1, old.length))
        // After: nothing from the new process dropped as a "repeat", nothing applied twice.
        const fresh = markers.filter((m) => m > base)
        expect(fresh, channel).toEqual(range(base + 1, base + fresh.length))
        expect(fresh.length, channel).toBeGreaterThanOrEqual(sent[channel])
        expect(markers, channel).toEqual([...old, ...fresh])
        const status = h.client.status(channel)
        expect(status.duplicates, channel).toBe(0)
        expect(status.invalid, channel).toBe(0)
        // Ids restarting on a backend that cannot resume: the possible gap is shown.
        expect(status.gaps.length, channel).toBeGreaterThan(0)
        expect(status.state.phase, channel).toBe('open')
      }
    })

    it('applies every event of a new connection to the same process, although its ids start again at 1', async () => {
      backend = await startPythonBackend({ style, rate: RATE })
      const server = backend
      proxy = await startTcpProxy(server.port)
      const cut = proxy
      harness = createHarness(cut.url, { transport: CALM })
      const h = harness
      h.subscribe(...CHANNELS)
      await untilEachChannel(h, () => 10, 15_000, 'events before the cut')
      // A load balancer drops the streams; the process lives on and numbers the new streams from 1.
      cut.cut()
      const before = Object.fromEntries(CHANNELS.map((c) => [c, h.events[c].length])) as Record<
        Channel,
        number
      >
      const restarts = (c: Channel): number[] =>
        h.ids(c).flatMap((id, index) => (id === '1' ? [index] : []))
      await untilEachChannel(
        h,
        (c) => 2 * before[c] + 10,
        20_000,
        'more events after the cut than before it',
      )
      await untilAllSentApplied(h, server, 'every event sent so far')
      for (const channel of CHANNELS) {
        const markers = applied(h, channel)
        // Two streams, each applied from its id 1: none of the second dropped as a repeat of the first.
        const starts = restarts(channel)
        expect(starts.length, channel).toBe(2)
        const second = starts[1] ?? 0
        expect(h.ids(channel).slice(second), channel).toEqual(
          range(1, markers.length - second).map(String),
        )
        // Markers: strictly increasing over both streams, and consecutive within each.
        expect(markers.slice(0, second), channel).toEqual(range(1, second))
        expect(markers.slice(second), channel).toEqual(
          range(markers[second] ?? 0, markers[markers.length - 1] ?? 0),
        )
        expect(markers[second], channel).toBeGreaterThan(markers[second - 1] ?? 0)
        expect(h.client.status(channel).duplicates, channel).toBe(0)
      }
    })

    it('rides out HTTP 500s on the first stream requests and then fills every channel', async () => {
      backend = await startPythonBackend({ style, rate: RATE, failFirst: 6 })
      harness = createHarness(backend.url, { transport: CALM })
      const h = harness
      h.subscribe(...CHANNELS)
      await untilEachChannel(h, () => 5, 20_000, 'events after the 500s')
      for (const channel of CHANNELS) {
        const markers = applied(h, channel)
        expect(markers, channel).toEqual(range(1, markers.length))
        expect(h.phases[channel], channel).toContain('backoff')
        expect(h.client.status(channel).state.phase, channel).toBe('open')
        expect(h.client.status(channel).invalid, channel).toBe(0)
      }
      expect(CHANNELS.some((c) => h.client.status(c).reconnects > 0)).toBe(true)
    })
  },
)

describe('dict payloads with Python-literal decoding turned off', { timeout: 60_000 }, () => {
  it('never shows a channel as live while every event is rejected, and counts each rejection', async () => {
    backend = await startPythonBackend({ style: 'dict', rate: RATE })
    const server = backend
    harness = createHarness(server.url, { transport: STRICT_JSON })
    const h = harness
    h.subscribe(...CHANNELS)
    await h.until(
      () => CHANNELS.every((c) => h.client.status(c).invalid >= 5),
      15_000,
      'rejected events',
    )

    // While events keep arriving and being rejected, no channel is shown as live, at any moment:
    // the connection is open (bytes arrive), and what the page says is that the data is rejected.
    const deadline = Date.now() + 1500
    while (Date.now() < deadline) {
      for (const channel of CHANNELS) {
        const status = h.client.status(channel)
        const label = channelLabel(status, Date.now())
        expect(label.text, channel).not.toBe('live')
        if (status.state.phase === 'open') {
          expect(label.text, channel).toBe('data rejected')
          expect(label.detail, channel).toMatch(
            /^(\d+) of \1 events rejected: data is not JSON .*json\.dumps/,
          )
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    for (const channel of CHANNELS) {
      expect(h.events[channel], channel).toEqual([])
      expect(h.client.status(channel).received, channel).toBe(0)
    }

    // The rejection counters match the traffic: at least what was sent a moment ago, at most what
    // has been sent by now (plus each stream's `connected`, when the client counts it).
    const earlier = (await backendStatus(server)).sent
    await h.until(
      () => CHANNELS.every((c) => h.client.status(c).invalid >= earlier[c]),
      10_000,
      'a rejection counted for every event sent',
    )
    const now = (await backendStatus(server)).sent
    for (const channel of CHANNELS) {
      const status = h.client.status(channel)
      expect(status.invalid, channel).toBeLessThanOrEqual(now[channel] + 1)
      // Arrivals (the drawer's events/s) count rejected events too: the same traffic.
      expect(status.arrived, channel).toBeGreaterThanOrEqual(earlier[channel])
      expect(status.arrived, channel).toBeLessThanOrEqual(now[channel] + 1)
      expect(status.rejecting?.all, channel).toBe(true)
    }
  })
})

describe('data that queues on the way from sse-starlette', { timeout: 60_000 }, () => {
  it('is reported as arriving late while it drains, and on time again after', async () => {
    const server = await startPythonBackend({ style: 'json', rate: RATE })
    backend = server
    const gate = await startTcpProxy(server.port)
    proxy = gate
    const h = createHarness(gate.url, { transport: CALM })
    harness = h
    // The channel's lateness as each event is applied (it is sampled a few times a second).
    const late: number[] = []
    h.client.subscribe('dashboard', () => late.push(h.client.status('dashboard').late?.ms ?? -1))
    h.subscribe('dashboard')
    await h.until(() => h.events.dashboard.length >= 20, 15_000, 'twenty events on time')
    expect(Math.max(...late)).toBeLessThan(1000)

    // Three seconds of the server's events queue in the proxy (a congested link, a slow reader),
    // each stamped when sent; then they all arrive at once.
    gate.freeze()
    const frozenAt = h.events.dashboard.length
    await new Promise((resolve) => setTimeout(resolve, 3000))
    expect(h.events.dashboard.length).toBe(frozenAt)
    const drainFrom = late.length
    const thawedAt = Date.now()
    gate.thaw()
    await h.until(() => h.events.dashboard.length >= frozenAt + 40, 10_000, 'the queued events')
    expect(Math.max(...late.slice(drainFrom))).toBeGreaterThanOrEqual(2000)

    // Fresh events after the drain: on time again. Counted by when the server stamped them (same
    // machine clock), not by how many arrived: on a loaded machine the queued ones are still being
    // applied when the count alone would say "fresh".
    const sentAfterThaw = () =>
      h.events.dashboard.filter((event) => Date.parse(event.data.timestamp) > thawedAt).length
    await h.until(() => sentAfterThaw() >= 20, 10_000, 'fresh events')
    expect(late.at(-1)).toBeGreaterThanOrEqual(0)
    expect(late.at(-1)).toBeLessThan(1000)
  })
})
