// `npm run bench:server`: many SSE clients on one instance, then the same clients split over two
// instances, fed through Redis at a fixed event rate; reports fan-out latency (XADD to the
// client's read), CPU per delivered event and memory per client, side by side.
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { RedisHub } from '../../server/redisHub.ts'
import { Simulator } from '../../server/simulator.ts'
import { startRedisServer } from '../../tests/support/redisServer.ts'
import type { InstanceStats } from './instance.ts'
import {
  combineStats,
  summarize,
  writeReport,
  type BenchFigures,
  type WorkerReport,
} from './report.ts'

const here = dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '15' },
    workers: { type: 'string', default: '2' },
    /** Write intervals to run each instance count with (`--flush-ms` of the instances). */
    'flush-ms': { type: 'string', default: '0,25' },
    /** Instance counts to run, one after the other (the clients are split evenly). */
    instances: { type: 'string', default: '1,2' },
    /** A saved run (bench/results/server-*.json) to show beside this one, e.g. an older commit. */
    before: { type: 'string' },
    /** Write the report from a saved run instead of measuring. */
    from: { type: 'string' },
    out: { type: 'string', default: 'docs/benchmarks-server.md' },
    'no-write': { type: 'boolean', default: false },
    /** Write a CPU profile of every instance and client worker into this folder (node --cpu-prof). */
    profile: { type: 'string' },
  },
})
const CLIENTS = Number(values.clients)
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const WORKERS = Number(values.workers)
const FLUSHES = values['flush-ms'].split(',').map(Number)
const INSTANCES = values.instances.split(',').map(Number)
const WARMUP_MS = 3000
const DRAIN_MS = 1500
/** The whole run is cut off after this, whatever happens. */
const DEADLINE_MS = (60_000 + SECONDS * 2000 + CLIENTS * 20) * INSTANCES.length * FLUSHES.length
/** Channel of the n-th event: the dashboard at half the rate, the rest shared. */
const MIX: Channel[] = ['dashboard', 'alerts', 'dashboard', 'training', 'dashboard', 'backtest']

const children: ChildProcess[] = []
const deadline = setTimeout(() => {
  console.error(`bench:server: no result after ${DEADLINE_MS / 1000} s, giving up`)
  for (const child of children) child.kill('SIGKILL')
  process.exit(1)
}, DEADLINE_MS)
deadline.unref()

