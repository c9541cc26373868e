// A worker of the load bench: holds many SSE connections and records the fan-out latency of each event.
import { request, type IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'

export interface WorkerReport {
  connected: number
  failed: number
  /** Events with `sent_at` inside the measuring window, over every connection. */
  received: number
  /** Latency histogram as [bucket, count] pairs, HISTOGRAM_STEP_MS wide; the last bucket is open. */
  histogram: [number, number][]
  cpuMicros: number
}

export const HISTOGRAM_STEP_MS = 0.05
const BUCKETS = 200_000 // 10 s

const [url, countText] = process.argv.slice(2)
const count = Number(countText)
const histogram = new Uint32Array(BUCKETS + 1)
let window = { from: Infinity, to: -Infinity }
let connected = 0
let failed = 0
let received = 0
const responses: IncomingMessage[] = []

const now = (): number => performance.timeOrigin + performance.now()
const MARK = '"sent_at":'

function record(text: string, at: number): void {
  // No JSON.parse per event: the bench measures the server, not this parser.
  for (let index = text.indexOf(MARK); index >= 0; index = text.indexOf(MARK, index + 1)) {
    const sentAt = parseFloat(text.slice(index + MARK.length, index + MARK.length + 24))
    if (!(sentAt >= window.from && sentAt < window.to)) continue
    received += 1
    histogram[Math.min(BUCKETS, Math.floor((at - sentAt) / HISTOGRAM_STEP_MS))]! += 1
  }
}

function open(): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url!, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8')
      responses.push(res)
      let first = true
      let carry = ''
      res.on('data', (chunk: string) => {
        const at = now()
        if (first) {
          first = false
          connected += 1
          resolve()
        }
        // An event split across chunks is measured when its end arrives.
        const text = carry + chunk
        const end = text.lastIndexOf('\r\n\r\n')
        if (end < 0) {
          carry = text
          return
        }
        carry = text.slice(end + 4)
        record(text.slice(0, end), at)
      })
      res.on('error', () => {})
    })
    req.on('error', () => {
      failed += 1
      resolve()
    })
    req.end()
  })
}

process.on('message', async (message: { type: string; from?: number; to?: number }) => {
  if (message.type === 'connect') {
    // Connect in small batches so the listen backlog never overflows.
    for (let done = 0; done < count; done += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - done) }, open))
    }
    process.send?.({ type: 'connected', connected, failed })
  } else if (message.type === 'window') {
    window = { from: message.from ?? Infinity, to: message.to ?? -Infinity }
  } else if (message.type === 'report') {
    const cpu = process.cpuUsage()
    const report: WorkerReport = {
      connected,
      failed,
      received,
      histogram: [...histogram.entries()].filter(([, n]) => n > 0),
      cpuMicros: cpu.user + cpu.system,
    }
    process.send?.({ type: 'report', report })
  } else if (message.type === 'stop') {
    for (const res of responses) res.destroy()
    process.exit(0)
  }
})
process.send?.({ type: 'ready' })
