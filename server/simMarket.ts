// Simulated market overview and risk alerts: index random walks, breadth, portfolio, alert stream.
import type { DashboardUpdate, RiskAlert, Severity } from '../src/protocol/contract.ts'
import { clamp, round, type Random } from './random.ts'

const INDICES = [
  { symbol: '000001.SH', name: 'SSE Composite', open: 3342.1, vol: 0.0004 },
  { symbol: '399001.SZ', name: 'SZSE Component', open: 10685.3, vol: 0.0005 },
  { symbol: '000300.SH', name: 'CSI 300', open: 3961.7, vol: 0.00045 },
  { symbol: '399006.SZ', name: 'ChiNext', open: 2178.4, vol: 0.0007 },
  { symbol: 'HSI', name: 'Hang Seng', open: 19835.6, vol: 0.0005 },
  { symbol: 'SPX', name: 'S&P 500', open: 5881.6, vol: 0.0003 },
] as const

/** Listed A shares in the breadth count. */
const LISTED = 5_124

export const SYMBOLS = [
  '600519.SH',
  '000858.SZ',
  '601318.SH',
  '300750.SZ',
  '000333.SZ',
  '600036.SH',
  '002594.SZ',
  '688981.SH',
  '601012.SH',
  '000725.SZ',
] as const

export class MarketSim {
  private readonly last: number[] = INDICES.map((index) => index.open)
  private bias = 0
  private unchanged = 300
  private turnover = 3.1e11
  private readonly equityOpen = 1_250_000
  private equity = this.equityOpen
  private exposure = 0.62

  constructor(private readonly random: Random) {}

  next(timestamp: string): DashboardUpdate {
    const { random } = this
    const common = random.gauss() * 0.0003
    const indices = INDICES.map((index, i) => {
      const last = (this.last[i] ?? index.open) * (1 + common + random.gauss() * index.vol)
      this.last[i] = last
      const change = last - index.open
      return {
        symbol: index.symbol,
        name: index.name,
        last: round(last, 2),
        change: round(change, 2),
        change_pct: round(change / index.open, 5),
      }
    })
    const mood = indices.reduce((sum, index) => sum + index.change_pct, 0) / indices.length
    this.bias = clamp(0.95 * this.bias + 0.05 * mood * 25 + random.gauss() * 0.01, -0.4, 0.4)
    this.unchanged = Math.round(clamp(this.unchanged + random.gauss() * 4, 150, 450))
    const advancing = Math.round((LISTED - this.unchanged) * (0.5 + this.bias))
    this.turnover += random.between(0.5e8, 4e8)
    this.exposure = clamp(this.exposure + random.gauss() * 0.004, 0.3, 0.95)
    this.equity *= 1 + this.exposure * (common * 1.1 + random.gauss() * 0.0002)
    const pnl = this.equity - this.equityOpen
    return {
      timestamp,
      indices,
      breadth: {
        advancing,
        declining: LISTED - this.unchanged - advancing,
        unchanged: this.unchanged,
      },
      turnover: Math.round(this.turnover),
      portfolio: {
        equity: round(this.equity, 2),
        pnl_day: round(pnl, 2),
        pnl_day_pct: round(pnl / this.equityOpen, 5),
        exposure_pct: round(this.exposure, 4),
      },
    }
  }
}

type AlertDraft = Omit<RiskAlert, 'alert_id' | 'timestamp' | 'severity'> & { severity?: Severity }

function percent(value: number): string {
  return `${round(value * 100, 1)}%`
}

/** Severity from how far a value is past its threshold. */
function severityOf(value: number, threshold: number): Severity {
  const ratio = value / threshold
  return ratio < 1 ? 'info' : ratio < 1.25 ? 'warning' : 'critical'
}

const SYSTEM_MESSAGES: readonly [Severity, string][] = [
  ['info', 'Broker gateway reconnected after 2.4 s'],
  ['warning', 'Market data feed latency above 500 ms'],
  ['critical', 'Order router heartbeat missed 3 times'],
  ['info', 'End-of-day risk report generated'],
  ['warning', 'Risk engine recalculation took 12.8 s (budget 5 s)'],
]

export class AlertSim {
  /** Last id number handed out; restored after a restart so ids stay unique. */
  counter = 0
  private readonly recent: RiskAlert[] = []

  constructor(private readonly random: Random) {}

  next(timestamp: string): RiskAlert {
    const { random } = this
    const previous = this.recent.length > 0 && random.chance(0.12) ? random.pick(this.recent) : null
    if (previous !== null && previous.value !== undefined && previous.threshold !== undefined) {
      // The same alert_id again: an update of an open alert (its value moved).
      const value = round(previous.value * random.between(0.9, 1.15), 4)
      return { ...previous, timestamp, value, severity: severityOf(value, previous.threshold) }
    }
    const { severity, ...draft } = this.draft()
    this.counter += 1
    const alert: RiskAlert = {
      alert_id: `a-${this.counter}`,
      timestamp,
      severity: severity ?? severityOf(draft.value ?? 0, draft.threshold ?? 1),
      ...draft,
    }
    this.recent.push(alert)
    if (this.recent.length > 20) this.recent.shift()
    return alert
  }

  private draft(): AlertDraft {
    const { random } = this
    const symbol = random.pick(SYMBOLS)
    switch (
      random.pick([
        'drawdown',
        'exposure',
        'volatility',
        'concentration',
        'liquidity',
        'system',
      ] as const)
    ) {
      case 'drawdown': {
        const threshold = random.pick([0.05, 0.08, 0.1])
        const value = round(threshold * random.between(0.85, 1.5), 4)
        const message = `Portfolio drawdown ${percent(value)} vs limit ${percent(threshold)}`
        return { category: 'drawdown', message, value, threshold }
      }
      case 'exposure': {
        const threshold = random.pick([0.8, 0.9])
        const value = round(threshold * random.between(0.9, 1.3), 4)
        const message = `Gross exposure ${percent(value)} above target ${percent(threshold)}`
        return { category: 'exposure', message, value, threshold }
      }
      case 'volatility': {
        const threshold = 0.35
        const value = round(threshold * random.between(0.9, 1.6), 4)
        const message = `${symbol} 20-day realized volatility ${percent(value)} exceeds ${percent(threshold)}`
        return { category: 'volatility', symbol, message, value, threshold }
      }
      case 'concentration': {
        const threshold = 0.15
        const value = round(threshold * random.between(0.9, 1.5), 4)
        const message = `Position weight ${percent(value)} exceeds limit ${percent(threshold)}`
        return { category: 'concentration', symbol, message, value, threshold }
      }
      case 'liquidity': {
        const threshold = 3
        const value = round(random.between(2.5, 6), 1)
        const message = `${symbol} position equals ${value} days of average volume (limit ${threshold})`
        return { category: 'liquidity', symbol, message, value, threshold }
      }
      case 'system': {
        const [severity, message] = random.pick(SYSTEM_MESSAGES)
        return { category: 'system', severity, message }
      }
    }
  }
}
