// Where simulated events come from: a local simulator (in memory, kept across restarts by the state
// file), or with Redis the one instance that holds the simulator lease, publishing like any producer.
import type { Channel } from '../src/protocol/contract.ts'
import type { EventHub } from './events.ts'
import type { MemoryHub } from './hub.ts'
import type { Rates, ResolvedOptions } from './options.ts'
import type { RedisHub } from './redisHub.ts'
import { runSimulator, Simulator, type SimulatorCounters } from './simulator.ts'
import { leaseSimulator } from './simulatorLease.ts'
import { loadState, StateSaver } from './stateFile.ts'

type Publish = (channel: Channel, eventType: string, data: object) => Promise<string>

export interface Simulation {
  /** `standby`: another instance holds the simulator lease (Redis). */
  state(): 'running' | 'standby' | 'off'
  stop(): Promise<void>
}

/** Warnings go to the backend's log. */
const warner =
  (options: ResolvedOptions) =>
  (text: string): void =>
    options.log.warn({}, text)

function sum(counters: SimulatorCounters | undefined): number {
  return counters ? counters.alerts + counters.training + counters.backtest : 0
}

export function startSimulation(
  options: ResolvedOptions,
  hub: EventHub,
  memory: MemoryHub | undefined,
  rates: () => Rates,
  publish: Publish,
  /** Settles once the Redis prefix may take simulated events; a rejection means never. */
  marked: Promise<void>,
): Simulation {
  if (memory) return inMemory(options, memory, rates)
  const warn = warner(options)
  if (options.stateFile !== undefined) {
    warn('dev backend: the state file is not used with Redis (Redis keeps ids and history)')
  }
  if (!options.simulate) return { state: () => 'off', stop: async () => {} }
  const redis = hub as RedisHub
  let failing = false
  const emit = (channel: Channel, eventType: string, data: object): void => {
    publish(channel, eventType, data).then(
      () => (failing = false),
      (error: unknown) => {
        // Not stored, so never sent to anyone: nothing that was accepted is lost.
        if (!failing)
          warn(`simulator: events are dropped while Redis is unavailable (${String(error)})`)
        failing = true
      },
    )
  }
  let lease: ReturnType<typeof leaseSimulator> | undefined
  let stopped = false
  marked.then(
    () => {
      if (stopped) return
      lease = leaseSimulator(redis.connection, redis.prefix, {
        start(counters) {
          const simulator = new Simulator({ seed: options.seed + sum(counters), counters })
          const stopTimer = runSimulator(simulator, rates, emit)
          return { stop: stopTimer, counters: () => simulator.counters() }
        },
      })
    },
    () => {}, // refused: the backend says why and serves nothing
  )
  return {
    state: () => (lease?.leading() ? 'running' : 'standby'),
    async stop() {
      stopped = true
      await lease?.stop()
    },
  }
}

function inMemory(options: ResolvedOptions, hub: MemoryHub, rates: () => Rates): Simulation {
  const warn = warner(options)
  const file = options.stateFile
  const saved = file === undefined ? undefined : loadState(file, warn)
  if (saved) hub.restore(saved.hub)
  let simulator: Simulator | undefined
  let stopTimer = (): void => {}
  if (options.simulate) {
    // A restored backend continues the simulator's ids; a new seed keeps the data from repeating.
    const seed = options.seed + (saved?.hub.lastId ?? 0)
    simulator = new Simulator({ seed, counters: saved?.simulator ?? undefined })
    stopTimer = runSimulator(simulator, rates, (channel, type, data) =>
      hub.emit(channel, type, data),
    )
  }
  const saver =
    file === undefined
      ? undefined
      : new StateSaver(
          file,
          (clean) => ({
            clean,
            hub: hub.snapshot(),
            simulator: simulator?.counters() ?? saved?.simulator ?? null,
          }),
          warn,
        )
  return {
    state: () => (simulator ? 'running' : 'off'),
    async stop() {
      stopTimer()
      saver?.close()
    },
  }
}
