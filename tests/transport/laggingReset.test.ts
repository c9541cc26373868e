// A `reset` read from history while the stream lags behind the server: the dev backend behind a
// loopback HTTP proxy that can drop the stream, hold `/history` answers and stop passing stream
// bytes on (what a page too slow to read its stream gives: at 50,000 ev/s the server drops it,
// it resumes from an evicted id, and by the time history answers, the server has moved past the
// oldest held events and past the newest). Every event must be applied exactly once.
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
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

interface StreamPipe {
  answer: IncomingMessage
  res: ServerResponse
}

/** Forwards to `target`; can drop and freeze the streams, and hold `/history` answers. */
async function controllingProxy(target: string) {
  const streams = new Set<StreamPipe>()
  let gate: Promise<void> | null = null
  let open: () => void = () => {}
  let heldRequests = 0
  proxy = createServer(async (req, res) => {
    const url = req.url ?? ''
    const isHistory = url.includes('/history')
    if (isHistory && gate) {
      heldRequests += 1
      await gate
    }
    const upstream = request(
      `${target}${url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        if (String(answer.headers['content-type']).startsWith('text/event-stream')) {
          const pipe = { answer, res }
          streams.add(pipe)
          res.on('close', () => streams.delete(pipe))
        }
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    holdHistory() {
      gate = new Promise<void>((resolve) => (open = resolve))
    },
    releaseHistory() {
      gate = null
      open()
    },
    heldHistory: () => heldRequests,
    streams: () => streams.size,
    dropStreams() {
      for (const { answer, res } of streams) {
        answer.destroy()
        res.destroy()
      }
    },
    /** Stream bytes stay in the proxy (the server went on sending; the client reads nothing). */
    freezeStreams() {
      for (const { answer, res } of streams) {
        answer.unpipe(res)
        answer.pause()
      }
    },
    thawStreams() {
      for (const { answer, res } of streams) answer.pipe(res)
    },
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

describe('a reset caught up while the stream lags behind the server', () => {
  it(
    'applies each event once when the history page starts inside the held events and ends past them',
    { timeout: 30_000 },
    async () => {
      // Pings every 10 s: the frozen stream must not trip the watchdog during the test.
      backend = await startDevBackend({ simulate: false, heartbeatSeconds: 10, historySize: 6000 })
      const gate = await controllingProxy(backend.url)
      const h = createHarness(gate.url, { transport: { backfillLimit: 5 } })
      harness = h
      h.subscribe('alerts')
      await h.until(() => h.client.status('alerts').state.phase === 'open', 5000, 'the stream open')
      await h.until(() => gate.streams() === 1, 5000, 'the stream at the proxy')
      const first = emitAlerts(5, 0)
      await h.until(() => h.events.alerts.length === 5, 5000, 'the first events applied')

      // The stream is dropped; before the client is back, more events than the server keeps.
      // It resumes after the last of `first`: `reset`, then a replay of all 6000 kept events,
      // held while history is read.
      gate.holdHistory()
      gate.dropStreams()
      const evicted = emitAlerts(1000, 5)
      const replayed = emitAlerts(6000, 1005)
      await h.until(() => gate.heldHistory() > 0, 5000, 'the history request after the reset')
      await h.until(() => gate.streams() === 1, 5000, 'the stream back at the proxy')
      await h.until(
        () => h.client.status('alerts').arrived >= 5 + replayed.length,
        10_000,
        'the replay to arrive (held while history is read)',
      )
      // Nothing is applied while the events are held: the status says the shown data grows older.
      expect(h.client.status('alerts').late).toMatchObject({ growing: true })

      // The client now reads slower than the server sends: 1000 more events stay unread, and
      // the oldest 1000 held events leave the server's buffer. History answers 2001..8005 of the
      // 1001..8005 the server sent since the reset: it starts inside the held events, ends past.
      gate.freezeStreams()
      const unread = emitAlerts(1000, 7005)
      gate.releaseHistory()
      const held = replayed[replayed.length - 1] as string
      await h.until(() => h.ids('alerts').includes(held), 10_000, 'the held events released')

      gate.thawStreams()
      const all = [...first, ...replayed, ...unread]
      await h.until(
        () => h.client.status('alerts').arrived >= 5 + replayed.length + unread.length,
        10_000,
        'the unread events to arrive (each is handled as it arrives)',
      )

      const ids = h.ids('alerts')
      const counts = new Map<string, number>()
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
      const twice = [...counts.values()].filter((n) => n > 1).length
      expect({ appliedTwice: twice, missing: all.filter((id) => !counts.has(id)).length }).toEqual({
        appliedTwice: 0,
        missing: 0,
      })
      // Live order: the held events, then what came after them; nothing of `evicted` was sent.
      expect(ids).toEqual(all)
      expect(ids.filter((id) => evicted.includes(id))).toEqual([])
    },
  )
})
