// WHATWG SSE rules the web-platform tests check, at every chunk boundary: one BOM stripped (not
// two), an id-only block still sets the last event id, an empty id resets it.
import type { EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { readStream } from '@/realtime/sseTransport'

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size))
      controller.close()
    },
  })
}

async function read(bytes: Uint8Array, size: number) {
  const messages: EventSourceMessage[] = []
  const ids: string[] = []
  await readStream(
    chunked(bytes, size),
    {
      onActivity: () => {},
      onMessage: (message) => messages.push({ ...message }),
      onRetry: () => {},
      onOversize: () => {},
      onId: (id) => ids.push(id),
    },
    1_000_000,
  )
  return { data: messages.map((m) => m.data), messageIds: messages.map((m) => m.id), ids }
}

const encoder = new TextEncoder()
const BOM = [0xef, 0xbb, 0xbf]
const SIZES = [1, 2, 3, 1024]

describe('stream ids and BOM at every chunk boundary', () => {
  it.each(SIZES)(
    'strips one leading BOM, not two (wpt format-bom-2), in %i-byte chunks',
    async (size) => {
      // The second BOM is part of the first line's field name, so that line is ignored.
      const twice = new Uint8Array([...BOM, ...BOM, ...encoder.encode('data: 1\n\ndata: 2\n\n')])
      expect((await read(twice, size)).data).toEqual(['2'])
      const once = new Uint8Array([...BOM, ...encoder.encode('data: 1\r\n\r\ndata: 2\r\n\r\n')])
      expect((await read(once, size)).data).toEqual(['1', '2'])
    },
  )

  it.each(SIZES)('reports an id-only block and an empty id, in %i-byte chunks', async (size) => {
    const text = 'id: 7\n\ndata: a\n\nid: é…漢\ndata: b\n\nid\ndata: c\n\nid:\n\n'
    const result = await read(encoder.encode(text), size)
    expect(result.data).toEqual(['a', 'b', 'c'])
    // The id-only block sets the last event id although no event is dispatched; an empty id
    // (with or without a colon) resets it.
    expect(result.ids).toEqual(['7', 'é…漢', '', ''])
    expect(result.messageIds).toEqual([undefined, 'é…漢', ''])
  })
})
