// With Redis, one instance at a time runs the simulator: the holder of a lease key, renewed while alive.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SimulatorCounters } from './simulator.ts'

/** The lease lapses this long after its holder stops renewing (crash, lost network). */
const LEASE_MS = 6000
/** Holders renew, others try to take over, this often. */
const RENEW_MS = 2000

/** Renews the lease if this instance still holds it, and saves the simulator's counters. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], 'alerts', ARGV[3], 'training', ARGV[4], 'backtest', ARGV[5])
return 1
`

/** Gives the lease up (only if held) after saving the counters. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'alerts', ARGV[2], 'training', ARGV[3], 'backtest', ARGV[4])
redis.call('DEL', KEYS[1])
return 1
`

export interface LeaseHooks {
  /** Starts simulating from the counters the previous holder saved; returns what stops it. */
  start(counters: SimulatorCounters | undefined): { stop(): void; counters(): SimulatorCounters }
}

function counters(reply: unknown): SimulatorCounters | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined
  const fields = new Map<string, number>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), Number(reply[i + 1]))
  const read = (name: string) => {
    const value = fields.get(name)
    return value !== undefined && Number.isInteger(value) && value >= 0 ? value : 0
  }
  return { alerts: read('alerts'), training: read('training'), backtest: read('backtest') }
}

export interface Lease {
  /** True while this instance holds the lease and simulates. */
  leading(): boolean
  stop(): Promise<void>
}

/** Competes for the simulator lease until stopped. */
export function leaseSimulator(redis: Redis, prefix: string, hooks: LeaseHooks): Lease {
  const me = `${process.pid}-${randomBytes(4).toString('hex')}`
  const leaseKey = `{${prefix}}:simulator`
  const countersKey = `{${prefix}}:simulator-counters`
  let running: ReturnType<LeaseHooks['start']> | undefined
  let busy = false

  const tick = async (): Promise<void> => {
    if (busy || redis.status !== 'ready') return
    busy = true
    try {
      if (running) {
        const c = running.counters()
        const kept = await redis.call(
          'EVAL',
          RENEW_SCRIPT,
          2,
          leaseKey,
          countersKey,
          me,
          LEASE_MS,
          c.alerts,
          c.training,
          c.backtest,
        )
        if (Number(kept) !== 1) {
          running.stop()
          running = undefined
        }
      } else if ((await redis.call('SET', leaseKey, me, 'NX', 'PX', LEASE_MS)) === 'OK') {
        running = hooks.start(counters(await redis.call('HGETALL', countersKey)))
      }
    } catch {
      // Redis is away: keep whatever role we had; the lease decides again once it is back.
    } finally {
      busy = false
    }
  }

  const onReady = (): void => void tick()
  const timer = setInterval(onReady, RENEW_MS)
  timer.unref()
  redis.on('ready', onReady)
  onReady()
  return {
    leading: () => running !== undefined,
    async stop() {
      clearInterval(timer)
      redis.off('ready', onReady)
      if (!running) return
      const c = running.counters()
      running.stop()
      running = undefined
      await redis
        .call(
          'EVAL',
          RELEASE_SCRIPT,
          2,
          leaseKey,
          countersKey,
          me,
          c.alerts,
          c.training,
          c.backtest,
        )
        .catch(() => {})
    },
  }
}
