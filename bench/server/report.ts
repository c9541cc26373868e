// Figures of the server load bench, and docs/benchmarks-server.md written from them.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import type { InstanceStats } from './instance.ts'

/** What a client worker counted over its connections. */
export interface WorkerReport {
  connected: number
  failed: number
  /** Connections that ended before the report (the server closed or dropped them). */
  closed: number
  /** Events with `sent_at` inside the measuring window, per connected connection (repeats not). */
  received: number[]
  /** Events that arrived with a `sent_at` not after the previous one's on their connection. */
  unordered: number
  /** Latency histogram as [bucket, count] pairs, HISTOGRAM_STEP_MS wide; the last bucket is open. */
  histogram: [number, number][]
  cpuMicros: number
}

export const HISTOGRAM_STEP_MS = 0.05

export interface BenchInput {
  /** Server instances the clients were spread over. */
  instances: number
  /** The commit measured (`-dirty` with uncommitted changes). */
  commit: string
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
  /** CPU the machine spent in the window outside the bench's processes (others' work, interrupts). */
  otherCpuMicros: number
  /** 1-minute load average as the run began, before its processes started. */
  loadAtStart: number
  reports: WorkerReport[]
}

export interface BenchFigures {
  instances: number
  commit: string
  clients: number
  connected: number
  rate: number
  flushMs: number
  seconds: number
  connectSeconds: number
  /**
   * Counted per connection against the events published in the window: `missing` sums what each
   * connection lacks, `repeated` the events that came again (or out of order).
   */
  deliveries: {
    expected: number
    received: number
    missing: number
    repeated?: number
    closedConnections?: number
  }
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
  /** 1-minute load average as the run began, before its processes started. */
  loadAverageAtStart?: number
  /** CPU used in the window by everything but the bench's processes (others' work, interrupts). */
  otherCpuPercentOfCore?: number
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

/**
 * The instances' stats as one: CPU, memory and streams summed, event-loop figures the worst
 * instance's, run-queue wait averaged (a share of the time per instance).
 */
export function combineStats(all: InstanceStats[]): InstanceStats {
  const sum = (pick: (stats: InstanceStats) => number) =>
    all.reduce((total, stats) => total + pick(stats), 0)
  return {
    cpuMicros: sum((stats) => stats.cpuMicros),
    rss: sum((stats) => stats.rss),
    heapUsed: sum((stats) => stats.heapUsed),
    streams: sum((stats) => stats.streams),
    loopBusy: Math.max(...all.map((stats) => stats.loopBusy)),
    loopDelayP99: Math.max(...all.map((stats) => stats.loopDelayP99)),
    waitMicros: sum((stats) => stats.waitMicros) / all.length,
  }
}

export function summarize(input: BenchInput): BenchFigures {
  const histogram = new Map<number, number>()
  for (const report of input.reports) {
    for (const [bucket, count] of report.histogram)
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + count)
  }
  const counts = input.reports.flatMap((r) => r.received)
  const received = counts.reduce((sum, n) => sum + n, 0)
  const expected = input.published * input.connected
  const missing = counts.reduce((sum, n) => sum + Math.max(0, input.published - n), 0)
  const repeated = input.reports.reduce((sum, r) => sum + r.unordered, 0)
  const buckets = [...histogram.keys()]
  const wallMicros = input.seconds * 1e6
  const cpuMicros = input.after.cpuMicros - input.before.cpuMicros
  const workersCpu = input.reports.reduce((sum, r) => sum + r.cpuMicros, 0)
  const kib = (bytes: number) => round(bytes / 1024 / input.connected, 1)
  return {
    instances: input.instances,
    commit: input.commit,
    clients: input.clients,
    connected: input.connected,
    rate: input.rate,
    flushMs: input.flushMs,
    seconds: input.seconds,
    connectSeconds: round(input.connectSeconds, 1),
    deliveries: {
      expected,
      received,
      missing,
      repeated,
      closedConnections: input.reports.reduce((sum, r) => sum + r.closed, 0),
    },
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
    loadAverageAtStart: round(input.loadAtStart, 1),
    otherCpuPercentOfCore: round((input.otherCpuMicros / wallMicros) * 100, 1),
  }
}

/** CPU per delivered event, µs: the instances' CPU over every delivery in the window. */
export function cpuPerDelivery(f: BenchFigures): number {
  return round(f.server.cpuMicrosPerClientPerSecond / f.rate, 2)
}

