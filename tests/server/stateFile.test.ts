// The in-memory backend's state file: a restarted backend continues ids, replays and history.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseCli } from '../../server/cliOptions.ts'
import { MemoryHub } from '../../server/hub.ts'
import { CRASH_ID_GAP, loadState, StateSaver } from '../../server/stateFile.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../support/devBackend.ts'

let servers: DevBackendServer[] = []
const readers: SseReader[] = []

function stateFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'rtm-state-')), 'nested', 'dev-backend.json')
}

async function start(file: string, options: Parameters<typeof startDevBackend>[0] = {}) {
  const server = await startDevBackend({ simulate: false, stateFile: file, ...options })
  servers.push(server)
  return server
}

function alert(n: number) {
  return {
    alert_id: `a-${n}`,
    timestamp: 't',
    severity: 'info',
    category: 'system',
    message: `${n}`,
  }
}

const channelIds = (reader: SseReader) =>
  reader.events.filter((e) => e.id !== undefined).map((e) => e.id)

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close()
  for (const server of servers) await server.close()
  servers = []
  vi.restoreAllMocks()
})

describe('state file', () => {
  it('continues ids, replays after an id of the previous run, and keeps history', async () => {
    const file = stateFile()
    const a = await start(file, { historySize: 5 })
    const ids = Array.from({ length: 8 }, (_, i) =>
      a.backend.emit(i % 2 ? 'alerts' : 'training', i % 2 ? 'risk_alert' : 'x', alert(i)),
    )
    a.backend.emit('alerts', 'risk_alert', 'raw\ntext')
    await a.close()
    expect(existsSync(file)).toBe(true)

    const b = await start(file, { historySize: 5 })
    expect(b.backend.emit('alerts', 'risk_alert', alert(9))).toBe('10')
    const stream = await openSse(`${b.url}/api/v1/sse/alerts`, { 'Last-Event-ID': ids[3] ?? '' })
    readers.push(stream)
    await stream.take(5)
    expect(channelIds(stream)).toEqual(['6', '8', '9', '10'])
    expect(stream.events.some((e) => e.event === 'reset')).toBe(false)
    expect(stream.events[3]?.data).toBe('raw\ntext')

    const mux = await openSse(`${b.url}/api/v1/sse/stream?channels=alerts,training`, {
      'Last-Event-ID': '4',
    })
    readers.push(mux)
    await mux.take(7)
    expect(channelIds(mux)).toEqual(['5', '6', '7', '8', '9', '10'])
    expect(JSON.parse(mux.events[1]?.data ?? '')).toMatchObject({
      alert_id: 'a-4',
      channel: 'training',
    })

    const page = await requestJson(`${b.url}/api/v1/sse/alerts/history?after=2`)
    expect(page.body).toMatchObject({ latest_id: '10', truncated: false })
    expect((page.body as { events: { id: string }[] }).events.map((e) => e.id)).toEqual([
      '4',
      '6',
      '8',
      '9',
      '10',
    ])
    const newest = await requestJson(`${b.url}/api/v1/sse/training/history?limit=2`)
    expect(newest.body).toMatchObject({ events: [{ id: '5' }, { id: '7' }], latest_id: '7' })
  })

  it('keeps a ring trimmed to a smaller history and resets cursors older than it', async () => {
    const file = stateFile()
    const a = await start(file, { historySize: 10 })
    for (let i = 0; i < 10; i += 1) a.backend.emit('alerts', 'risk_alert', alert(i))
    await a.close()
    const b = await start(file, { historySize: 4 })
    const stream = await openSse(`${b.url}/api/v1/sse/alerts`, { 'Last-Event-ID': '2' })
    readers.push(stream)
    await stream.take(6)
    expect(stream.events[1]?.event).toBe('reset')
    expect(channelIds(stream)).toEqual(['7', '8', '9', '10'])
  })

  it('continues the simulator ids after a restart', async () => {
    const file = stateFile()
    const rates = { dashboard: 0, alerts: 200, training: 0, backtest: 0 }
    const a = await start(file, { simulate: true, rates })
    await new Promise((resolve) => setTimeout(resolve, 150))
    await a.close()
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      last_id: number
      simulator: { alerts: number }
    }
    expect(saved.simulator.alerts).toBeGreaterThan(0)

    const b = await start(file, { simulate: true, rates })
    await new Promise((resolve) => setTimeout(resolve, 150))
    const page = await requestJson(`${b.url}/api/v1/sse/alerts/history?after=${saved.last_id}`)
    const events = (page.body as { events: { id: string; data: { alert_id: string } }[] }).events
    expect(events.length).toBeGreaterThan(5)
    expect(Number(events[0]?.id)).toBe(saved.last_id + 1)
    // New alerts (and updates of them) are numbered after the saved counter.
    const numbers = events.map((e) => Number(e.data.alert_id.slice(2)))
    expect(Math.min(...numbers)).toBe(saved.simulator.alerts + 1)
  })

  it('warns once about a corrupt file, starts fresh and replaces it on close', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rtm-state-')), 'state.json')
    writeFileSync(file, '{"version":1,"last_id":')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const a = await start(file)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/ignoring state file .*not JSON/)
    expect(a.backend.emit('alerts', 'risk_alert', alert(1))).toBe('1')
    await a.close()
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, last_id: 1 })
    for (const bad of ['[]', '{"version":2}', '{"version":1,"last_id":5,"channels":{}}']) {
      writeFileSync(file, bad)
      expect(loadState(file, () => {})).toBeUndefined()
    }
    expect(loadState(join(file, 'missing'), () => {})).toBeUndefined()
  })

  it('saves periodically, atomically, and jumps ids after an unclean stop', async () => {
    const file = stateFile()
    const hub = new MemoryHub(100)
    hub.emit('alerts', 'risk_alert', alert(1))
    const saver = new StateSaver(
      file,
      (clean) => ({ clean, hub: hub.snapshot(), simulator: null }),
      () => {},
      20,
    )
    hub.emit('alerts', 'risk_alert', alert(2))
    await vi.waitFor(() => expect(existsSync(file)).toBe(true), { timeout: 2000 })
    const crashed = loadState(file, () => {})
    expect(crashed?.clean).toBe(false)
    expect(crashed?.hub.lastId).toBe(2 + CRASH_ID_GAP)

    const restored = new MemoryHub(100)
    restored.restore(crashed!.hub)
    expect(restored.emit('alerts', 'risk_alert', alert(3))).toBe(String(3 + CRASH_ID_GAP))
    const plan = restored.planNow(['alerts'], '1')
    expect(plan.resets).toEqual(['alerts'])
    expect(plan.replay.map((e) => e.idText)).toEqual(['2', String(3 + CRASH_ID_GAP)])

    saver.close()
    expect(loadState(file, () => {})?.clean).toBe(true)
  })

  it('is set with --state-file', () => {
    expect(parseCli(['--state-file', '/tmp/x.json']).options.stateFile).toBe('/tmp/x.json')
    expect(parseCli([]).options.stateFile).toBeUndefined()
  })
})
