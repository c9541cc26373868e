// The simulator: realistic payloads for every channel, and the batching timer that emits them.
import {
  CHANNEL_EVENT,
  CHANNELS,
  type Channel,
  type ChannelEvent,
  type ChannelEventType,
} from '../src/protocol/contract.ts'
import type { Rates } from './options.ts'
import { Random, seededRng, type Rng } from './random.ts'
import { AlertSim, MarketSim } from './simMarket.ts'
import { BacktestSim, TrainingSim } from './simJobs.ts'

export interface SimulatorOptions {
  /** Seed of the default generator. */
  seed?: number
  /** Random generator in [0, 1); overrides `seed`. */
  rng?: Rng
  /** Clock of the payload timestamps. */
  now?: () => Date
  /** Id numbers already used (alerts, runs, backtests), to continue after a restart. */
  counters?: SimulatorCounters
}

/** The last alert, training run and backtest numbers handed out. */
export interface SimulatorCounters {
  alerts: number
  training: number
  backtest: number
}

export interface SimulatedEvent {
  event: ChannelEventType
  data: ChannelEvent['data']
}

export class Simulator {
  private readonly now: () => Date
  private readonly market: MarketSim
  private readonly alerts: AlertSim
  private readonly training: TrainingSim
  private readonly backtests: BacktestSim

  constructor(options: SimulatorOptions = {}) {
    const random = new Random(options.rng ?? seededRng(options.seed ?? 1))
    this.now = options.now ?? (() => new Date())
    this.market = new MarketSim(random)
    this.alerts = new AlertSim(random)
    this.training = new TrainingSim(random)
    this.backtests = new BacktestSim(random)
    this.alerts.counter = options.counters?.alerts ?? 0
    this.training.counter = options.counters?.training ?? 0
    this.backtests.counter = options.counters?.backtest ?? 0
  }

  counters(): SimulatorCounters {
    return {
      alerts: this.alerts.counter,
      training: this.training.counter,
      backtest: this.backtests.counter,
    }
  }

  /** The next event of a channel. */
  next(channel: Channel): SimulatedEvent {
    const timestamp = this.now().toISOString()
    const event = CHANNEL_EVENT[channel]
    switch (channel) {
      case 'dashboard':
        return { event, data: this.market.next(timestamp) }
      case 'alerts':
        return { event, data: this.alerts.next(timestamp) }
      case 'training':
        return { event, data: this.training.next(timestamp) }
      case 'backtest':
        return { event, data: this.backtests.next(timestamp) }
    }
  }
}

/** Timer period of the simulator; each tick emits what the rates ask for since the last one. */
const TICK_MS = 20
/** Backlog kept after a stalled event loop, in seconds of events (the rest is skipped). */
const MAX_BACKLOG_SECONDS = 0.5

/** Emits simulated events in batches per tick, carrying fractional remainders; returns a stop function. */
export function runSimulator(
  simulator: Simulator,
  rates: () => Rates,
  emit: (channel: Channel, eventType: string, data: object) => unknown,
): () => void {
  const owed = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const seconds = (now - last) / 1000
    last = now
    const current = rates()
    for (const channel of CHANNELS) {
      const rate = current[channel]
      owed[channel] = Math.min(
        owed[channel] + rate * seconds,
        Math.max(1, rate * MAX_BACKLOG_SECONDS),
      )
      while (owed[channel] >= 1) {
        owed[channel] -= 1
        const { event, data } = simulator.next(channel)
        emit(channel, event, data)
      }
    }
  }, TICK_MS)
  timer.unref()
  return () => clearInterval(timer)
}