function spawnChild(file: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(join(here, file), args, {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values.profile}`]),
    ],
    env: { ...process.env, ...env },
  })
  children.push(child)
  return child
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & Record<string, unknown>) => {
      if (message.type !== type) return
      child.off('message', onMessage)
      resolve(message as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`${type}: child exited with ${code}`)))
  })
}

async function instanceStats(instance: ChildProcess): Promise<InstanceStats> {
  const reply = next<{ stats: InstanceStats }>(instance, 'stats')
  instance.send({ type: 'stats' })
  return (await reply).stats
}

/** CPU time of a process from /proc (Linux), µs; NaN elsewhere. */
function processCpuMicros(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100 // utime + stime, 100 ticks/s
  } catch {
    return NaN
  }
}

/** CPU time the whole machine spent busy (every core, from /proc/stat), µs; NaN elsewhere. */
function machineBusyMicros(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1)
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number)
    return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1e6) / 100
  } catch {
    return NaN
  }
}

/** One run: `count` instances on one Redis, the clients spread over them by worker. */
async function run(count: number, flushMs: number): Promise<BenchFigures> {
  const loadAtStart = loadavg()[0] ?? NaN
  const redis = await startRedisServer()
  try {
    const instances = Array.from({ length: count }, () =>
      spawnChild('instance.ts', [], { REDIS_URL: redis.url, FLUSH_MS: String(flushMs) }),
    )
    const ports = await Promise.all(
      instances.map((instance) => next<{ port: number }>(instance, 'listening')),
    )
    const stats = (): Promise<InstanceStats> =>
      Promise.all(instances.map(instanceStats)).then(combineStats)
    const baseline = await stats()

    const workerCount = Math.max(WORKERS, count)
    const workers = Array.from({ length: workerCount }, (_, i) => {
      const share = Math.floor(CLIENTS / workerCount) + (i < CLIENTS % workerCount ? 1 : 0)
      const { port } = ports[i % count] as { port: number }
      const url = `http://127.0.0.1:${port}/api/v1/sse/stream?channels=${CHANNELS.join(',')}`
      return spawnChild('clients.ts', [url, String(share)])
    })
    await Promise.all(workers.map((worker) => next(worker, 'ready')))
    const connectStart = performance.now()
    const connectedReplies = await Promise.all(
      workers.map((worker) => {
        const reply = next<{ connected: number; failed: number }>(worker, 'connected')
        worker.send({ type: 'connect' })
        return reply
      }),
    )
    const connectSeconds = (performance.now() - connectStart) / 1000
    const connected = connectedReplies.reduce((sum, r) => sum + r.connected, 0)
    const idle = await stats()
    console.log(`${connected}/${CLIENTS} clients connected in ${connectSeconds.toFixed(1)} s`)

    // The producer publishes through the same script as the server, from this process.
    const producer = new RedisHub({
      url: redis.url,
      prefix: 'rtm',
      historySize: 1000,
      warn: () => {},
    })
    await producer.ready()
    const simulator = new Simulator({ seed: 7 })
    let published = 0
    let inWindow = 0
    let failedPublishes = 0
    let window = { from: Infinity, to: -Infinity }
    const started = performance.now()
    const timer = setInterval(() => {
      const owed = Math.floor(((performance.now() - started) / 1000) * RATE)
      while (published < owed) {
        const channel = MIX[published % MIX.length] as Channel
        const { event, data } = simulator.next(channel)
        const sentAt = performance.timeOrigin + performance.now()
        if (sentAt >= window.from && sentAt < window.to) inWindow += 1
        published += 1
        producer.publish(channel, event, { ...data, sent_at: sentAt }).catch(() => {
          failedPublishes += 1
        })
      }
    }, 2)

    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
    const from = performance.timeOrigin + performance.now()
    window = { from, to: from + SECONDS * 1000 }
    for (const worker of workers) worker.send({ type: 'window', ...window })
    // What the machine did besides the bench's own processes (other work, interrupts) in the window.
    const benchPids = [
      process.pid,
      redis.pid,
      ...instances.map((c) => c.pid),
      ...workers.map((c) => c.pid),
    ]
    const benchCpu = () => benchPids.reduce((sum: number, pid) => sum + processCpuMicros(pid), 0)
    const machineBefore = machineBusyMicros() - benchCpu()
    const before = await stats()
    const redisBefore = processCpuMicros(redis.pid)
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
    const after = await stats()
    const redisAfter = processCpuMicros(redis.pid)
    const otherCpuMicros = machineBusyMicros() - benchCpu() - machineBefore
    clearInterval(timer)
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS))

    const reports = await Promise.all(
      workers.map((worker) => {
        const reply = next<{ report: WorkerReport }>(worker, 'report')
        worker.send({ type: 'report' })
        return reply.then((r) => r.report)
      }),
    )
    await producer.close()
    const figures: BenchFigures = summarize({
      instances: count,
      commit: commit(),
      clients: CLIENTS,
      connected,
      rate: RATE,
      flushMs,
      seconds: SECONDS,
      connectSeconds,
      published: inWindow,
      failedPublishes,
      baseline,
      idle,
      before,
      after,
      redisCpuMicros: redisAfter - redisBefore,
      otherCpuMicros,
      loadAtStart,
      reports,
    })
    console.log(JSON.stringify(figures, null, 2))
    for (const worker of workers) worker.send({ type: 'stop' })
    for (const instance of instances) instance.send({ type: 'stop' })
    return figures
  } finally {
    // Stopped children exit on their own (writing their profiles); what is left after 2 s is killed.
    const exited = (child: ChildProcess) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => child.once('exit', resolve))
    const all = children.splice(0)
    await Promise.race([
      Promise.all(all.map(exited)),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ])
    for (const child of all) if (child.exitCode === null) child.kill('SIGKILL')
    await redis.close()
  }
}

/** The commit measured, `-dirty` when the work tree differs from it. */
function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim()
  try {
    return (
      git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '-dirty')
    )
  } catch {
    return 'unknown'
  }
}

const readRuns = (path: string): BenchFigures[] =>
  JSON.parse(readFileSync(path, 'utf8')) as BenchFigures[]
const runs: BenchFigures[] = values.from === undefined ? [] : readRuns(values.from)
if (values.from === undefined) {
  for (const count of INSTANCES) for (const flushMs of FLUSHES) runs.push(await run(count, flushMs))
  mkdirSync('bench/results', { recursive: true })
  const saved = `bench/results/server-${runs[0]?.commit ?? 'unknown'}.json`
  writeFileSync(saved, `${JSON.stringify(runs, null, 2)}\n`)
  console.log(`saved ${saved}`)
}
if (!values['no-write']) {
  const before = values.before === undefined ? undefined : readRuns(values.before)[0]
  writeReport(values.out, runs, before)
  console.log(`wrote ${values.out}`)
}
