// Simulated long-running jobs: ML training runs and backtests, from queued to completed or failed.
import type { BacktestProgress, TrainingProgress } from '../src/protocol/contract.ts'
import { clamp, round, type Random } from './random.ts'

const MODELS = ['lstm-v3', 'transformer-small', 'xgb-baseline', 'tcn-alpha', 'gru-factor-v2']
const TRAINING_ERRORS = [
  'CUDA out of memory. Tried to allocate 2.00 GiB',
  'Loss became NaN at step 1840',
  'DataLoader worker (pid 4121) exited unexpectedly',
  'Checkpoint write failed: disk quota exceeded',
]
/** Most training runs alive at once. */
const MAX_RUNS = 4

interface Run {
  run_id: string
  model: string
  status: TrainingProgress['status']
  epoch: number
  total_epochs: number
  step: number
  total_steps: number
  /** Steps done per progress event. */
  stride: number
  lossStart: number
  lossFloor: number
  decay: number
  lr: number
  secondsPerStep: number
  /** Epoch at which the run fails or is cancelled, if it does. */
  endEarly: { epoch: number; status: 'failed' | 'cancelled'; error?: string } | null
}

export class TrainingSim {
  /** Last id number handed out; restored after a restart so ids stay unique. */
  counter = 0
  private runs: Run[] = []
  private turn = 0

  constructor(private readonly random: Random) {}

  next(timestamp: string): TrainingProgress {
    const { random } = this
    if (this.runs.length < MAX_RUNS && (this.runs.length < 2 || random.chance(0.08))) {
      return this.report(this.start(), timestamp)
    }
    this.turn = (this.turn + 1) % this.runs.length
    const run = this.runs[this.turn] as Run
    this.advance(run)
    if (run.status !== 'running') this.runs = this.runs.filter((other) => other !== run)
    return this.report(run, timestamp)
  }

  private start(): Run {
    const { random } = this
    this.counter += 1
    const total_epochs = random.pick([6, 8, 10, 12, 20])
    const total_steps = random.pick([200, 400, 640, 1000])
    const ending = random.next()
    const endEpoch = random.int(1, total_epochs)
    const run: Run = {
      run_id: `r-${this.counter}`,
      model: random.pick(MODELS),
      status: 'queued',
      epoch: 0,
      total_epochs,
      step: 0,
      total_steps,
      stride: Math.ceil(total_steps / random.int(3, 5)),
      lossStart: random.between(0.9, 1.4),
      lossFloor: random.between(0.18, 0.4),
      decay: random.between(2, 5),
      lr: random.pick([1e-3, 5e-4, 3e-4]),
      secondsPerStep: random.between(0.05, 0.4),
      endEarly:
        ending < 0.15
          ? { epoch: endEpoch, status: 'failed', error: random.pick(TRAINING_ERRORS) }
          : ending < 0.18
            ? { epoch: endEpoch, status: 'cancelled' }
            : null,
    }
    this.runs.push(run)
    return run
  }

  private advance(run: Run): void {
    if (run.status === 'queued') {
      run.status = 'running'
      run.epoch = 1
      return
    }
    run.step += run.stride
    if (run.step >= run.total_steps) {
      if (run.epoch >= run.total_epochs) {
        run.step = run.total_steps
        run.status = 'completed'
        return
      }
      run.epoch += 1
      run.step = 0
    }
    if (run.endEarly !== null && run.epoch >= run.endEarly.epoch && this.random.chance(0.3)) {
      run.status = run.endEarly.status
    }
  }

  private report(run: Run, timestamp: string): TrainingProgress {
    const { random } = this
    const done = (run.epoch - 1 + run.step / run.total_steps) / run.total_epochs
    const progress = clamp(done, 0, 1)
    const fade = Math.exp(-run.decay * progress)
    const loss =
      run.lossFloor + (run.lossStart - run.lossFloor) * fade * (1 + random.gauss() * 0.03)
    const accuracy = clamp(0.5 + 0.4 * (1 - fade) + random.gauss() * 0.01, 0, 1)
    const remaining = (1 - progress) * run.total_epochs * run.total_steps
    const event: TrainingProgress = {
      run_id: run.run_id,
      model: run.model,
      timestamp,
      status: run.status,
      epoch: run.epoch,
      total_epochs: run.total_epochs,
      step: run.step,
      total_steps: run.total_steps,
      metrics: { loss: round(Math.max(loss, 0.01), 4) },
    }
    if (run.status === 'queued') return event
    event.metrics.accuracy = round(accuracy, 4)
    if (run.epoch > 1 || run.status === 'completed') {
      event.metrics.val_loss = round(loss * random.between(1.04, 1.15), 4)
      event.metrics.val_accuracy = round(clamp(accuracy - random.between(0.01, 0.04), 0, 1), 4)
    }
    event.learning_rate = round(run.lr * 0.5 * (1 + Math.cos(Math.PI * progress)), 8)
    event.eta_seconds = run.status === 'running' ? Math.round(remaining * run.secondsPerStep) : 0
    if (run.status === 'failed') event.error = run.endEarly?.error ?? 'training failed'
    return event
  }
}

const STRATEGIES = [
  'mean-reversion-20d',
  'momentum-12-1',
  'pairs-trading-banks',
  'volatility-breakout',
  'ml-alpha-lstm',
  'dual-thrust-intraday',
]
/** Most backtests alive at once. */
const MAX_BACKTESTS = 3
const INITIAL_EQUITY = 1_000_000

