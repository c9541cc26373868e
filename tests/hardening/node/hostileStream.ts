// Seeded builders of hostile SSE byte streams: valid sentinel events with broken and mutated input between them.
import type { EventSourceMessage } from 'eventsource-parser'

export type Rng = () => number

/** mulberry32: small, fast and the same sequence for the same seed on every machine. */
export function seeded(seed: number): Rng {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const int = (rng: Rng, min: number, max: number): number =>
  min + Math.floor(rng() * (max - min + 1))
export const pick = <T>(rng: Rng, items: readonly T[]): T =>
  items[Math.floor(rng() * items.length)] as T

const encoder = new TextEncoder()
export const utf8 = (text: string): Uint8Array => encoder.encode(text)

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** A valid `risk_alert` (multi-byte text included), as the parser must hand it over. */
export function sentinelMessage(id: string): EventSourceMessage {
  const data = {
    alert_id: id,
    timestamp: '2026-01-04T10:42:51.123456+00:00',
    severity: 'critical',
    category: 'drawdown',
    message: `sentinel ${id}: 价格 € 🚀`,
  }
  return { id, event: 'risk_alert', data: JSON.stringify(data) }
}

export function sentinelText(message: EventSourceMessage, eol: string): string {
  return [`id: ${message.id}`, `event: ${message.event}`, `data: ${message.data}`, '', ''].join(eol)
}

const EOLS = ['\n', '\r\n', '\r'] as const

/** Byte sequences a UTF-8 decoder must replace, never choke on. */
const INVALID_UTF8: readonly number[][] = [
  [0x80], // lone continuation byte
  [0xbf, 0x80],
  [0xc0, 0xaf], // overlong "/"
  [0xed, 0xa0, 0x80], // UTF-16 surrogate
  [0xf0, 0x9f], // truncated 4-byte sequence
  [0xe2, 0x82], // truncated "€"
  [0xff, 0xfe],
  [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
]
const BOM = [0xef, 0xbb, 0xbf]

export type GarbageKind =
  | 'random-bytes'
  | 'garbage-lines'
  | 'invalid-utf8'
  | 'bom'
  | 'huge-line'
  | 'huge-multiline'
  | 'huge-id'
  | 'many-fields'
  | 'nul-id'
  | 'bad-retry'
  | 'mutated-event'

export const GARBAGE_KINDS: readonly GarbageKind[] = [
  'random-bytes',
  'garbage-lines',
  'invalid-utf8',
  'bom',
  'huge-line',
  'huge-multiline',
  'huge-id',
  'many-fields',
  'nul-id',
  'bad-retry',
  'mutated-event',
]

export interface GarbageOptions {
  /** The reader's per-event cap: huge lines are built beyond it. */
  maxEventChars: number
  /** Allow `retry:` lines made of digits (only small ones): a reconnecting client honours them. */
  digitRetry: boolean
}

/** Kinds that always trip the per-event cap at least once. */
export const OVERSIZE_KINDS: ReadonlySet<GarbageKind> = new Set(['huge-line', 'huge-multiline'])

function randomLine(rng: Rng): string {
  const names = [
    'data',
    'event',
    'id',
    'retry',
    'dat',
    'Data',
    'evnt',
    ':',
    '',
    'x'.repeat(int(rng, 1, 40)),
  ]
  const values = [
    '',
    '{',
    '{"alert_id":',
    'null',
    '[]',
    '"str"',
    'risk_alert',
    'reset',
    'training_progress',
    '<script>alert(1)</script>',
    'x'.repeat(int(rng, 0, 200)),
  ]
  const sep = pick(rng, [':', ': ', '::', ' : ', ''])
  return `${pick(rng, names)}${sep}${pick(rng, values)}`
}

/** One block of hostile input, ending anywhere (mid-line, mid-character, after a lone CR). */
export function garbage(rng: Rng, kind: GarbageKind, options: GarbageOptions): Uint8Array {
  const eol = pick(rng, EOLS)
  switch (kind) {
    case 'random-bytes':
      return Uint8Array.from({ length: int(rng, 0, 400) }, () => int(rng, 0, 255))
    case 'garbage-lines':
      return utf8(
        Array.from({ length: int(rng, 1, 30) }, () => randomLine(rng)).join(pick(rng, EOLS)),
      )
    case 'invalid-utf8': {
      const parts: Uint8Array[] = []
      for (let i = int(rng, 1, 12); i > 0; i -= 1) {
        parts.push(utf8(pick(rng, ['data: ', 'id: ', 'event: risk_alert', eol, 'x'])))
        parts.push(Uint8Array.from(pick(rng, INVALID_UTF8)))
      }
      return concat(parts)
    }
    case 'bom': {
      // A BOM is only skipped at the very start; mid-stream it is part of a field name or value.
      const parts: Uint8Array[] = []
      for (let i = int(rng, 1, 6); i > 0; i -= 1) {
        parts.push(Uint8Array.from(BOM))
        parts.push(utf8(pick(rng, ['data: {"a":1}', 'id: 9', 'event: risk_alert', eol, ''])))
      }
      return concat(parts)
    }
    case 'huge-line': {
      const length = int(rng, options.maxEventChars + 1, options.maxEventChars * 3)
      return utf8(`${pick(rng, ['data: ', 'data:'])}${'x'.repeat(length)}${pick(rng, ['', eol])}`)
    }
    case 'huge-id': {
      // `id:` and `event:` lines beyond the cap (whether the reader reports them depends on chunking).
      const length = int(rng, options.maxEventChars + 1, options.maxEventChars * 3)
      const field = pick(rng, ['id: ', 'event: '])
      return utf8(`${field}${'i'.repeat(length)}${eol}data: {}${eol}`)
    }
    case 'huge-multiline': {
      // Many data lines that only together exceed the cap.
      const lineChars = Math.max(8, Math.floor(options.maxEventChars / int(rng, 4, 40)))
      const lines = Math.ceil((options.maxEventChars * 1.5) / lineChars) + 1
      const line = `data: ${'y'.repeat(lineChars)}`
      return utf8(
        `event: risk_alert${eol}${Array.from({ length: lines }, () => line).join(eol)}${eol}`,
      )
    }
    case 'many-fields': {
      const fields = ['data: 1', 'id: 5', 'retry: x', 'foo: bar', ': c', 'event: e', 'x']
      const count = int(rng, 1000, 1500)
      const lines = Array.from({ length: count }, () => pick(rng, fields))
      return utf8(lines.join(eol))
    }
    case 'nul-id':
      return utf8(
        [
          `id: a\0b${int(rng, 0, 99)}`,
          'event: risk_alert',
          'data: {"nul":"\\u0000"}',
          '',
          `id: \0`,
          '',
        ].join(eol),
      )
    case 'bad-retry': {
      const values = ['abc', '-1', '1e3', '12a', ' 5', '٣', '0x10', '', '1.5', '+7']
      if (options.digitRetry) values.push(String(int(rng, 0, 50)))
      return utf8(`retry: ${pick(rng, values)}${eol}retry:${pick(rng, values)}${eol}`)
    }
    case 'mutated-event': {
      // A valid event with a few bytes flipped, inserted or dropped: it may or may not survive.
      const bytes = Array.from(utf8(sentinelText(sentinelMessage(`m-${int(rng, 0, 1e6)}`), eol)))
      for (let i = int(rng, 1, 6); i > 0; i -= 1) {
        const at = int(rng, 0, bytes.length - 1)
        const op = int(rng, 0, 2)
        if (op === 0) bytes[at] = int(rng, 0, 255)
        else if (op === 1) bytes.splice(at, 0, int(rng, 0, 255))
        else bytes.splice(at, 1)
      }
      return Uint8Array.from(bytes)
    }
  }
}

export interface HostileStream {
  bytes: Uint8Array
  /** The sentinels, in order, exactly as they must be delivered. */
  sentinels: EventSourceMessage[]
  /** Blocks sure to trip the size cap. */
  oversizeBlocks: number
  kinds: GarbageKind[]
}

/**
 * Sentinels with hostile blocks between them. Each block is followed by two LFs: they end any
 * half line and dispatch (or drop) whatever the block left, as a real server's next event would.
 */
export function hostileStream(
  rng: Rng,
  prefix: string,
  options: GarbageOptions & { sentinels: number; kinds?: readonly GarbageKind[] },
): HostileStream {
  const parts: Uint8Array[] = []
  const sentinels: EventSourceMessage[] = []
  const kinds: GarbageKind[] = []
  let oversizeBlocks = 0
  if (rng() < 0.3) parts.push(Uint8Array.from(BOM))
  for (let n = 0; n < options.sentinels; n += 1) {
    for (let b = int(rng, 0, 3); b > 0; b -= 1) {
      const kind = pick(rng, options.kinds ?? GARBAGE_KINDS)
      kinds.push(kind)
      if (OVERSIZE_KINDS.has(kind)) oversizeBlocks += 1
      parts.push(garbage(rng, kind, options))
      parts.push(utf8('\n\n'))
    }
    const message = sentinelMessage(`${prefix}-${n}`)
    sentinels.push(message)
    parts.push(utf8(sentinelText(message, pick(rng, EOLS))))
  }
  return { bytes: concat(parts), sentinels, oversizeBlocks, kinds }
}

/** Cuts `bytes` anywhere: single bytes, a few bytes (inside CRLF pairs and characters), or large slices. */
export function chop(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = []
  // Share of tiny (1-7 byte) pieces; the rest are medium or large. Byte-by-byte everywhere would
  // cost millions of reads for no more boundaries than this finds over hundreds of streams.
  const tiny = pick(rng, [0.05, 0.5, 0.9])
  const large = rng() < 0.5
  for (let at = 0; at < bytes.length;) {
    const size = rng() < tiny ? int(rng, 1, 7) : large ? int(rng, 1, 70_000) : int(rng, 1, 3000)
    chunks.push(bytes.subarray(at, at + size))
    at += size
  }
  return chunks
}

export function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[index++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(chunk)
    },
  })
}
