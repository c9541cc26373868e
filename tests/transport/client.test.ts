// The realtime client against the real dev backend over loopback HTTP: modes, resume, no loss.
import { afterEach, describe, expect, it } from 'vitest'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { createHarness, samplePayload, type Harness } from '../support/clientHarness.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

let server: DevBackendServer | undefined
let harness: Harness | undefined

afterEach(async () => {
  harness?.close()
  harness = undefined
  await server?.close()
  server = undefined
})

async function setup(options: Parameters<typeof startDevBackend>[0] = {}) {
  server = await startDevBackend({ simulate: false, heartbeatSeconds: 0.3, ...options })
  return server
}

function emitN(backend: DevBackendServer, channel: Channel, count: number, from = 0): string[] {
  const ids: string[] = []
  for (let i = 0; i < count; i += 1) {
    const { type, data } = samplePayload(channel, from + i)
    ids.push(backend.backend.emit(channel, type, data))
  }
  return ids
}

const isOpen = (h: Harness, channel: Channel) => h.client.status(channel).state.phase === 'open'

describe('multiplexed mode', () => {
  it('carries all four channels over one connection, every id once and in order', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe(...CHANNELS)
    await harness.until(() => CHANNELS.every((c) => isOpen(harness as Harness, c)), 5000, 'open')
    expect(backend.backend.stats().streamConnections).toBe(1)
    expect(harness.client.mode).toBe('multiplexed')

    const sent = Object.fromEntries(CHANNELS.map((c) => [c, emitN(backend, c, 25)])) as Record<
      Channel,
      string[]
    >
    await harness.until(
      () => CHANNELS.every((c) => harness?.events[c].length === 25),
      5000,
      'all events',
    )
    for (const channel of CHANNELS) {
      expect(harness.ids(channel)).toEqual(sent[channel])
      expect(harness.events[channel].every((e) => e.channel === channel)).toBe(true)
      expect(harness.client.status(channel).transport).toBe('multiplexed')
    }
  })

  it('rebuilds the stream when a channel is added, without losing or repeating events', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => isOpen(harness as Harness, 'alerts'))
    const first = emitN(backend, 'alerts', 5)
    await harness.until(() => harness?.events.alerts.length === 5)
    harness.subscribe('training')
    const second = emitN(backend, 'alerts', 5, 5)
    const training = emitN(backend, 'training', 3)
    await harness.until(
      () => harness?.events.alerts.length === 10 && harness.events.training.length === 3,
    )
    expect(harness.ids('alerts')).toEqual([...first, ...second])
    expect(harness.ids('training')).toEqual(training)
    await harness.until(
      () => backend.backend.stats().streamConnections === 1,
      2000,
      'one connection',
    )
  })

  it('closes the connection when the last subscriber leaves', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    const off = harness.subscribe('alerts', 'dashboard')
    await harness.until(() => backend.backend.stats().streamConnections === 1)
    off()
    await harness.until(() => backend.backend.stats().streamConnections === 0, 2000, 'closed')
  })
})

describe('per-channel mode', () => {
  it('opens one stream per channel when the backend does not multiplex', async () => {
    const backend = await setup({ multiplex: false })
    harness = createHarness(backend.url)
    harness.subscribe(...CHANNELS)
    await harness.until(() => CHANNELS.every((c) => isOpen(harness as Harness, c)))
    expect(backend.backend.stats().streamConnections).toBe(4)
    expect(harness.client.mode).toBe('per-channel')
    const sent = emitN(backend, 'backtest', 10)
    await harness.until(() => harness?.events.backtest.length === 10)
    expect(harness.ids('backtest')).toEqual(sent)
    expect(harness.client.status('backtest').transport).toBe('per-channel')
  })

  it('falls back to per-channel streams when the status endpoint fails', async () => {
    const backend = await setup()
    harness = createHarness(backend.url, {
      fetch: (input, init) =>
        input.includes('/sse/status')
          ? Promise.reject(new TypeError('status down'))
          : fetch(input, init),
    })
    harness.subscribe('alerts', 'training')
    await harness.until(
      () => isOpen(harness as Harness, 'alerts') && isOpen(harness as Harness, 'training'),
    )
    expect(harness.client.mode).toBe('per-channel')
    expect(backend.backend.stats().streamConnections).toBe(2)
  })
})

