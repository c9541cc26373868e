// Valid channel events and channel statuses for component tests, fields overridable per test.
import { ChannelDiagnostics, type ChannelStatus } from '@/realtime/channelDiagnostics'
import type { ConnectionState } from '@/realtime/connectionState'
import type {
  BacktestProgress,
  Channel,
  DashboardUpdate,
  EventOf,
  RiskAlert,
  TrainingProgress,
} from '@/protocol/contract'

/** A fixed base time close to now, so "as of" and ages stay small and stable. */
export const T0 = Date.now() - 60_000

export function iso(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString().replace('Z', '123+00:00')
}

let nextId = 1
function eventId(): string {
  nextId += 1
  return String(nextId)
}

export function dashboardEvent(
  seconds: number,
  overrides: Partial<DashboardUpdate> = {},
): EventOf<'dashboard'> {
  const data: DashboardUpdate = {
    timestamp: iso(seconds),
    indices: [
      {
        symbol: '000001.SH',
        name: 'SSE Composite',
        last: 3342.1,
        change: 12.4,
        change_pct: 0.0037,
      },
      {
        symbol: '399001.SZ',
        name: 'SZSE Component',
        last: 10650.5,
        change: -20.3,
        change_pct: -0.0019,
      },
    ],
    breadth: { advancing: 2411, declining: 1820, unchanged: 301 },
    turnover: 912345678901,
    portfolio: { equity: 1254300.5, pnl_day: 8450.2, pnl_day_pct: 0.0068, exposure_pct: 0.62 },
    ...overrides,
  }
  return { channel: 'dashboard', event: 'dashboard_update', id: eventId(), data }
}

export function alertEvent(
  alertId: string,
  seconds: number,
  overrides: Partial<RiskAlert> = {},
): EventOf<'alerts'> {
  const data: RiskAlert = {
    alert_id: alertId,
    timestamp: iso(seconds),
    severity: 'warning',
    category: 'exposure',
    // One symbol per alert id, so distinct alerts are not folded together as repeats unless a test says so.
    symbol: `S${alertId}`,
    message: `Alert ${alertId}`,
    value: 0.182,
    threshold: 0.15,
    ...overrides,
  }
  return { channel: 'alerts', event: 'risk_alert', id: eventId(), data }
}

export function trainingEvent(
  runId: string,
  seconds: number,
  overrides: Partial<TrainingProgress> = {},
): EventOf<'training'> {
  const data: TrainingProgress = {
    run_id: runId,
    model: 'lstm-v3',
    timestamp: iso(seconds),
    status: 'running',
    epoch: 7,
    total_epochs: 50,
    step: 120,
    total_steps: 400,
    metrics: { loss: 0.412, val_loss: 0.455, accuracy: 0.71, val_accuracy: 0.69 },
    eta_seconds: 930,
    ...overrides,
  }
  return { channel: 'training', event: 'training_progress', id: eventId(), data }
}

export function backtestEvent(
  backtestId: string,
  seconds: number,
  overrides: Partial<BacktestProgress> = {},
): EventOf<'backtest'> {
  const data: BacktestProgress = {
    backtest_id: backtestId,
    strategy: 'mean-reversion-20d',
    timestamp: iso(seconds),
    status: 'running',
    progress: 0.42,
    current_date: '2021-06-30',
    equity: 1183000,
    benchmark_equity: 1090000,
    drawdown: 0.034,
    trades: 318,
    ...overrides,
  }
  return { channel: 'backtest', event: 'backtest_progress', id: eventId(), data }
}

export function channelStatus(
  channel: Channel,
  state: ConnectionState,
  overrides: Partial<ChannelStatus> = {},
): ChannelStatus {
  // A fresh channel's status, as the engine makes it, then this test's state and fields.
  const fresh = new ChannelDiagnostics(channel).snapshot()
  return { ...fresh, state, transport: 'multiplexed', ...overrides }
}

export const OPEN: ConnectionState = { phase: 'open', since: T0 }
