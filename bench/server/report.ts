// Figures of the server load bench, and docs/benchmarks-server.md written from them.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { HISTOGRAM_STEP_MS, type WorkerReport } from './clients.ts'
import type { InstanceStats } from './instance.ts'

export interface BenchInput {
  clients: number
  connected: number
  rate: number
  /** The instance's --flush-ms. */
  flushMs: number
  seconds: number
  connectSeconds: number
  /** Events published inside the measuring window. */
  published: number
  failedPublishes: number
  /** Instance before any client, after all connected, at the window's start and end. */
  baseline: InstanceStats
  idle: InstanceStats
  before: InstanceStats
  after: InstanceStats
  redisCpuMicros: number
  reports: WorkerReport[]
}

export interface BenchFigures {
  clients: number
  connected: number
  rate: number
  flushMs: number
  seconds: number
  connectSeconds: number
  deliveries: { expected: number; received: number; missing: number }
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number }
  server: {
    cpuPercentOfCore: number
    cpuMicrosPerClientPerSecond: number
    loopBusyPercent: number
    loopDelayP99Ms: number
    /** Share of the window the instance's threads were runnable but waiting for a CPU. */
    waitingForCpuPercent: number
    rssPerClientKiB: number
    heapPerClientKiB: number
    rssMiB: number
  }
  redisCpuPercentOfCore: number
  clientWorkersCpuPercentOfCore: number
  failedPublishes: number
  machine: string
  /** 1-minute load average at the end of the run (other work on the machine shows here). */
  loadAverage: number
}

function percentile(histogram: Map<number, number>, total: number, p: number): number {
  const target = Math.ceil(total * p)
  let seen = 0
  for (const [bucket, count] of [...histogram.entries()].sort((a, b) => a[0] - b[0])) {
    seen += count
    if (seen >= target) return (bucket + 1) * HISTOGRAM_STEP_MS
  }
  return NaN
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

function machine(): string {
  let redis = 'redis-server'
  try {
    redis =
      execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' sha=')[0] ?? redis
  } catch {
    // The version is only for the report.
  }
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${redis}`
}

export function summarize(input: BenchInput): BenchFigures {
  const histogram = new Map<number, number>()
  for (const report of input.reports) {
    for (const [bucket, count] of report.histogram)
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + count)
  }
  const received = input.reports.reduce((sum, r) => sum + r.received, 0)
  const expected = input.published * input.connected
  const buckets = [...histogram.keys()]
  const wallMicros = input.seconds * 1e6
  const cpuMicros = input.after.cpuMicros - input.before.cpuMicros
  const workersCpu = input.reports.reduce((sum, r) => sum + r.cpuMicros, 0)
  const kib = (bytes: number) => round(bytes / 1024 / input.connected, 1)
  return {
    clients: input.clients,
    connected: input.connected,
    rate: input.rate,
    flushMs: input.flushMs,
    seconds: input.seconds,
    connectSeconds: round(input.connectSeconds, 1),
    deliveries: { expected, received, missing: expected - received },
    latencyMs: {
      p50: round(percentile(histogram, received, 0.5)),
      p90: round(percentile(histogram, received, 0.9)),
      p99: round(percentile(histogram, received, 0.99)),
      p999: round(percentile(histogram, received, 0.999)),
      max: round((buckets.reduce((a, b) => Math.max(a, b), 0) + 1) * HISTOGRAM_STEP_MS),
    },
    server: {
      cpuPercentOfCore: round((cpuMicros / wallMicros) * 100, 1),
      cpuMicrosPerClientPerSecond: round(cpuMicros / input.seconds / input.connected, 1),
      loopBusyPercent: round(input.after.loopBusy * 100, 1),
      loopDelayP99Ms: round(input.after.loopDelayP99, 1),
      waitingForCpuPercent: round(
        ((input.after.waitMicros - input.before.waitMicros) / wallMicros) * 100,
        1,
      ),
      rssPerClientKiB: kib(input.idle.rss - input.baseline.rss),
      heapPerClientKiB: kib(input.idle.heapUsed - input.baseline.heapUsed),
      rssMiB: round(input.after.rss / 2 ** 20, 1),
    },
    redisCpuPercentOfCore: round((input.redisCpuMicros / wallMicros) * 100, 1),
    // Cumulative over the workers' life (connecting included): an upper bound for the window.
    clientWorkersCpuPercentOfCore: round((workersCpu / (wallMicros + 5e6)) * 100, 1),
    failedPublishes: input.failedPublishes,
    machine: machine(),
    loadAverage: round(loadavg()[0] ?? NaN, 1),
  }
}

export function writeReport(path: string, f: BenchFigures): void {
  const text = `# Server load benchmark (Redis fan-out)

Written by \`npm run bench:server\` (bench/server/); figures from the last run.

- Machine: ${f.machine}.
- Everything runs on it, over loopback. Load average at the end of the run: ${f.loadAverage}.
  The instance, Redis, the client workers and anything else running share its cores.

## Setup

- One server instance (\`createBackend({ redisUrl, flushMs: ${f.flushMs} })\`, its own process)
  and one \`redis-server\` (\`--save "" --appendonly no\`).
- ${
    f.flushMs > 0
      ? `Each stream's writes are gathered for ${f.flushMs} ms (\`--flush-ms\`).`
      : 'Each event is written to every stream as soon as it is read (`--flush-ms 0`, the default).'
  }
