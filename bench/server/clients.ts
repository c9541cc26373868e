// A worker of the load bench: holds many SSE connections and records the fan-out latency of each event.
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'
import { HISTOGRAM_STEP_MS, type WorkerReport } from './report.ts'

const BUCKETS = 200_000 // 10 s

const [url, countText] = process.argv.slice(2)
const count = Number(countText)
const target = new URL(url!)
const histogram = new Uint32Array(BUCKETS + 1)
/** Events with `sent_at` inside the window, each counted once, per connection of this worker. */
const received = new Uint32Array(count)
/** Connections whose response was a 200 stream. */
const live = new Uint8Array(count)
/** Events that came with a `sent_at` not after the previous one's, per connection: repeats. */
const unordered = new Uint32Array(count)
let window = { from: Infinity, to: -Infinity }
let connected = 0
let failed = 0
let closed = 0
const sockets: ReturnType<typeof connect>[] = []

const now = (): number => performance.timeOrigin + performance.now()
const MARK = Buffer.from('"sent_at":', 'latin1')
/** The end of an SSE event (the stream's lines end in CRLF). */
const EVENT_END = Buffer.from('\r\n\r\n', 'latin1')
const OK = Buffer.from('HTTP/1.1 200 ', 'latin1')
/** One read buffer for every socket: each read is scanned before the next one fills it. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)
const DOT = 0x2e
const ZERO = 0x30

/** The decimal number at `index` (digits, an optional fraction), read without making a string. */
function numberAt(bytes: Buffer, index: number, end: number): number {
  let value = 0
  let scale = 0
  for (; index < end; index += 1) {
    const byte = bytes[index] as number
    if (byte === DOT && scale === 0) scale = 1
    else if (byte >= ZERO && byte <= ZERO + 9) {
      if (scale === 0) value = value * 10 + (byte - ZERO)
      else value += (byte - ZERO) / 10 ** scale++
    } else break
  }
  return value
}

/**
 * One connection: the raw HTTP/1.1 response read straight from the socket. No HTTP parser, no
 * text decoding and no JSON.parse per event (the bench measures the server, not this client):
 * every complete event's `sent_at` is found by a byte search; chunk-size lines never contain it.
 */
function open(index: number): Promise<void> {
  return new Promise((resolve) => {
    /** The bytes after the last complete event of the previous reads (an event split by a read). */
    let carry: Buffer | undefined
    let last = -Infinity
    let first = true
    const record = (bytes: Buffer, at: number): void => {
      const end = bytes.lastIndexOf(EVENT_END)
      if (end < 0) {
        carry = Buffer.from(bytes)
        return
      }
      carry = end + 4 < bytes.length ? Buffer.from(bytes.subarray(end + 4)) : undefined
      for (let mark = bytes.indexOf(MARK); mark >= 0 && mark < end;) {
        const sentAt = numberAt(bytes, mark + MARK.length, end)
        // Events come in publish order: one not after the last is a repeat (or out of order).
        if (sentAt <= last) unordered[index]! += 1
        else if (sentAt >= window.from && sentAt < window.to) {
          received[index]! += 1
          histogram[Math.min(BUCKETS, Math.floor((at - sentAt) / HISTOGRAM_STEP_MS))]! += 1
        }
        last = Math.max(last, sentAt)
        mark = bytes.indexOf(MARK, mark + MARK.length)
      }
    }
    const socket = connect({
      host: target.hostname,
      port: Number(target.port),
      onread: {
        buffer: READ_BUFFER,
        callback(size) {
          const at = now()
          const bytes = READ_BUFFER.subarray(0, size)
          if (first) {
            first = false
            if (bytes.subarray(0, OK.length).equals(OK)) {
              connected += 1
              live[index] = 1
            } else failed += 1
            resolve()
          }
          record(carry === undefined ? bytes : Buffer.concat([carry, bytes]), at)
          return true
        },
      },
    })
    socket.setNoDelay(true)
    socket.on('connect', () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
          'Accept: text/event-stream\r\n\r\n',
      )
    })
    socket.on('error', () => {
      if (first) {
        first = false
        failed += 1
        resolve()
      }
    })
    socket.on('close', () => (closed += 1))
    sockets.push(socket)
  })
}

process.on('message', async (message: { type: string; from?: number; to?: number }) => {
  if (message.type === 'connect') {
    // Connect in small batches so the listen backlog never overflows.
    for (let done = 0; done < count; done += 50) {
      const batch = Array.from({ length: Math.min(50, count - done) }, (_, i) => done + i)
      await Promise.all(batch.map(open))
    }
    process.send?.({ type: 'connected', connected, failed })
  } else if (message.type === 'window') {
    window = { from: message.from ?? Infinity, to: message.to ?? -Infinity }
  } else if (message.type === 'report') {
    const cpu = process.cpuUsage()
    const report: WorkerReport = {
      connected,
      failed,
      closed,
      received: [...received].filter((_, index) => live[index] === 1),
      unordered: unordered.reduce((sum, n) => sum + n, 0),
      histogram: [...histogram.entries()].filter(([, n]) => n > 0),
      cpuMicros: cpu.user + cpu.system,
    }
    process.send?.({ type: 'report', report })
  } else if (message.type === 'stop') {
    for (const socket of sockets) socket.destroy()
    process.exit(0)
  }
})
process.send?.({ type: 'ready' })
