// Simulator payloads: every generated event validates, and the data has the promised shape.
import { describe, expect, it } from 'vitest'
import {
  ALERT_CATEGORIES,
  CHANNEL_EVENT,
  CHANNELS,
  SEVERITIES,
  channelOfEventType,
  isChannelEventType,
  validatePayload,
  type BacktestProgress,
  type Channel,
  type DashboardUpdate,
  type RiskAlert,
  type TrainingProgress,
} from '../../src/protocol/contract.ts'
import { Simulator } from '../../server/simulator.ts'
import { openSse, startDevBackend } from '../support/devBackend.ts'

function generate<T>(simulator: Simulator, channel: Channel, count: number): T[] {
  return Array.from({ length: count }, () => {
    const { event, data } = simulator.next(channel)
    expect(event).toBe(CHANNEL_EVENT[channel])
    const result = validatePayload(event, JSON.parse(JSON.stringify(data)))
    if (!result.ok) throw new Error(`${channel}: ${result.reason} in ${JSON.stringify(data)}`)
    return data as T
  })
}

describe('simulator', () => {
  it('is deterministic for a seed', () => {
    const now = () => new Date('2026-01-05T02:00:00Z')
    const a = new Simulator({ seed: 7, now })
    const b = new Simulator({ seed: 7, now })
    for (const channel of CHANNELS) {
      for (let i = 0; i < 50; i += 1) expect(a.next(channel)).toEqual(b.next(channel))
    }
  })

  it('makes valid dashboard updates: random-walk indices, breadth, growing turnover', () => {
    const updates = generate<DashboardUpdate>(new Simulator({ seed: 1 }), 'dashboard', 2000)
    const first = updates[0] as DashboardUpdate
    expect(first.indices.length).toBeGreaterThanOrEqual(4)
    expect(first.indices.map((i) => i.symbol)).toContain('000300.SH')
    for (const update of updates) {
      for (const index of update.indices) {
        const open = index.last - index.change
        expect(index.change_pct).toBeCloseTo(index.change / open, 3)
        expect(index.last).toBeGreaterThan(0)
      }
      const { advancing, declining, unchanged } = update.breadth
      expect(Math.min(advancing, declining, unchanged)).toBeGreaterThan(0)
      expect(update.portfolio.exposure_pct).toBeGreaterThan(0)
      expect(update.portfolio.exposure_pct).toBeLessThanOrEqual(1)
    }
    const turnovers = updates.map((u) => u.turnover)
    expect(turnovers).toEqual([...turnovers].sort((x, y) => x - y))
  })

  it('makes valid alerts of every severity and category, with updates of the same id', () => {
    const alerts = generate<RiskAlert>(new Simulator({ seed: 2 }), 'alerts', 3000)
    expect(new Set(alerts.map((a) => a.severity))).toEqual(new Set(SEVERITIES))
    expect(new Set(alerts.map((a) => a.category))).toEqual(new Set(ALERT_CATEGORIES))
    const ids = alerts.map((a) => a.alert_id)
    expect(new Set(ids).size).toBeLessThan(ids.length)
    expect(new Set(ids).size).toBeGreaterThan(ids.length * 0.7)
    expect(alerts.some((a) => /^Position weight [\d.]+% exceeds limit 15%$/.test(a.message))).toBe(
      true,
    )
    expect(alerts.some((a) => a.symbol !== undefined && a.value !== undefined)).toBe(true)
  })

  it('runs training jobs from queued to completed or failed, at most 4 at once', () => {
    const events = generate<TrainingProgress>(new Simulator({ seed: 3 }), 'training', 4000)
    const statuses = new Set(events.map((e) => e.status))
    for (const status of ['queued', 'running', 'completed', 'failed'])
      expect(statuses).toContain(status)
    expect(events.filter((e) => e.status === 'failed').every((e) => e.error)).toBe(true)
    const live = new Set<string>()
    const losses = new Map<string, number[]>()
    for (const event of events) {
      if (event.status === 'queued' || event.status === 'running') live.add(event.run_id)
      else live.delete(event.run_id)
      expect(live.size).toBeLessThanOrEqual(4)
      expect(event.epoch).toBeLessThanOrEqual(event.total_epochs)
      losses.set(event.run_id, [...(losses.get(event.run_id) ?? []), event.metrics.loss])
    }
    const completed = events.filter((e) => e.status === 'completed')
    expect(completed.length).toBeGreaterThan(3)
    for (const done of completed) {
      expect(done.epoch).toBe(done.total_epochs)
      const curve = losses.get(done.run_id) ?? []
      expect(curve.at(-1)).toBeLessThan(curve[0] ?? 0)
      expect(done.metrics.val_loss).toBeDefined()
    }
  })

  it('runs backtests through 2019-2024 to completed metrics, some failing', () => {
    const events = generate<BacktestProgress>(new Simulator({ seed: 4 }), 'backtest', 4000)
    const completed = events.filter((e) => e.status === 'completed')
    expect(completed.length).toBeGreaterThan(3)
    for (const done of completed) {
      expect(done.progress).toBe(1)
      expect(done.current_date).toBe('2024-12-31')
      expect(done.metrics).toBeDefined()
      expect(done.metrics?.total_return).toBeCloseTo(done.equity / 1_000_000 - 1, 3)
    }
    const failed = events.filter((e) => e.status === 'failed')
    expect(failed.length).toBeGreaterThan(0)
    expect(failed.every((e) => e.error && !e.metrics)).toBe(true)
    const dates = events.map((e) => e.current_date)
    expect(dates.every((d) => d >= '2019-01-02' && d <= '2024-12-31')).toBe(true)
    expect(events.every((e) => e.drawdown >= 0 && e.drawdown < 1)).toBe(true)
  })

  it('streams valid simulated events on every channel of a running backend', async () => {
    const rates = { dashboard: 150, alerts: 150, training: 150, backtest: 150 }
    const server = await startDevBackend({ demo: true, rates })
    const reader = await openSse(`${server.url}/api/v1/sse/stream?channels=${CHANNELS.join(',')}`)
    try {
      await reader.take(200)
      const events = reader.events.filter((e) => e.id !== undefined)
      expect(new Set(events.map((e) => e.event)).size).toBe(4)
      for (const event of events) {
        const type = event.event ?? ''
        if (!isChannelEventType(type)) throw new Error(`unexpected event ${type}`)
        const { channel, ...payload } = JSON.parse(event.data) as Record<string, unknown>
        expect(channel).toBe(channelOfEventType(type))
        expect(validatePayload(type, payload)).toMatchObject({ ok: true })
      }
    } finally {
      reader.close()
      await server.close()
    }
  })
})
