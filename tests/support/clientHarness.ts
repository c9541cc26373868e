// Test helpers: a RealtimeClient wired to a dev backend on loopback, with recorded events and states.
import type { ConnectionPhase } from '../../src/realtime/connectionState.ts'
import { manualNetwork } from '../../src/realtime/network.ts'
import type { Channel, ChannelEvent } from '../../src/protocol/contract.ts'
import { RealtimeClient, type RealtimeClientOptions } from '../../src/realtime/realtimeClient.ts'
import type { TransportOptions } from '../../src/protocol/transport.ts'
import { createSessionCursors, type StorageLike } from '../../src/realtime/sessionCursors.ts'
import { cursorKeyPrefix } from '../../src/config/storageKeys.ts'

/** Fast timings so reconnects and watchdogs play out in milliseconds. */
export const FAST_TRANSPORT: Partial<TransportOptions> = {
  backoffBaseMs: 20,
  backoffMaxMs: 200,
  healthyAfterMs: 100,
  pollAfterFailures: 2,
  pollIntervalMs: 100,
  heartbeatSeconds: 0.3,
}

export function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
  }
}

export interface Harness {
  client: RealtimeClient
  network: ReturnType<typeof manualNetwork>
  storage: ReturnType<typeof memoryStorage>
  events: Record<Channel, ChannelEvent[]>
  /** Every phase each channel went through, in order. */
  phases: Record<Channel, ConnectionPhase[]>
  subscribe(...channels: Channel[]): () => void
  ids(channel: Channel): string[]
  until(check: () => boolean, timeoutMs?: number, what?: string): Promise<void>
  close(): void
}

export function createHarness(
  url: string,
  options: Partial<RealtimeClientOptions> & {
    transport?: Partial<TransportOptions>
    /** The page's session storage, where cursors are kept (a reload passes the old page's). */
    storage?: ReturnType<typeof memoryStorage>
  } = {},
): Harness {
  const network = manualNetwork(true)
  const { storage = memoryStorage(), ...rest } = options
  const client = new RealtimeClient({
    baseUrl: url,
    network,
    cursors: createSessionCursors(storage, cursorKeyPrefix(url)),
    ...rest,
    transport: { ...FAST_TRANSPORT, ...options.transport },
  })
  const events = { dashboard: [], alerts: [], training: [], backtest: [] } as Record<
    Channel,
    ChannelEvent[]
  >
  const phases = { dashboard: [], alerts: [], training: [], backtest: [] } as Record<
    Channel,
    ConnectionPhase[]
  >
  client.onStatusChange((channel) => {
    const phase = client.status(channel).state.phase
    const list = phases[channel]
    if (list[list.length - 1] !== phase) list.push(phase)
  })
  const unsubscribers: Array<() => void> = []
  return {
    client,
    network,
    storage,
    events,
    phases,
    subscribe(...channels) {
      const offs = channels.map((channel) =>
        client.subscribe(channel, (event) => events[channel].push(event)),
      )
      const off = () => offs.forEach((f) => f())
      unsubscribers.push(off)
      return off
    },
    ids: (channel) => events[channel].map((event) => event.id ?? ''),
    until,
    close() {
      unsubscribers.forEach((off) => off())
      client.close()
    },
  }
}

/** A valid payload for each channel's event type, numbered so tests can tell them apart. */
export function samplePayload(
  channel: Channel,
  n: number,
): { type: string; data: Record<string, unknown> } {
  const timestamp = new Date(Date.UTC(2026, 0, 4, 10, 0, 0, n)).toISOString()
  switch (channel) {
    case 'dashboard':
      return {
        type: 'dashboard_update',
        data: {
          timestamp,
          indices: [
            {
              symbol: '000001.SH',
              name: 'SSE Composite',
              last: 3300 + n,
              change: n,
              change_pct: 0.001,
            },
          ],
          breadth: { advancing: 100, declining: 50, unchanged: 5 },
          turnover: 1e9,
          portfolio: { equity: 1e6 + n, pnl_day: n, pnl_day_pct: 0.001, exposure_pct: 0.5 },
        },
      }
    case 'alerts':
      return {
        type: 'risk_alert',
        data: {
          alert_id: `a-${n}`,
          timestamp,
          severity: 'warning',
          category: 'exposure',
          message: `alert ${n}`,
        },
      }
    case 'training':
      return {
        type: 'training_progress',
        data: {
          run_id: 'r-1',
          model: 'lstm-v3',
          timestamp,
          status: 'running',
          epoch: n,
          total_epochs: 1000,
          metrics: { loss: 1 / (n + 1) },
        },
      }
    case 'backtest':
      return {
        type: 'backtest_progress',
        data: {
          backtest_id: 'b-1',
          strategy: 'mean-reversion-20d',
          timestamp,
          status: 'running',
          progress: 0.5,
          current_date: '2021-06-30',
          equity: 1e6,
          drawdown: 0.01,
          trades: n,
        },
      }
  }
}

/** Resolves once `check()` holds (a throw counts as not yet), polled every 10 ms. */
export function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = () => {
      let ok = false
      try {
        ok = check()
      } catch {
        ok = false
      }
      if (ok) return resolve()
      if (Date.now() - started > timeoutMs)
        return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(tick, 10)
    }
    tick()
  })
}
