// Cursors that cannot be headers, and empty ids, across a real reconnect: a loopback server that
// writes its stream one byte per chunk and records what each reconnect sends.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createHarness, samplePayload, type Harness } from '../support/clientHarness.ts'

interface Seen {
  lastEventIdHeader: string | undefined
  query: string | null
}

let server: Server | undefined
let harness: Harness | undefined

afterEach(async () => {
  harness?.close()
  harness = undefined
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** Serves `bodies[n]` to the n-th stream request, one byte per write, then ends it (the last stays open). */
async function serve(bodies: string[], seen: Seen[]): Promise<string> {
  server = createServer(async (req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/api/v1/sse/alerts') return res.writeHead(404).end()
    const n = seen.length
    seen.push({
      lastEventIdHeader: req.headers['last-event-id'] as string | undefined,
      query: url.searchParams.get('last_event_id'),
    })
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    const bytes = Buffer.from(bodies[Math.min(n, bodies.length - 1)] ?? '', 'utf8')
    for (const byte of bytes) {
      res.write(Buffer.from([byte]))
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (n < bodies.length - 1) res.end()
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`
}

const event = (id: string, n: number) =>
  `id: ${id}\r\nevent: risk_alert\r\ndata: ${JSON.stringify(samplePayload('alerts', n).data)}\r\n\r\n`

describe('ids on the wire across reconnects', () => {
  it('sends a cursor that is not a valid header value as last_event_id in the URL, and keeps streaming', async () => {
    const seen: Seen[] = []
    const url = await serve([event('é…1', 1), event('é…2', 2), event('é…3', 3)], seen)
    harness = createHarness(url, { transport: { heartbeatSeconds: 5 } })
    harness.subscribe('alerts')
    await harness.until(
      () => (harness?.events.alerts.length ?? 0) >= 3,
      10_000,
      'three events over three connections',
    )
    expect(harness.ids('alerts')).toEqual(['é…1', 'é…2', 'é…3'])
    expect(seen[0]).toEqual({ lastEventIdHeader: undefined, query: null })
    // fetch would throw on such a header for good; the contract's query parameter carries it.
    expect(seen[1]).toEqual({ lastEventIdHeader: undefined, query: 'é…1' })
    expect(seen[2]).toEqual({ lastEventIdHeader: undefined, query: 'é…2' })
    expect(harness.client.status('alerts').state.phase).toBe('open')
  })

  it('sends Latin-1 cursors as the Last-Event-ID header as usual', async () => {
    const seen: Seen[] = []
    const url = await serve([event('a-1', 1), event('a-2', 2)], seen)
    harness = createHarness(url, { transport: { heartbeatSeconds: 5 } })
    harness.subscribe('alerts')
    await harness.until(() => (harness?.events.alerts.length ?? 0) >= 2, 10_000, 'two events')
    expect(seen[1]).toEqual({ lastEventIdHeader: 'a-1', query: null })
  })

  it('sends no Last-Event-ID after an empty id, and uses an id-only block as the cursor', async () => {
    const seen: Seen[] = []
    const url = await serve(
      [`${event('5', 1)}id:\r\n\r\n`, `${event('6', 2)}id: 9\r\n\r\n`, event('10', 3)],
      seen,
    )
    harness = createHarness(url, { transport: { heartbeatSeconds: 5 } })
    harness.subscribe('alerts')
    await harness.until(() => (harness?.events.alerts.length ?? 0) >= 3, 10_000, 'three events')
    // The empty id reset the last event id: nothing is offered, not even an empty header.
    expect(seen[1]).toEqual({ lastEventIdHeader: undefined, query: null })
    // The id-only block moved it to 9 although it dispatched no event.
    expect(seen[2]).toEqual({ lastEventIdHeader: '9', query: null })
  })
})
