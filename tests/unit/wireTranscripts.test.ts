// Recorded wire transcripts, tested on both sides: the dev backend's writer must produce exactly
// these bytes for these events, and the client's reader must read exactly these events from them,
// at every chunk boundary. A mistake in the shared contract cannot hide behind agreement.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Channel } from '@/protocol/contract'
import { decodeMessage, type DecodedMessage } from '@/realtime/eventDecoder'
import { readStream } from '@/realtime/sseTransport'
import { wireOf, type StoredEvent } from '../../server/events.ts'

interface Transcript {
  name: string
  stored?: { id: string; channel: Channel; event: string; payload: Record<string, unknown> }
  mux: boolean
  wire: string
  channels: Channel[]
  expected: Record<string, unknown>[]
}

const { transcripts } = JSON.parse(
  readFileSync(new URL('../fixtures/wire-transcripts.json', import.meta.url), 'utf8'),
) as { transcripts: Transcript[] }

async function readAll(transcript: Transcript, chunkBytes: number): Promise<DecodedMessage[]> {
  const bytes = new TextEncoder().encode(transcript.wire)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += chunkBytes)
        controller.enqueue(bytes.slice(at, at + chunkBytes))
      controller.close()
    },
  })
  const decoded: DecodedMessage[] = []
  const context = { channels: transcript.channels, multiplexed: transcript.mux }
  await readStream(
    body,
    {
      onActivity: () => {},
      onMessage: (message) => decoded.push(decodeMessage(message, context)),
      onRetry: () => {},
      onOversize: () => {},
      onId: () => {},
    },
    1_000_000,
  )
  return decoded
}

/** The parts of a decoded message a transcript names. */
function shapeOf(message: DecodedMessage): Record<string, unknown> {
  if (message.kind === 'event') {
    const { channel, event, id, data } = message.value
    return { kind: 'event', channel, event, id, data }
  }
  if (message.kind === 'reset')
    return { kind: 'reset', channels: message.channels, reason: message.reason }
  if (message.kind === 'invalid') return { kind: 'invalid', reason: message.value.reason }
  return { kind: message.kind }
}

describe('wire transcripts', () => {
  it('cover the dev backend on both stream kinds and a real sse-starlette backend', () => {
    expect(transcripts.filter((t) => t.stored).length).toBeGreaterThanOrEqual(2)
    expect(transcripts.some((t) => /sse-starlette/.test(t.name))).toBe(true)
  })

  for (const transcript of transcripts) {
    const stored = transcript.stored
    if (stored) {
      it(`server writes: ${transcript.name}`, () => {
        const event: StoredEvent = {
          major: Number(stored.id),
          minor: 0,
          idText: stored.id,
          channel: stored.channel,
          event: stored.event,
          data: JSON.stringify(stored.payload),
          payload: stored.payload,
        }
        expect(wireOf(event, transcript.mux)).toBe(transcript.wire)
      })
    }

    it.each([1, 2, 7, 1 << 16])(
      `client reads: ${transcript.name}, in %i-byte chunks`,
      async (size) => {
        const decoded = (await readAll(transcript, size)).map(shapeOf)
        expect(decoded).toHaveLength(transcript.expected.length)
        transcript.expected.forEach((expected, i) => expect(decoded[i]).toMatchObject(expected))
      },
    )
  }
})
