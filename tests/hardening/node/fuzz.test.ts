// Fuzzing the SSE reader and the client's decoder with seeded hostile byte streams: nothing escapes, memory stays bounded.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { EventSourceMessage } from 'eventsource-parser'
import { afterEach, describe, expect, it } from 'vitest'
import { readStream } from '../../../src/realtime/sseTransport.ts'
import { createHarness, type Harness } from '../../support/clientHarness.ts'
import {
  chop,
  concat,
  garbage,
  hostileStream,
  int,
  pick,
  seeded,
  sentinelMessage,
  sentinelText,
  streamOf,
  utf8,
  type GarbageKind,
  type Rng,
} from './hostileStream.ts'

interface Parsed {
  messages: EventSourceMessage[]
  retries: number[]
  oversize: number
  activity: number
}

async function parse(body: ReadableStream<Uint8Array>, maxEventChars: number): Promise<Parsed> {
  const parsed: Parsed = { messages: [], retries: [], oversize: 0, activity: 0 }
  await readStream(
    body,
    {
      onActivity: () => (parsed.activity += 1),
      onMessage: (message) => parsed.messages.push({ ...message }),
      onRetry: (ms) => parsed.retries.push(ms),
      onOversize: () => (parsed.oversize += 1),
      onId: () => {},
    },
    maxEventChars,
  )
  return parsed
}

const BASE_SEED = 0x5eed_2026

describe('readStream under seeded hostile input', () => {
  it('delivers every sentinel exactly once, never an event over the cap, across 300 random streams', async () => {
    let sentinelsSeen = 0
    let oversizeSeen = 0
    let bytesFed = 0
    let reads = 0
    const kindsSeen = new Set<GarbageKind>()
    for (let i = 0; i < 300; i += 1) {
      const seed = BASE_SEED + i
      const rng = seeded(seed)
      const maxEventChars = pick(rng, [256, 1024, 4096])
      const stream = hostileStream(rng, `s${i}`, {
        maxEventChars,
        digitRetry: true,
        sentinels: int(rng, 2, 10),
      })
      stream.kinds.forEach((kind) => kindsSeen.add(kind))
      const chunks = chop(rng, stream.bytes)
      bytesFed += stream.bytes.length
      reads += chunks.length
      // Reproduce one case with BASE_SEED + i: the stream and its chunking depend on nothing else.
      const where = `seed ${seed} (iteration ${i}), cap ${maxEventChars}, kinds ${stream.kinds.join(',')}`
      const parsed = await parse(streamOf(chunks), maxEventChars)
      const sentinels = parsed.messages.filter((m) => m.id?.startsWith(`s${i}-`))
      expect(sentinels, where).toEqual(stream.sentinels)
      expect(parsed.oversize, where).toBeGreaterThanOrEqual(stream.oversizeBlocks)
      for (const message of parsed.messages)
        expect(message.data.length, where).toBeLessThanOrEqual(maxEventChars)
      expect(parsed.activity, where).toBe(chunks.filter((chunk) => chunk.length > 0).length)
      sentinelsSeen += sentinels.length
      oversizeSeen += parsed.oversize
    }
    // The generator really produced every kind of bad input, and the cap was really hit.
    expect([...kindsSeen].sort()).toEqual(
      [
        'bad-retry',
        'bom',
        'huge-line',
        'huge-multiline',
        'huge-id',
        'invalid-utf8',
        'many-fields',
        'mutated-event',
        'nul-id',
        'random-bytes',
        'garbage-lines',
      ].sort(),
    )
    expect(sentinelsSeen).toBeGreaterThan(1500)
    expect(oversizeSeen).toBeGreaterThan(150)
    console.info(
      `fuzz: 300 streams, ${(bytesFed / 2 ** 20).toFixed(1)} MB in ${reads} reads, ${sentinelsSeen} sentinels delivered, ${oversizeSeen} oversize reports`,
    )
  }, 30_000)

  it('ignores non-digit retry values and ids holding NUL, as the SSE spec says', async () => {
    const text = [
      'retry: 12a\n',
      'retry: -1\n',
      'retry: ٣\n',
      'retry: 1e3\n',
      'retry: 250\n',
      'id: a\0b\nevent: risk_alert\ndata: first\n\n',
      'id: 7\nevent: risk_alert\ndata: second\n\n',
    ].join('')
    const parsed = await parse(streamOf([utf8(text)]), 1000)
    expect(parsed.retries).toEqual([250])
    expect(parsed.messages).toEqual([
      { id: undefined, event: 'risk_alert', data: 'first' },
      { id: '7', event: 'risk_alert', data: 'second' },
    ])
  })

  it('treats a byte order mark mid-stream as data, and keeps the events after it', async () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf)
    const first = sentinelMessage('b-1')
    const last = sentinelMessage('b-2')
    const bytes = concat([
      bom,
      utf8(sentinelText(first, '\n')),
      bom,
      utf8('data: after a mid-stream BOM\n\n'),
      bom,
      bom,
      utf8(`\n${sentinelText(last, '\r\n')}`),
    ])
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const parsed = await parse(streamOf([bytes.subarray(0, cut), bytes.subarray(cut)]), 1000)
      // "\uFEFFdata" is an unknown field name: the line is ignored, not glued to the next event.
      expect(parsed.messages).toEqual([first, last])
    }
  })

  // Regression (was a bug in src/realtime/sseTransport.ts, readStream's onError): after the cap
  // tripped, `parser.reset()` started a fresh event on the next line, so the remaining `data:`
  // lines of the oversize event were dispatched as an event of their own (with the `event:`/`id:`
  // lines that follow them): the client applied a payload the server never sent as an event.
  it('skips an oversize multi-line event whole, including its last data lines', async () => {
    const tail = JSON.stringify(JSON.parse(sentinelMessage('tail').data))
    const text = [
      `data: ${'x'.repeat(600)}`,
      `data: ${'x'.repeat(600)}`,
      `data: ${tail}`,
      'event: risk_alert',
      'id: 41',
      '',
      sentinelText(sentinelMessage('after'), '\n'),
    ].join('\n')
    const parsed = await parse(streamOf([utf8(text)]), 1000)
    expect(parsed.oversize).toBe(1)
    expect(parsed.messages).toEqual([sentinelMessage('after')])
  })

  // Regression (was a bug in src/realtime/sseTransport.ts, readStream): the cap only counted
  // buffered `data` and unterminated lines, so an `id:` or `event:` line that arrived whole in one
  // read (or whose last read completed it) was taken at any length. Such an id became the stream
  // cursor (sessionStorage, the Last-Event-ID header of every reconnect) and was remembered among
  // the 4,096 recent ids of its channel.
  it('reports an id line beyond the cap as oversize and never hands the id over', async () => {
    const text = `id: ${'i'.repeat(5000)}\nevent: risk_alert\ndata: {}\n\n${sentinelText(sentinelMessage('after'), '\n')}`
    const parsed = await parse(streamOf([utf8(text)]), 1000)
    expect(parsed.oversize).toBe(1)
    for (const message of parsed.messages) expect(message.id?.length ?? 0).toBeLessThanOrEqual(1000)
  })
})

