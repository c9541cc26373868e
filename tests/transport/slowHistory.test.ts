// A first visit whose history answer comes late: the dev backend behind a loopback HTTP proxy that
// holds `/history` answers until the test lets them go (a slow network or a busy backend, which is
// what a loaded machine gives). Live events that arrive meanwhile are held by the client; none of
// them may be lost however the history page and the held events overlap.
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createHarness, samplePayload, type Harness } from '../support/clientHarness.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

let backend: DevBackendServer | undefined
let proxy: Server | undefined
let harness: Harness | undefined

afterEach(async () => {
  harness?.close()
  harness = undefined
  proxy?.closeAllConnections()
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()))
  proxy = undefined
  await backend?.close()
  backend = undefined
})

/** Forwards every request to `target`; `/history` requests wait until `release()` is called. */
async function holdingProxy(target: string) {
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  let heldRequests = 0
  proxy = createServer(async (req, res) => {
    if ((req.url ?? '').includes('/history')) {
      heldRequests += 1
      await released
    }
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    release,
    held: () => heldRequests,
  }
}

function emitAlerts(count: number, from: number): string[] {
  const ids: string[] = []
  for (let i = 0; i < count; i += 1) {
    const { type, data } = samplePayload('alerts', from + i)
    ids.push((backend as DevBackendServer).backend.emit('alerts', type, data))
  }
  return ids
}

/**
 * Three old events, a first visit whose `/history` answer is held, `liveCount` live events that
 * arrive (and are held by the client) meanwhile, then the history answer; resolves once at least
 * `expected` events were applied.
 */
async function firstVisitDuringBurst(backfillLimit: number, liveCount: number, expected: number) {
  backend = await startDevBackend({ simulate: false, heartbeatSeconds: 0.3 })
  const old = emitAlerts(3, 0)
  const gate = await holdingProxy(backend.url)
  const h = createHarness(gate.url, { transport: { backfillLimit } })
  harness = h
  h.subscribe('alerts')
  await h.until(() => gate.held() > 0, 5000, 'the history request')
  await h.until(() => h.client.status('alerts').state.phase === 'open', 5000, 'the stream open')
  const live = emitAlerts(liveCount, 3)
  await h.until(
    () => h.client.status('alerts').arrived === liveCount,
    5000,
    'the live events to arrive (held while history is read)',
  )
  gate.release()
  await h.until(() => h.events.alerts.length >= expected, 5000, 'the events applied')
  return { h, old, live }
}

describe('a first visit whose history answer comes after live events', () => {
  it(
    'applies every live event, even those older than the newest page history returns',
    { timeout: 20_000 },
    async () => {
      // More live events than one backfill page: the page history returns holds only the newest 5.
      const { h, old, live } = await firstVisitDuringBurst(5, 12, 12)
      const ids = h.ids('alerts')
      // Every live event once, in order; older context may come before them, never after.
      expect(ids.filter((id) => live.includes(id))).toEqual(live)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.slice(-12)).toEqual(live)
      expect(ids.filter((id) => old.includes(id))).toEqual([])
      expect(h.client.status('alerts').lastEventId).toBe(live[live.length - 1])
    },
  )

  it(
    'applies older context first and every live event after it when the page reaches back past them',
    { timeout: 20_000 },
    async () => {
      const { h, old, live } = await firstVisitDuringBurst(8, 6, 8)
      // The page holds the newest 8: two old ones, then the six live ones (applied once).
      expect(h.ids('alerts')).toEqual([...old.slice(-2), ...live])
      expect(h.client.status('alerts').duplicates).toBe(0)
    },
  )
})
