// Valid channel events and channel statuses for tests, every field overridable per test. Each test
// folder picks its base time and defaults (tests/unit/stores/factories.ts, tests/component/factories.ts).
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

/** The first index of every dashboard event unless a test or a folder's defaults say otherwise. */
export const SSE_COMPOSITE = {
  symbol: '000001.SH',
  name: 'SSE Composite',
  last: 3342.1,
  change: 12.4,
  change_pct: 0.0037,
}

export interface FactoryDefaults {
  /** Epoch ms that `iso(0)` stands for. */
  t0: number
  /** The transport a status says its channel runs on. */
  transport: ChannelStatus['transport']
  /** Fields every event of a channel gets unless a test overrides them. */
  dashboard?: Partial<DashboardUpdate>
  training?: Partial<TrainingProgress>
}

export function eventFactories(defaults: FactoryDefaults) {
  const T0 = defaults.t0
  let nextId = 1
  const eventId = (): string => String((nextId += 1))

  /** ISO timestamp `seconds` after T0, with microseconds like sse-starlette backends send. */
  function iso(seconds: number): string {
    return new Date(T0 + seconds * 1000).toISOString().replace('Z', '123+00:00')
  }

  function dashboardEvent(
    seconds: number,
    overrides: Partial<DashboardUpdate> = {},
  ): EventOf<'dashboard'> {
    const data: DashboardUpdate = {
      timestamp: iso(seconds),
      indices: [SSE_COMPOSITE],
      breadth: { advancing: 2411, declining: 1820, unchanged: 301 },
      turnover: 912345678901,
      portfolio: { equity: 1254300.5, pnl_day: 8450.2, pnl_day_pct: 0.0068, exposure_pct: 0.62 },
      ...defaults.dashboard,
      ...overrides,
    }
    return { channel: 'dashboard', event: 'dashboard_update', id: eventId(), data }
  }

  function alertEvent(
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

  function trainingEvent(
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
      ...defaults.training,
      ...overrides,
    }
    return { channel: 'training', event: 'training_progress', id: eventId(), data }
  }

  function backtestEvent(
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

  function channelStatus(
    channel: Channel,
    state: ConnectionState,
    overrides: Partial<ChannelStatus> = {},
  ): ChannelStatus {
    // A fresh channel's status, as the engine makes it, then this test's state and fields.
    const fresh = new ChannelDiagnostics(channel).snapshot()
    return { ...fresh, state, transport: defaults.transport, ...overrides }
  }

  return { T0, iso, dashboardEvent, alertEvent, trainingEvent, backtestEvent, channelStatus }
}