/** The collector may be exposed on demand; without it the retained-heap checks cannot be made. */
function exposeGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc
  if (existing) return existing
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return null
  }
}

describe('memory under a 50 MB hostile stream', () => {
  it('keeps the heap flat: oversize events are reported, not buffered, and sentinels still arrive', async () => {
    const gc = exposeGc()
    expect(gc, 'a garbage collector to call').not.toBeNull()
    const collect = gc as () => void
    const maxEventChars = 1_000_000 // the production default
    const target = 50 * 1024 * 1024
    const rng = seeded(BASE_SEED ^ 0x50)
    const xChunk = new Uint8Array(64 * 1024).fill(0x78)
    const heap = () => process.memoryUsage().heapUsed
    const sentinels: EventSourceMessage[] = []
    let produced = 0
    let hugeBlocks = 0
    const heapSamples: number[] = []
    let nextProbe = 5 * 1024 * 1024

    // Generated lazily chunk by chunk: the test itself never holds the 50 MB.
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let n = 0
      while (produced < target) {
        const kind = pick(rng, ['huge', 'huge', 'huge', 'fields', 'lines', 'utf8'] as const)
        if (kind === 'huge') {
          hugeBlocks += 1
          yield utf8('event: risk_alert\nid: huge\ndata: ')
          const length = int(rng, 2, 6) * 1024 * 1024
          for (let sent = 0; sent < length; sent += xChunk.length) {
            produced += xChunk.length
            yield xChunk
            if (produced >= nextProbe) {
              // Mid-way through an oversize line: the parser must not be holding it.
              nextProbe += 5 * 1024 * 1024
              collect()
              heapSamples.push(heap())
            }
          }
        } else {
          const block = garbage(
            rng,
            kind === 'fields' ? 'many-fields' : kind === 'lines' ? 'garbage-lines' : 'invalid-utf8',
            {
              maxEventChars,
              digitRetry: true,
            },
          )
          for (const piece of chop(rng, block)) {
            produced += piece.length
            yield piece
          }
        }
        const sentinel = sentinelMessage(`big-${n++}`)
        sentinels.push(sentinel)
        const bytes = utf8(`\n\n${sentinelText(sentinel, '\n')}`)
        produced += bytes.length
        yield bytes
      }
    }
    const source = chunks()
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await source.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
    })

    collect()
    const before = heap()
    const parsed = await parse(body, maxEventChars)
    collect()
    const after = heap()

    expect(produced).toBeGreaterThanOrEqual(target)
    expect(parsed.oversize).toBe(hugeBlocks)
    expect(parsed.messages.filter((m) => m.id?.startsWith('big-'))).toEqual(sentinels)
    const MB = 1024 * 1024
    // One event's worth (1M one-byte chars) plus a chunk and the collector's slack; far below 50 MB.
    expect(
      Math.max(...heapSamples) - before,
      `heap samples ${heapSamples.map((b) => (b / MB).toFixed(1))}`,
    ).toBeLessThan(8 * MB)
    expect(after - before).toBeLessThan(4 * MB)
    console.info(
      `50 MB hostile stream: ${hugeBlocks} oversize events, ${sentinels.length} sentinels; heap before ${(before / MB).toFixed(1)} MB, ` +
        `peak retained mid-stream +${((Math.max(...heapSamples) - before) / MB).toFixed(2)} MB, after +${((after - before) / MB).toFixed(2)} MB`,
    )
  }, 60_000)
})

