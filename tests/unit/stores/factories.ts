// Valid channel events and channel statuses for store tests, with just the fields a test cares about overridden.
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

export const T0 = Date.parse('2026-01-04T10:00:00.000Z')

/** ISO timestamp `seconds` after T0, with microseconds like sse-starlette backends send. */
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
    epoch: 1,
    total_epochs: 50,
    metrics: { loss: 0.5, val_loss: 0.55, accuracy: 0.7, val_accuracy: 0.68 },
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
  return { ...fresh, state, transport: 'per-channel', ...overrides }
}