- ${f.connected} of ${f.clients} SSE clients connected in ${f.connectSeconds} s, each on the
  multiplexed stream of all four channels, spread over client worker processes.
- A producer publishes ${f.rate} events/s (simulator payloads, half of them \`dashboard_update\`)
  through the server's publish script (\`XADD\`), stamping each with its send time; every event
  goes to every client, so the instance writes ${f.rate * f.connected} events/s.
- Latency is from just before the \`XADD\` to the moment a client's socket read returns the event:
  it includes Redis, the instance's \`XREAD\`, the SSE write and the loopback network. Measured
  for ${f.seconds} s after a 3 s warm-up.

## Results

| figure | value |
| --- | --- |
| fan-out latency p50 | ${f.latencyMs.p50} ms |
| fan-out latency p90 | ${f.latencyMs.p90} ms |
| fan-out latency p99 | ${f.latencyMs.p99} ms |
| fan-out latency p99.9 / max | ${f.latencyMs.p999} ms / ${f.latencyMs.max} ms |
| deliveries (expected / received / missing) | ${f.deliveries.expected} / ${f.deliveries.received} / ${f.deliveries.missing} |
| instance CPU | ${f.server.cpuPercentOfCore} % of one core |
| instance CPU per client | ${f.server.cpuMicrosPerClientPerSecond} µs per second |
| instance CPU per delivered event | ${round(f.server.cpuMicrosPerClientPerSecond / f.rate, 2)} µs |
| instance event loop busy / delay p99 | ${f.server.loopBusyPercent} % / ${f.server.loopDelayP99Ms} ms |
| instance JS thread runnable but waiting for a CPU | ${f.server.waitingForCpuPercent} % of the time |
| instance memory per client (RSS / JS heap) | ${f.server.rssPerClientKiB} KiB / ${f.server.heapPerClientKiB} KiB |
| instance RSS with all clients | ${f.server.rssMiB} MiB |
| redis-server CPU | ${f.redisCpuPercentOfCore} % of one core |
| client workers CPU (same machine) | ≤ ${f.clientWorkersCpuPercentOfCore} % of one core |
| publishes rejected | ${f.failedPublishes} |

## Reading the figures

- The clients share the machine with the instance and Redis, so latency includes waiting for a
  CPU; on a machine with cores to spare, or with clients elsewhere, it is lower.
- Memory per client is measured after a full garbage collection with every client connected and
  idle, against the same instance before any client: it is the socket, the response and the
  stream's state. CPU per client is the instance's CPU time during the window divided by the
  clients and seconds. A CPU profile of the instance shows about half of it in the \`writev\`
  system call (one per client per event) and little in JavaScript: the cost per client is the
  write itself.
- When the instance spends much of the window runnable but waiting for a CPU (Linux schedstat),
  other processes held the cores: the latency then measures the machine's load more than the
  server. CPU per delivered event is lower then too: an instance that falls behind sends
  several events per write. With few clients (200–500) on the same machine it was 9–14 µs,
  with events leaving one write each.
- One event is serialized once per stream kind and shared by every client of that kind; the
  per-client cost is the write.
`
  writeFileSync(path, text)
}