describe('resume', () => {
  it('reconnects after the server drops connections with no lost and no repeated events', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe(...CHANNELS)
    await harness.until(() => isOpen(harness as Harness, 'alerts'))
    const sent: string[] = []
    for (let round = 0; round < 5; round += 1) {
      sent.push(...emitN(backend, 'alerts', 20, round * 20))
      const reconnects = harness.client.status('alerts').reconnects
      expect(backend.backend.dropConnections()).toBe(1)
      sent.push(...emitN(backend, 'alerts', 5, 1000 + round * 5))
      await harness.until(
        () =>
          harness?.client.status('alerts').reconnects === reconnects + 1 &&
          isOpen(harness, 'alerts'),
        1000,
        `reopen ${round}: ${JSON.stringify(harness.phases.alerts)} ${harness.client.status('alerts').reconnects}`,
      )
    }
    await harness.until(() => harness?.events.alerts.length === sent.length, 5000, 'all alerts')
    expect(harness.ids('alerts')).toEqual(sent)
    expect(new Set(harness.ids('alerts')).size).toBe(sent.length)
    expect(harness.client.status('alerts').reconnects).toBeGreaterThanOrEqual(5)
  })

  it('shows backoff with a retry time while the server is down, then resumes gaplessly', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe('training', 'dashboard')
    await harness.until(() => isOpen(harness as Harness, 'training'))
    const before = emitN(backend, 'training', 10)
    await harness.until(() => harness?.events.training.length === 10)
    await backend.stop()
    await harness.until(
      () => harness?.client.status('training').state.phase === 'backoff',
      3000,
      'backoff',
    )
    const state = harness.client.status('training').state
    expect(
      state.phase === 'backoff' && state.retryAt >= Date.now() - 50 && state.attempt >= 1,
    ).toBe(true)
    const during = emitN(backend, 'training', 10, 10)
    await backend.start()
    await harness.until(() => harness?.events.training.length === 20, 5000, 'resume')
    expect(harness.ids('training')).toEqual([...before, ...during])
    expect(harness.client.status('training').gap).toBeNull()
  })

  it('resumes after a page reload from the ids kept in session storage, with recent context', async () => {
    const backend = await setup()
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => isOpen(harness as Harness, 'alerts'))
    const before = emitN(backend, 'alerts', 8)
    await harness.until(() => harness?.events.alerts.length === 8)
    harness.client.flushCursors()
    const storage = harness.storage
    harness.close()
    const missed = emitN(backend, 'alerts', 6, 8)

    // A new page with the same session storage: its stores are empty, so it gets the recent
    // history back (the newest events reach its cursor), then exactly what it missed, once each.
    harness = createHarness(backend.url, { storage })
    harness.subscribe('alerts')
    await harness.until(
      () => harness?.events.alerts.length === 14,
      5000,
      'context and missed events',
    )
    const after = emitN(backend, 'alerts', 2, 14)
    await harness.until(() => harness?.events.alerts.length === 16)
    expect(harness.ids('alerts')).toEqual([...before, ...missed, ...after])
  })

  it('after a reload with more missed events than the context window, reads everything after the cursor', async () => {
    const backend = await setup()
    harness = createHarness(backend.url, { transport: { backfillLimit: 5 } })
    harness.subscribe('alerts')
    await harness.until(() => isOpen(harness as Harness, 'alerts'))
    emitN(backend, 'alerts', 3)
    await harness.until(() => harness?.events.alerts.length === 3)
    harness.client.flushCursors()
    const storage = harness.storage
    harness.close()
    const missed = emitN(backend, 'alerts', 12, 3)
    harness = createHarness(backend.url, { storage, transport: { backfillLimit: 5 } })
    harness.subscribe('alerts')
    await harness.until(() => harness?.events.alerts.length === 12, 5000, 'missed events')
    expect(harness.ids('alerts')).toEqual(missed)
  })

  it('backfills recent history on a first visit, then goes live without repeats', async () => {
    const backend = await setup()
    const old = emitN(backend, 'alerts', 12)
    harness = createHarness(backend.url, { transport: { backfillLimit: 5 } })
    harness.subscribe('alerts')
    await harness.until(() => harness?.events.alerts.length === 5, 5000, 'backfill')
    expect(harness.ids('alerts')).toEqual(old.slice(-5))
    const live = emitN(backend, 'alerts', 3, 12)
    await harness.until(() => harness?.events.alerts.length === 8)
    expect(harness.ids('alerts')).toEqual([...old.slice(-5), ...live])
  })

  it('marks a gap on reset when the cursor is older than the server buffer, and goes on', async () => {
    const backend = await setup({ historySize: 5 })
    harness = createHarness(backend.url)
    harness.subscribe('alerts')
    await harness.until(() => isOpen(harness as Harness, 'alerts'))
    emitN(backend, 'alerts', 3)
    await harness.until(() => harness?.events.alerts.length === 3)
    await backend.stop()
    const lost = emitN(backend, 'alerts', 20, 3)
    await backend.start()
    await harness.until(() => harness?.client.status('alerts').gap !== null, 5000, 'gap')
    const status = harness.client.status('alerts')
    expect(status.gap?.uncertain).toBe(false)
    expect(status.gaps.length).toBe(1)
    // What the server still holds (the last 5) is recovered from history; then live goes on.
    await harness.until(
      () => harness?.ids('alerts').includes(lost[lost.length - 1] as string) === true,
    )
    const next = emitN(backend, 'alerts', 2, 30)
    await harness.until(() => harness?.ids('alerts').includes(next[1] as string) === true)
    const ids = harness.ids('alerts')
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.slice(-7)).toEqual([...lost.slice(-5), ...next])
  })
})

describe('what the backend says of its data', () => {
  const ZERO = { dashboard: 0, alerts: 0, training: 0, backtest: 0 }

  it('reaches every channel status: demo from a simulating backend, live from a production one', async () => {
    const demo = await setup({ simulate: true, rates: ZERO })
    harness = createHarness(demo.url)
    harness.subscribe(...CHANNELS)
    await harness.until(() => CHANNELS.every((c) => isOpen(harness as Harness, c)), 5000, 'open')
    for (const channel of CHANNELS) expect(harness.client.status(channel).data).toBe('demo')
    harness.close()
    await demo.close()

    const live = await setup()
    harness = createHarness(live.url)
    harness.subscribe('alerts')
    await harness.until(() => isOpen(harness as Harness, 'alerts'), 5000, 'open')
    expect(harness.client.status('alerts').data).toBe('live')
  })

  it('is read again after a reconnect: a backend restarted without its simulator is live', async () => {
    const demo = await setup({ simulate: true, rates: ZERO })
    harness = createHarness(demo.url)
    harness.subscribe('alerts')
    await harness.until(() => harness?.client.status('alerts').data === 'demo', 5000, 'demo')
    const port = demo.port
    await demo.close()
    // The same address now serves a production start (in memory: a new backend).
    server = await startDevBackend({ heartbeatSeconds: 0.3 }, port)
    await harness.until(() => harness?.client.status('alerts').data === 'live', 15_000, 'live')
  }, 25_000)
})