describe('the real client decoding hostile streams over loopback', () => {
  let server: Server | undefined
  let harness: Harness | undefined
  afterEach(async () => {
    harness?.close()
    harness = undefined
    await new Promise<void>((resolve) => {
      server?.closeAllConnections()
      return server ? server.close(() => resolve()) : resolve()
    })
    server = undefined
  })

  it('applies exactly the sentinels, counts the rest as invalid or unknown, and ends live', async () => {
    // Only the server is test-made (a real node:http server serving the hostile bytes in random
    // writes); fetch, the reader, the decoder, the validators and the reconnect loop are the app's.
    const rng: Rng = seeded(BASE_SEED ^ 0xc1)
    const maxEventChars = 4096
    const streams = Array.from({ length: 12 }, (_, i) =>
      hostileStream(rng, `c${i}`, { maxEventChars, digitRetry: false, sentinels: int(rng, 3, 8) }),
    )
    const final = sentinelMessage('c-final')
    let served = 0
    const lastEventIds: (string | null)[] = []
    server = createServer((req, res) => {
      if (!req.url?.startsWith('/api/v1/sse/alerts')) return res.writeHead(404).end()
      lastEventIds.push((req.headers['last-event-id'] as string | undefined) ?? null)
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      const stream = streams[served++]
      if (!stream) {
        // After the hostile ones: a clean stream that stays open with keepalives.
        res.write(sentinelText(final, '\r\n'))
        const ping = setInterval(() => res.write(': ping\r\n\r\n'), 100)
        res.on('close', () => clearInterval(ping))
        return
      }
      const pieces = chop(rng, stream.bytes)
      const write = () => {
        for (let k = 0; k < 50 && pieces.length > 0; k += 1) res.write(pieces.shift() as Uint8Array)
        if (pieces.length > 0) setImmediate(write)
        else res.end()
      }
      write()
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // A long heartbeat: on a loaded machine a slow write must not be taken for a dead link.
    harness = createHarness(url, { transport: { maxEventChars, heartbeatSeconds: 10 } })
    const errors: string[] = []
    harness.client.onStatusChange(() => {
      const { lastError } = (harness as Harness).client.status('alerts')
      if (lastError !== null && lastError !== errors[errors.length - 1]) errors.push(lastError)
    })
    harness.subscribe('alerts')
    await harness.until(
      () => harness?.ids('alerts').includes('c-final') === true,
      15_000,
      'the final sentinel',
    )
    await harness.until(() => harness?.client.status('alerts').state.phase === 'open', 5000, 'open')

    const expected = [...streams.flatMap((s) => s.sentinels.map((m) => m.id)), 'c-final']
    const received = harness.ids('alerts').filter((id) => /^c(\d+|-final)/.test(id))
    expect(received).toEqual(expected)
    // Whatever else got through was a well-formed alert (a mutated event that stayed valid).
    for (const event of harness.events.alerts) {
      expect(event.event).toBe('risk_alert')
      if (event.event === 'risk_alert')
        expect(event.data.alert_id).toMatch(/^(c\d+-\d+|c-final|m-\d+)/)
    }
    const status = harness.client.status('alerts')
    expect(status.invalid).toBeGreaterThan(0)
    expect(status.unknown).toBeGreaterThan(0)
    expect(status.duplicates).toBe(0)
    expect(status.reconnects).toBe(streams.length)
    expect(errors).toContain(`an event larger than ${maxEventChars} characters was skipped`)
    expect(errors).toContain('the server ended the stream')
    // Each reconnect offered the last id the client saw (this server ignores it, hence the gap note).
    expect(lastEventIds[0]).toBeNull()
    lastEventIds.slice(1).forEach((id) => expect(id).not.toBeNull())
    expect(status.gaps.length).toBeGreaterThan(0)
    for (const bad of status.invalidEvents) expect(bad.excerpt.length).toBeLessThanOrEqual(201)
  }, 30_000)
})
