// Redis dies and comes back mid-stream: clients keep their streams (pings go on), publishing is
// rejected with 503 meanwhile (not queued), and everything that was accepted reaches the client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { createHarness, samplePayload, type Harness } from '../support/clientHarness.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'

const TOKEN = 'producer-secret'
let redis: RedisServer
let server: DevBackendServer
let harness: Harness | undefined
const readers: SseReader[] = []

beforeEach(async () => {
  redis = await startRedisServer()
  server = await startDevBackend({
    redisUrl: redis.url,
    publishToken: TOKEN,
    simulate: false,
    heartbeatSeconds: 0.2,
  })
  await server.backend.ready()
})

afterEach(async () => {
  harness?.close()
  harness = undefined
  for (const reader of readers.splice(0)) reader.close()
  await server?.close()
  await redis?.close()
})

const publish = (channel: Channel, n: number) =>
  requestJson(`${server.url}/api/v1/publish/${channel}`, {
    body: samplePayload(channel, n).data,
    headers: { Authorization: `Bearer ${TOKEN}` },
  })

async function redisState(): Promise<string> {
  const status = await requestJson(`${server.url}/api/v1/sse/status`)
  return (status.body as { redis: { state: string } }).redis.state
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('Redis restarted during a stream', () => {
  it('keeps streams alive with pings, rejects publishing meanwhile, then loses nothing accepted', async () => {
    harness = createHarness(server.url)
    harness.subscribe(...CHANNELS)
    const h = harness
    const raw = await openSse(`${server.url}/api/v1/sse/stream?channels=alerts,training`)
    readers.push(raw)
    await h.until(() => CHANNELS.every((c) => h.client.status(c).state.phase === 'open'))

    const accepted: Record<Channel, string[]> = {
      dashboard: [],
      alerts: [],
      training: [],
      backtest: [],
    }
    let rejected = 0
    let n = 0
    const burst = async (count: number) => {
      for (let i = 0; i < count; i += 1, n += 1) {
        const channel = CHANNELS[n % CHANNELS.length] as Channel
        const answer = await publish(channel, n)
        if (answer.status === 200) accepted[channel].push((answer.body as { id: string }).id)
        else {
          expect(answer.status).toBe(503)
          expect(answer.headers.get('retry-after')).toBe('1')
          expect(answer.body).toMatchObject({ error: 'store_unavailable' })
          rejected += 1
        }
      }
    }
    await burst(40)

    await redis.kill()
    await waitFor(async () => (await redisState()) === 'reconnecting', 'state reconnecting')
    const pingsBefore = raw.comments.length
    await burst(20) // Redis is away: all rejected, none queued
    expect(rejected).toBe(20)
    await expect(server.backend.publish('alerts', 'risk_alert', {})).rejects.toThrow(/Redis/)
    const history = await fetch(`${server.url}/api/v1/sse/alerts/history`)
    expect(history.status).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(raw.comments.length).toBeGreaterThan(pingsBefore + 1) // still pinged
    expect(raw.ended).toBe(false)
    expect(CHANNELS.every((c) => h.client.status(c).state.phase === 'open')).toBe(true)

    await redis.restart()
    await waitFor(async () => (await redisState()) === 'connected', 'state connected')
    await burst(40)
    await h.until(
      () => CHANNELS.every((c) => h.events[c].length >= accepted[c].length),
      10_000,
      'accepted events',
    )
    for (const channel of CHANNELS) {
      expect(h.ids(channel)).toEqual(accepted[channel])
      expect(h.client.status(channel).duplicates).toBe(0)
      expect(h.client.status(channel).gaps).toEqual([])
    }
    expect(raw.ended).toBe(false)
    const status = await requestJson(`${server.url}/api/v1/sse/status`)
    expect(status.body).toMatchObject({ redis: { state: 'connected' } })
    expect((status.body as { redis: { disconnects: number } }).redis.disconnects).toBeGreaterThan(0)
  })

  it('resets a cursor from before Redis lost its data', async () => {
    const before = (await publish('alerts', 1)).body as { id: string }
    await redis.restart() // no persistence: the streams are gone
    await waitFor(async () => (await redisState()) === 'connected', 'state connected')
    const unknown = await openSse(`${server.url}/api/v1/sse/alerts`, { 'Last-Event-ID': before.id })
    readers.push(unknown)
    await unknown.take(2)
    expect(unknown.events[1]?.event).toBe('reset')
    const after = (await publish('alerts', 2)).body as { id: string }
    const lost = await openSse(`${server.url}/api/v1/sse/alerts`, { 'Last-Event-ID': before.id })
    readers.push(lost)
    await lost.take(2)
    expect(lost.events[1]?.event).toBe('reset')
    expect(JSON.parse(lost.events[1]?.data ?? '').reason).toMatch(/lost its data/)
    const page = await requestJson(`${server.url}/api/v1/sse/alerts/history?after=${before.id}`)
    expect(page.body).toMatchObject({ truncated: true, latest_id: after.id })
  })

  it('starts while Redis is down and serves once it is up', async () => {
    await server.close()
    await redis.kill()
    server = await startDevBackend({ redisUrl: redis.url, simulate: false })
    const down = await requestJson(`${server.url}/api/v1/sse/status`)
    expect(down.status).toBe(200)
    expect(down.body).toMatchObject({ backend: 'redis', stream_lengths: null })
    expect(['connecting', 'reconnecting']).toContain(
      (down.body as { redis: { state: string } }).redis.state,
    )
    expect((await fetch(`${server.url}/api/v1/sse/alerts?last_event_id=1-0`)).status).toBe(503)
    // Not even a fresh stream before the reader knows where the streams end: it could miss events.
    const early = await fetch(`${server.url}/api/v1/sse/alerts`)
    expect(early.status).toBe(503)
    expect(early.headers.get('retry-after')).toBe('1')
    await redis.restart()
    await server.backend.ready()
    const reader = await openSse(`${server.url}/api/v1/sse/alerts`)
    readers.push(reader)
    await reader.take(1)
    const id = await server.backend.publish('alerts', 'risk_alert', samplePayload('alerts', 1).data)
    await reader.take(2)
    expect(reader.events[1]?.id).toBe(id)
  })
})
