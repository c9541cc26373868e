// Stream reading: every line ending, every chunk boundary, comments, BOM, oversize events.
import type { EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { readStream } from '@/realtime/sseTransport'

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      controller.close()
    },
  })
}

async function parse(chunks: Uint8Array[], maxEventChars = 1_000_000) {
  const messages: EventSourceMessage[] = []
  const retries: number[] = []
  let activity = 0
  let oversize = 0
  await readStream(
    streamOf(chunks),
    {
      onActivity: () => (activity += 1),
      onMessage: (message) => messages.push({ ...message }),
      onRetry: (ms) => retries.push(ms),
      onOversize: () => (oversize += 1),
      onId: () => {},
    },
    maxEventChars,
  )
  return { messages, retries, activity, oversize }
}

const encoder = new TextEncoder()
const alert = '{"alert_id":"a-1","message":"Prix 价格 € 🚀 dépassé"}'
const expected = [
  { id: '1', event: 'risk_alert', data: alert },
  { id: '2', event: 'ping', data: '{"timestamp":"t"}' },
  { id: '3', event: undefined, data: 'line one\nline two' },
]

function document(eol: string, bom = false): string {
  const text = [
    'retry: 3000',
    ': ping - 2026-01-04 10:42:51.123456+00:00',
    '',
    'id: 1',
    'event: risk_alert',
    `data: ${alert}`,
    '',
    ': a comment between events',
    'id: 2',
    'event: ping',
    'data: {"timestamp":"t"}',
    '',
    'id: 3',
    'data: line one',
    'data: line two',
    '',
    '',
  ].join(eol)
  return bom ? `\uFEFF${text}` : text
}

describe('readStream', () => {
  for (const [name, eol] of [
    ['CRLF', '\r\n'],
    ['LF', '\n'],
    ['CR', '\r'],
  ] as const) {
    it(`parses ${name} line endings split at every byte boundary`, async () => {
      const bytes = encoder.encode(document(eol))
      for (let cut = 0; cut <= bytes.length; cut += 1) {
        const { messages, retries } = await parse([bytes.slice(0, cut), bytes.slice(cut)])
        expect(messages, `cut at ${cut}`).toEqual(expected)
        expect(retries).toEqual([3000])
      }
    })
  }

  it('parses byte-by-byte delivery, including inside CRLF pairs and multi-byte characters', async () => {
    const bytes = encoder.encode(document('\r\n'))
    const { messages, activity } = await parse(Array.from(bytes, (b) => Uint8Array.of(b)))
    expect(messages).toEqual(expected)
    expect(activity).toBe(bytes.length)
  })

  it('ignores a leading byte order mark, even split across chunks', async () => {
    const bytes = encoder.encode(document('\r\n', true))
    expect(bytes.slice(0, 3)).toEqual(Uint8Array.of(0xef, 0xbb, 0xbf))
    for (const cut of [1, 2, 3, 4]) {
      const { messages } = await parse([bytes.slice(0, cut), bytes.slice(cut)])
      expect(messages).toEqual(expected)
    }
  })

  it('parses random chunkings of a mixed-ending stream', async () => {
    const text = `${document('\r\n')}${document('\n')}${document('\r')}`
    const bytes = encoder.encode(text)
    let seed = 7
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    for (let round = 0; round < 50; round += 1) {
      const chunks: Uint8Array[] = []
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(random() * 40)
        chunks.push(bytes.slice(at, at + size))
        at += size
      }
      const { messages } = await parse(chunks)
      expect(messages).toEqual([...expected, ...expected, ...expected])
    }
  })

  it('skips an event larger than the cap and keeps the events around it', async () => {
    const huge = 'x'.repeat(5000)
    const text = `id: 1\nevent: a\ndata: small\n\nid: 2\nevent: a\ndata: ${huge}\n\nid: 3\nevent: a\ndata: after\n\n`
    const { messages, oversize } = await parse([encoder.encode(text)], 1000)
    expect(oversize).toBe(1)
    expect(messages.map((m) => m.data)).toEqual(['small', 'after'])
    expect(messages.map((m) => m.id)).toEqual(['1', '3'])
  })

  it('keeps invalid UTF-8 from breaking the stream (replacement characters)', async () => {
    const head = encoder.encode('id: 1\nevent: a\ndata: ')
    const bad = Uint8Array.of(0xff, 0xfe, 0xc3)
    const tail = encoder.encode('\n\nid: 2\nevent: a\ndata: ok\n\n')
    const { messages } = await parse([head, bad, tail])
    expect(messages).toHaveLength(2)
    expect(messages[0]?.data).toContain('\uFFFD')
    expect(messages[1]).toEqual({ id: '2', event: 'a', data: 'ok' })
  })
})

describe('readStream under a backlog', () => {
  it('parses a huge buffered chunk in slices, letting other tasks run between them, and loses nothing', async () => {
    const count = 50_000
    let text = ''
    for (let i = 1; i <= count; i += 1) text += `id: ${i}\nevent: risk_alert\ndata: {"n":${i}}\n\n`
    const ids: string[] = []
    // A task queued before parsing starts: it runs while the backlog is still being parsed.
    let seenByOtherTask: number | null = null
    setTimeout(() => (seenByOtherTask = ids.length), 0)
    await readStream(
      streamOf([encoder.encode(text)]),
      {
        onActivity: () => {},
        onMessage: (message) => ids.push(message.id ?? ''),
        onRetry: () => {},
        onOversize: () => {},
        onId: () => {},
      },
      1_000_000,
    )
    expect(seenByOtherTask).not.toBeNull()
    expect(seenByOtherTask).toBeLessThan(count)
    expect(ids).toHaveLength(count)
    expect(ids[0]).toBe('1')
    expect(ids[count - 1]).toBe(String(count))
    expect(new Set(ids).size).toBe(count)
  })
})

describe('readStream with backpressure', () => {
  it('takes nothing more from the stream while what it parsed waits, then goes on and loses nothing', async () => {
    const chunks = [1, 2, 3].map((n) =>
      encoder.encode(`id: ${n}\nevent: risk_alert\ndata: {"n":${n}}\n\n`),
    )
    const ids: string[] = []
    let release: (() => void) | null = null
    let asked = 0
    const reading = readStream(
      streamOf(chunks),
      {
        onActivity: () => {},
        onMessage: (message) => ids.push(message.id ?? ''),
        onRetry: () => {},
        onOversize: () => {},
        onId: () => {},
        backpressure: () => {
          asked += 1
          // Behind after the first chunk only.
          return asked === 1 ? new Promise<void>((resolve) => (release = resolve)) : null
        },
      },
      1_000_000,
    )
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setTimeout(resolve, 0))
    expect(ids).toEqual(['1'])
    expect(release).not.toBeNull()
    release!()
    await reading
    expect(ids).toEqual(['1', '2', '3'])
  })
})
