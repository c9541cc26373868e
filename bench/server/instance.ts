// One server instance for the load bench, in its own process so its CPU and memory are its own.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createBackend } from '../../server/backend.ts'

export interface InstanceStats {
  cpuMicros: number
  rss: number
  heapUsed: number
  streams: number
  /** Event-loop utilisation (0..1) since the previous sample. */
  loopBusy: number
  /** Event-loop delay p99 since the previous sample, ms. */
  loopDelayP99: number
  /** Time the JavaScript thread was runnable but waiting for a CPU (Linux schedstat), µs. */
  waitMicros: number
}

/** Run-queue wait of the main (JavaScript) thread, from /proc (Linux). */
function runQueueWaitMicros(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')
    return Number(fields[1]) / 1000
  } catch {
    return NaN
  }
}

const redisUrl = process.env.REDIS_URL
if (!redisUrl) throw new Error('instance.ts needs REDIS_URL')
const backend = createBackend({
  redisUrl,
  simulate: false,
  maxClientsPerIp: 1_000_000,
  heartbeatSeconds: 15,
  flushMs: Number(process.env.FLUSH_MS ?? 0),
})
await backend.ready()
const server = createServer((req, res) => backend.handle(req, res))
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port })
})

const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
let lastLoop = performance.eventLoopUtilization()

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    // Memory after a full collection, so it reflects what is held, not garbage not yet collected.
    ;(globalThis as { gc?: () => void }).gc?.()
    const memory = process.memoryUsage()
    const cpu = process.cpuUsage()
    const loop = performance.eventLoopUtilization(lastLoop)
    lastLoop = performance.eventLoopUtilization()
    const stats: InstanceStats = {
      cpuMicros: cpu.user + cpu.system,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      streams: backend.stats().streamConnections,
      loopBusy: loop.utilization,
      loopDelayP99: delay.percentile(99) / 1e6,
      waitMicros: runQueueWaitMicros(),
    }
    delay.reset()
    process.send?.({ type: 'stats', stats })
  } else if (message.type === 'stop') {
    void backend.close().finally(() => process.exit(0))
  }
})