/** Weekdays from 2019-01-02 to 2024-12-31, the simulated trading calendar. */
const TRADING_DAYS: readonly string[] = (() => {
  const days: string[] = []
  for (let day = Date.UTC(2019, 0, 2); day <= Date.UTC(2024, 11, 31); day += 86_400_000) {
    const weekday = new Date(day).getUTCDay()
    if (weekday !== 0 && weekday !== 6) days.push(new Date(day).toISOString().slice(0, 10))
  }
  return days
})()

interface Backtest {
  backtest_id: string
  strategy: string
  status: BacktestProgress['status']
  day: number
  equity: number
  benchmark: number
  peak: number
  maxDrawdown: number
  trades: number
  wins: number
  alpha: number
  beta: number
  winRate: number
  sumReturns: number
  sumSquares: number
  /** Trading day on which the backtest fails, if it does. */
  failDay: number | null
  error: string | null
}

export class BacktestSim {
  /** Last id number handed out; restored after a restart so ids stay unique. */
  counter = 0
  private tests: Backtest[] = []
  private turn = 0

  constructor(private readonly random: Random) {}

  next(timestamp: string): BacktestProgress {
    if (this.tests.length < MAX_BACKTESTS && (this.tests.length < 1 || this.random.chance(0.05))) {
      return this.report(this.start(), timestamp)
    }
    this.turn = (this.turn + 1) % this.tests.length
    const test = this.tests[this.turn] as Backtest
    this.advance(test)
    if (test.status !== 'running') this.tests = this.tests.filter((other) => other !== test)
    return this.report(test, timestamp)
  }

  private start(): Backtest {
    const { random } = this
    this.counter += 1
    const fails = random.chance(0.12)
    const test: Backtest = {
      backtest_id: `b-${this.counter}`,
      strategy: random.pick(STRATEGIES),
      status: 'queued',
      day: 0,
      equity: INITIAL_EQUITY,
      benchmark: INITIAL_EQUITY,
      peak: INITIAL_EQUITY,
      maxDrawdown: 0,
      trades: 0,
      wins: 0,
      alpha: random.between(-0.0001, 0.0005),
      beta: random.between(0.3, 1.1),
      winRate: random.between(0.45, 0.6),
      sumReturns: 0,
      sumSquares: 0,
      failDay: fails ? random.int(20, TRADING_DAYS.length - 20) : null,
      error: null,
    }
    this.tests.push(test)
    return test
  }

  private advance(test: Backtest): void {
    const { random } = this
    if (test.status === 'queued') {
      test.status = 'running'
      return
    }
    const last = TRADING_DAYS.length - 1
    const target = Math.min(last, test.day + random.int(8, 16))
    for (; test.day < target; test.day += 1) {
      const market = 0.0003 + random.gauss() * 0.012
      const daily = test.alpha + test.beta * market + random.gauss() * 0.006
      test.benchmark *= 1 + market
      test.equity *= 1 + daily
      test.sumReturns += daily
      test.sumSquares += daily * daily
      test.peak = Math.max(test.peak, test.equity)
      test.maxDrawdown = Math.max(test.maxDrawdown, 1 - test.equity / test.peak)
      const trades = random.int(0, 3)
      test.trades += trades
      for (let trade = 0; trade < trades; trade += 1)
        if (random.chance(test.winRate)) test.wins += 1
      if (test.failDay !== null && test.day >= test.failDay) {
        test.status = 'failed'
        test.error = random.pick([
          `data gap ${TRADING_DAYS[test.day]}`,
          `price data missing for 600519.SH on ${TRADING_DAYS[test.day]}`,
          'strategy raised ZeroDivisionError in rebalance()',
        ])
        return
      }
    }
    if (test.day >= last) test.status = 'completed'
  }

  private report(test: Backtest, timestamp: string): BacktestProgress {
    const event: BacktestProgress = {
      backtest_id: test.backtest_id,
      strategy: test.strategy,
      timestamp,
      status: test.status,
      progress: round(test.day / (TRADING_DAYS.length - 1), 4),
      current_date: TRADING_DAYS[test.day] as string,
      equity: round(test.equity, 2),
      benchmark_equity: round(test.benchmark, 2),
      drawdown: round(1 - test.equity / test.peak, 4),
      trades: test.trades,
    }
    if (test.status === 'failed') event.error = test.error ?? 'backtest failed'
    if (test.status === 'completed') event.metrics = this.metrics(test)
    return event
  }

  private metrics(test: Backtest): NonNullable<BacktestProgress['metrics']> {
    const days = test.day
    const totalReturn = test.equity / INITIAL_EQUITY - 1
    const mean = test.sumReturns / days
    const deviation = Math.sqrt(Math.max(test.sumSquares / days - mean * mean, 1e-12))
    return {
      total_return: round(totalReturn, 4),
      annual_return: round((1 + totalReturn) ** (252 / days) - 1, 4),
      sharpe: round((mean / deviation) * Math.sqrt(252), 2),
      max_drawdown: round(test.maxDrawdown, 4),
      win_rate: round(test.trades === 0 ? 0 : test.wins / test.trades, 4),
    }
  }
}