const runName = (f: BenchFigures): string =>
  (f.instances === 1
    ? `one instance, ${f.clients} clients`
    : `${f.instances} instances, ${f.clients / f.instances} clients each`) +
  `, --flush-ms ${f.flushMs}`

/** A latency; the clients' histogram ends at 10 s, so a value there means "10 s or more". */
const ms = (value: number): string => (value >= 10_000 ? '≥ 10 s' : `${value} ms`)

/** docs/benchmarks-server.md: this run's configurations side by side, and an older run if given. */
export function writeReport(path: string, runs: BenchFigures[], before?: BenchFigures): void {
  const columns = [...runs, ...(before ? [before] : [])]
  const head = columns.map((f) => `${runName(f)} (${f.commit})`)
  const row = (label: string, cell: (f: BenchFigures) => string | number): string =>
    `| ${label} | ${columns.map((f) => String(cell(f))).join(' | ')} |`
  const first = runs[0] as BenchFigures
  const flushValues = [...new Set(runs.map((f) => String(f.flushMs)))]
  const flushes =
    flushValues.length > 1
      ? `${flushValues.slice(0, -1).join(', ')} and ${flushValues.at(-1)}`
      : (flushValues[0] ?? '')
  const text = `# Server load benchmark (Redis fan-out)

Written by \`npm run bench:server\` (bench/server/); figures from the last run, of the commits
named in each column${before ? ' (the last column is an earlier run, for comparison)' : ''}. Raw figures: \`bench/results/server-<commit>.json\`.

- Machine: ${first.machine}.
- Everything runs on it, over loopback: the instances, Redis, the client workers, and whatever
  else the machine was running (it is shared). The table gives the 1-minute load average as each
  run began and at its end, the CPU that other work took during the window, and the share of time
  each instance's JavaScript thread was runnable but waiting for a CPU: on 2 cores, once the
  bench's own processes and other work ask for more than 2 cores, latency measures that wait
  more than the server.

## Setup

- ${first.clients} SSE clients, each on the multiplexed stream of all four channels, held by
  client worker processes; with two instances each has half of them (what nginx's
  \`least_conn\` does), both reading the same Redis streams.
- Each instance is \`createBackend({ redisUrl, flushMs })\` in its own process; one
  \`redis-server\` (\`--save "" --appendonly no\`). Each instance count runs with
  \`--flush-ms\` ${flushes}: 0 is one write per stream per event-loop turn, with everything
  that reached the stream in that turn; a positive value is at most one write per stream per that
  many milliseconds (the default is 0).
- A producer publishes ${first.rate} events/s (simulator payloads, half of them \`dashboard_update\`)
  through the server's publish script (\`XADD\`), stamping each with its send time; every event
  goes to every client: ${first.rate * first.clients} deliveries/s in all.
- Latency is from just before the \`XADD\` to the moment a client's socket read returns the event:
  it includes Redis, the instance's \`XREAD\`, the write interval, the SSE write and the loopback
  network. Measured for ${first.seconds} s after a 3 s warm-up.
- Every connection counts its own events: one that lacks an event published in the window
  counts as missing, one that gets an event again (or out of order) as repeated. The clients
  read the raw HTTP/1.1 bytes from the socket and find each event's send time by a byte search,
  so what they cost is the socket reads, not an HTTP parser or \`JSON.parse\`.

## Results

| figure | ${head.join(' | ')} |
| --- | ${columns.map(() => '---').join(' | ')} |
${[
  row('fan-out latency p50', (f) => ms(f.latencyMs.p50)),
  row('fan-out latency p90', (f) => ms(f.latencyMs.p90)),
  row('fan-out latency p99', (f) => ms(f.latencyMs.p99)),
  row('fan-out latency p99.9 / max', (f) => `${ms(f.latencyMs.p999)} / ${ms(f.latencyMs.max)}`),
  row(
    'deliveries expected / missing / repeated',
    (f) =>
      `${f.deliveries.expected} / ${f.deliveries.missing} / ${f.deliveries.repeated ?? 'not counted'}`,
  ),
  row('instance CPU per delivered event', (f) => `${cpuPerDelivery(f)} µs`),
  row('instances CPU, in all', (f) => `${f.server.cpuPercentOfCore} % of one core`),
  row(
    'instance event loop busy / delay p99 (worst)',
    (f) => `${f.server.loopBusyPercent} % / ${f.server.loopDelayP99Ms} ms`,
  ),
  row(
    'instance runnable but waiting for a CPU',
    (f) => `${f.server.waitingForCpuPercent} % of the time`,
  ),
  row(
    'memory per client (RSS / JS heap)',
    (f) => `${f.server.rssPerClientKiB} / ${f.server.heapPerClientKiB} KiB`,
  ),
  row('instances RSS with all clients', (f) => `${f.server.rssMiB} MiB`),
  row('redis-server CPU', (f) => `${f.redisCpuPercentOfCore} % of one core`),
  row('client workers CPU', (f) => `≤ ${f.clientWorkersCpuPercentOfCore} % of one core`),
  row('CPU of other work in the window', (f) => {
    const other = f.otherCpuPercentOfCore
    if (other === undefined) return 'not measured'
    return other < 2 ? 'under 2 % of one core' : `${other} % of one core`
  }),
  row(
    'load average at the start / end',
    (f) => `${f.loadAverageAtStart ?? '?'} / ${f.loadAverage}`,
  ),
  row('publishes rejected', (f) => f.failedPublishes),
].join('\n')}

## Reading the figures

- CPU per delivered event is the instances' CPU time in the window divided by the events written
  to clients: what a delivery costs the server, the figure to size a deployment with. The
  \`--flush-ms 0\` column of an instance count is the cost before writes are gathered over time,
  the others after. At \`--flush-ms 0\` it also drops when an instance falls behind (several
  events then leave in one write), so compare runs with similar waiting-for-a-CPU shares.
- Where an instance's time goes (\`npm run bench:server -- --instances 1 --profile <dir>\` writes
  CPU profiles of the instances and the client workers): with every event in its own write,
  about 55 % of its busy time is the socket-write system call (\`writeBuffer\`; on loopback it also
  does the receiving side's TCP work and wakes the reader), about 6 % Node's stream layer around
  it, about 10 % the server's JavaScript (handing each event to each stream, queueing, flushing),
  2 % garbage collection and about 1 % the Redis reader (\`XREAD\` and its reply). What a
  delivery costs is the number of writes.
- Each event's bytes are made once per stream kind as a ready HTTP/1.1 chunk and shared by every
  stream of that kind. When several events leave in one write, they are joined once per flush
  and that buffer is shared too (a copy per client cost 7 % in \`Buffer.concat\` and 7 % in
  garbage collection).
- \`--flush-ms N\` writes a stream at most once per N ms: at 100 events/s, 25 ms is 40 writes per
  stream per second (2 or 3 events each) and 50 ms is 20. An event waits at most N ms, and not at
  all when its stream had no write in the last N ms, so a stream slower than 1000/N events/s
  gets no added latency. Fewer writes are also fewer socket reads for the clients: their CPU in
  the table falls with the instance's, and on a machine they share, so does the wait for a CPU.
- With two instances each writes to half of the clients and reads every event from Redis once;
  on this machine they share the same two cores with the clients and Redis, so the columns show
  what the split costs and that nothing is lost, not the speed of two machines.
- Memory per client is measured after a full garbage collection with every client connected and
  idle, against the same instances before any client: the socket, the response and the stream's
  state.
- The load average lags: it still counts work that ended a minute before. The CPU of other work
  is measured over the window itself (all of the machine's busy time from \`/proc/stat\` minus the
  bench's processes; within about ±2 %). When it is high, or an instance spends much of the
  window runnable but waiting for a CPU (Linux schedstat), the latency measures the machine's
  load more than the server. Missing deliveries are events that had not arrived 1.5 s after the
  window closed (latencies are counted up to 10 s).

## Not done, and why

- Tuning \`XREAD\` \`COUNT\` or \`BLOCK\`: the reader is about 1 % of an instance's time;
  \`BLOCK\` only sets how long an idle read waits, and \`COUNT 500\` already takes every event
  that arrived since the last read.
- \`cork()\`/\`uncork()\` or \`writev\`: each stream already gets one write per flush, of one
  buffer; corking adds calls and saves no system call.
- Writing to the socket's handle below Node's stream layer: it would save the layer's 6 %, at the
  price of depending on Node internals.
`
  writeFileSync(path, text)
}
