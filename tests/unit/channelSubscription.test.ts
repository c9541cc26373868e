// One channel's catch-up, driven directly: live events held while history is read are released
// once each, however often a reconnect replayed them meanwhile.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ChannelEvent } from '@/protocol/contract'
import { ChannelSubscription } from '@/realtime/channelSubscription'
import type { HistoryResult } from '@/realtime/historyClient'
import { createSessionCursors } from '@/realtime/sessionCursors'

function alert(id: number): ChannelEvent {
  return {
    channel: 'alerts',
    event: 'risk_alert',
    id: String(id),
    data: {
      alert_id: `a-${id}`,
      timestamp: '2026-01-04T10:00:00.000Z',
      severity: 'warning',
      category: 'exposure',
      message: `alert ${id}`,
    },
  } as ChannelEvent
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/** A subscription whose catch-up waits on a history answer the test gives; applied events as `label` says. */
function pendingCatchUp(label: (event: ChannelEvent) => string) {
  const subscription = new ChannelSubscription('alerts', createSessionCursors(null, 't'), () => {})
  const applied: string[] = []
  subscription.addListener((event) => applied.push(label(event)))
  const answer = { resolve: (_result: HistoryResult) => {} }
  const catchUp = subscription.catchUp(
    { read: () => new Promise((resolve) => (answer.resolve = resolve)), current: () => true },
    null,
  )
  return { subscription, applied, answer, catchUp }
}

describe('ChannelSubscription catch-up', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('applies each held event once when a reconnect replayed thousands of them during the read', async () => {
    const { subscription, applied, answer, catchUp } = pendingCatchUp((event) => event.id ?? '')
    // The first connection delivers 1..6000, is dropped as too slow, and the next one resumes
    // from an older cursor (the held events had not moved it), so 1000..6000 come again.
    for (const id of range(1, 6000)) subscription.deliver(alert(id), 'live')
    for (const id of range(1000, 6010)) subscription.deliver(alert(id), 'live')
    answer.resolve({ messages: [], cursor: null, truncated: false })
    await catchUp
    expect(applied).toEqual(range(1, 6010).map(String))
    expect(subscription.diagnostics.snapshot().duplicates).toBe(5001)
  })

  it('releases a flood of held events across tasks, in order, with live arrivals after them', async () => {
    const { subscription, applied, answer, catchUp } = pendingCatchUp((event) => event.id ?? '')
    for (const id of range(1, 60_000)) subscription.deliver(alert(id), 'live')
    let appliedWhenTimerRan = -1
    // Another task, queued before the release starts: it runs in the middle of the release, and
    // the live events it delivers wait for the held ones.
    setTimeout(() => {
      appliedWhenTimerRan = applied.length
      for (const id of range(60_001, 60_010)) subscription.deliver(alert(id), 'live')
    }, 0)
    answer.resolve({ messages: [], cursor: null, truncated: false })
    await catchUp
    expect(appliedWhenTimerRan).toBeGreaterThan(0)
    expect(appliedWhenTimerRan).toBeLessThan(60_000)
    expect(applied).toEqual(range(1, 60_010).map(String))
    expect(subscription.catchingUp).toBe(false)
  })

  it('compares the answer with a flood of held events across tasks, before applying any of it', async () => {
    const { subscription, applied, answer, catchUp } = pendingCatchUp((event) => event.id ?? '')
    for (const id of range(5_001, 25_000)) subscription.deliver(alert(id), 'live')
    // Every look at the clock finds the task's budget spent, on any machine: the comparison
    // yields after its first slice, where one pass over the held events used to run in one task.
    let clock = 0
    vi.spyOn(performance, 'now').mockImplementation(() => (clock += 10))
    let appliedWhenTimerRan = -1
    setTimeout(() => {
      appliedWhenTimerRan = applied.length
      for (const id of range(25_001, 25_005)) subscription.deliver(alert(id), 'live')
    }, 0)
    // The answer runs into the held events (a stream that lagged behind the server): the part
    // from the first held id on is left out, it comes with the held events.
    const messages = range(1, 6_000).map((id) => ({
      kind: 'event' as const,
      value: alert(id),
      raw: '',
    }))
    answer.resolve({ messages, cursor: '6000', truncated: false })
    await catchUp
    expect(appliedWhenTimerRan).toBe(0)
    expect(applied).toEqual(range(1, 25_005).map(String))
  })

  it('applies a long history answer across tasks, with live arrivals held until after it', async () => {
    const { subscription, applied, answer, catchUp } = pendingCatchUp((event) => event.id ?? '')
    // Twenty pages of 500: the most one catch-up reads.
    const messages = range(1, 10_000).map((id) => ({
      kind: 'event' as const,
      value: alert(id),
      raw: '',
    }))
    let appliedWhenTimerRan = -1
    setTimeout(() => {
      appliedWhenTimerRan = applied.length
      for (const id of range(10_001, 10_005)) subscription.deliver(alert(id), 'live')
    }, 0)
    // Each event costs a little, as a store's apply does: the answer outlasts a task's budget.
    subscription.addListener(() => {
      const until = performance.now() + 0.005
      while (performance.now() < until);
    })
    answer.resolve({ messages, cursor: '10000', truncated: false })
    await catchUp
    expect(appliedWhenTimerRan).toBeGreaterThan(0)
    expect(appliedWhenTimerRan).toBeLessThan(10_000)
    expect(applied).toEqual(range(1, 10_005).map(String))
    expect(subscription.cursor).toBe('10005')
  })

  it('keeps fresh events that reuse ids after a new id epoch began during the read', async () => {
    const { subscription, applied, answer, catchUp } = pendingCatchUp(
      (event) => `${event.id}:${(event.data as { message: string }).message}`,
    )
    for (const id of range(1, 3)) subscription.deliver(alert(id), 'live')
    // The backend restarted and said `reset`: its ids start again at 1, for new events.
    subscription.startEpoch()
    for (const id of range(1, 3)) {
      const fresh = alert(id)
      subscription.deliver(
        { ...fresh, data: { ...fresh.data, message: `fresh ${id}` } } as ChannelEvent,
        'live',
      )
    }
    answer.resolve({ messages: [], cursor: null, truncated: false })
    await catchUp
    expect(applied).toEqual([
      '1:alert 1',
      '2:alert 2',
      '3:alert 3',
      '1:fresh 1',
      '2:fresh 2',
      '3:fresh 3',
    ])
  })
})
