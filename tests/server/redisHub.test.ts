// The Redis-backed hub against a real redis-server: publish, status, streams, resume and history.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { samplePayload } from '../support/clientHarness.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'

let redis: RedisServer
let server: DevBackendServer
let prefix = 0
const readers: SseReader[] = []
const TOKEN = 'producer-secret'
const AUTH = { Authorization: `Bearer ${TOKEN}` }

beforeAll(async () => {
  redis = await startRedisServer()
})

afterAll(async () => {
  await redis?.close()
})

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close()
  await server?.close()
})

async function start(options: Parameters<typeof startDevBackend>[0] = {}) {
  prefix += 1 // a fresh key space per test, on the same Redis
  server = await startDevBackend({
    redisUrl: redis.url,
    redisPrefix: `t${prefix}`,
    publishToken: TOKEN,
    simulate: false,
    heartbeatSeconds: 0.2,
    ...options,
  })
  await server.backend.ready()
  return server
}

async function open(path: string, headers: Record<string, string> = {}) {
  const reader = await openSse(`${server.url}${path}`, headers)
  readers.push(reader)
  return reader
}

async function publish(channel: string, body: unknown, headers: Record<string, string> = AUTH) {
  return requestJson(`${server.url}/api/v1/publish/${channel}`, { body, headers })
}

/** Publishes straight into the hub (the HTTP endpoint has its own test), in order. */
async function publishAlerts(count: number, from = 0): Promise<string[]> {
  const ids: string[] = []
  for (let n = from; n < from + count; n += 1) {
    ids.push(await server.backend.publish('alerts', 'risk_alert', samplePayload('alerts', n).data))
  }
  return ids
}

const channelIds = (reader: SseReader) =>
  reader.events.filter((e) => e.id !== undefined).map((e) => e.id)

describe('Redis hub', () => {
  it('publishes validated payloads with the producer token and reports status', async () => {
    await start()
    const payload = samplePayload('alerts', 1).data
    expect((await publish('alerts', payload, {})).status).toBe(401)
    expect((await publish('alerts', payload, { Authorization: 'Bearer nope' })).status).toBe(401)
    expect((await publish('nope', payload)).status).toBe(404)
    const bad = await publish('alerts', { ...payload, severity: 'loud' })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ error: 'invalid_payload', field: 'severity' })
    expect((bad.body as { detail: string }).detail).toMatch(/^severity: /)
    const missing = await publish('training', { run_id: 'r-1' })
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ error: 'invalid_payload', event: 'training_progress' })
    const broken = await requestJson(`${server.url}/api/v1/publish/alerts`, {
      method: 'POST',
      headers: AUTH,
      body: undefined,
    })
    expect(broken.status).toBe(400)
    const notJson = await fetch(`${server.url}/api/v1/publish/alerts`, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: '{"alert_id":',
    })
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toMatchObject({ error: 'bad_body' })
    const plainText = await fetch(`${server.url}/api/v1/publish/alerts`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify(payload),
    })
    expect(plainText.status).toBe(415)
    expect(await plainText.json()).toMatchObject({ error: 'unsupported_media_type' })

    const ok = await publish('alerts', { ...payload, extra: 'dropped' })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ channel: 'alerts', event: 'risk_alert' })
    expect((ok.body as { id: string }).id).toMatch(/^\d+-\d+$/)

    const status = await requestJson(`${server.url}/api/v1/sse/status`)
    expect(status.body).toMatchObject({
      status: 'ok',
      backend: 'redis',
      stream_lengths: { dashboard: 0, alerts: 1, training: 0, backtest: 0 },
      redis: { state: 'connected' },
      history: 1000,
      multiplex: true,
    })
  })

  it('answers 403 when no publish token is configured, and readers keep their own token', async () => {
    await start({ publishToken: undefined, authToken: 'reader' })
    expect((await publish('alerts', samplePayload('alerts', 1).data)).status).toBe(403)
    expect((await requestJson(`${server.url}/api/v1/sse/status`)).status).toBe(401)
  })

  it('streams entry ids, ordered across channels, on channel and multiplexed streams', async () => {
    await start()
    const single = await open('/api/v1/sse/alerts')
    const mux = await open('/api/v1/sse/stream?channels=alerts,training')
    await single.take(1)
    await mux.take(1)
    const ids: string[] = []
    for (let n = 0; n < 6; n += 1) {
      const channel = n % 2 ? 'alerts' : 'training'
      const answer = await publish(channel, samplePayload(channel, n).data)
      ids.push((answer.body as { id: string }).id)
    }
    await mux.take(7)
    await single.take(4)
    expect(channelIds(mux)).toEqual(ids)
    expect(channelIds(single)).toEqual([ids[1], ids[3], ids[5]])
    const sorted = [...ids].sort((a, b) => {
      const [am, as] = a.split('-').map(Number)
      const [bm, bs] = b.split('-').map(Number)
      return am! - bm! || as! - bs!
    })
    expect(ids).toEqual(sorted)
    expect(JSON.parse(mux.events[1]?.data ?? '')).toMatchObject({ channel: 'training' })
    expect(JSON.parse(single.events[1]?.data ?? '')).not.toHaveProperty('channel')
  })

  it('with flushMs, every stream gets every event once and in order, sharing the joined writes', async () => {
    await start({ flushMs: 25 })
    const muxes = await Promise.all(
      Array.from({ length: 4 }, () => open('/api/v1/sse/stream?channels=alerts,training')),
    )
    const single = await open('/api/v1/sse/alerts')
    for (const reader of [...muxes, single]) await reader.take(1)
    const ids: string[] = []
    const alertIds: string[] = []
    for (let n = 0; n < 30; n += 1) {
      const channel = n % 3 ? 'alerts' : 'training'
      const { type, data } = samplePayload(channel, n)
      const id = await server.backend.publish(channel, type, data)
      ids.push(id)
      if (channel === 'alerts') alertIds.push(id)
      if (n % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    for (const reader of muxes) await reader.take(1 + ids.length, 5000)
    await single.take(1 + alertIds.length, 5000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    for (const reader of muxes) expect(channelIds(reader)).toEqual(ids)
    expect(channelIds(single)).toEqual(alertIds)
  })

  it('replays exactly after Last-Event-ID, on both stream kinds', async () => {
    await start()
    const ids = await publishAlerts(6)
    const training = await publish('training', samplePayload('training', 1).data)
    const trainingId = (training.body as { id: string }).id
    const reader = await open('/api/v1/sse/alerts', { 'Last-Event-ID': ids[2]! })
    await reader.take(4)
    expect(channelIds(reader)).toEqual(ids.slice(3))
    const mux = await open(`/api/v1/sse/stream?channels=alerts,training&last_event_id=${ids[4]}`)
    await mux.take(3)
    expect(channelIds(mux)).toEqual([ids[5], trainingId])
    expect(reader.events.some((e) => e.event === 'reset')).toBe(false)
    const live = await publishAlerts(1, 50)
    await reader.take(5)
    expect(channelIds(reader).at(-1)).toBe(live[0])
  })

  it('sends reset and the remainder for a trimmed id, reset alone for an unknown one', async () => {
    await start({ historySize: 10 })
    const ids = await publishAlerts(250) // MAXLEN ~ trims whole nodes of 100 entries
    const status = await requestJson(`${server.url}/api/v1/sse/status`)
    const kept = (status.body as { stream_lengths: { alerts: number } }).stream_lengths.alerts
    expect(kept).toBeLessThan(250)
    expect(kept).toBeGreaterThanOrEqual(10)
    const reader = await open('/api/v1/sse/alerts', { 'Last-Event-ID': ids[3]! })
    await reader.take(2 + kept)
    expect(reader.events[1]?.event).toBe('reset')
    expect(JSON.parse(reader.events[1]?.data ?? '').reason).toMatch(/no longer kept/)
    expect(channelIds(reader)).toEqual(ids.slice(250 - kept))
    // Just inside what is kept: no reset.
    const inside = await open('/api/v1/sse/alerts', { 'Last-Event-ID': ids[250 - kept]! })
    await inside.take(kept)
    expect(inside.events.some((e) => e.event === 'reset')).toBe(false)
    for (const id of ['abc', '1-x', '99999999999999-0', '17']) {
      const unknown = await open('/api/v1/sse/alerts', { 'Last-Event-ID': id })
      await unknown.take(2)
      expect(unknown.events.map((e) => e.event)).toEqual(['connected', 'reset'])
      expect(JSON.parse(unknown.events[1]?.data ?? '').reason).toMatch(/unknown last event id/)
    }
  })

  it('serves history like the memory hub: newest, paging, truncated, unknown', async () => {
    await start({ historySize: 10 })
    const empty = await requestJson(`${server.url}/api/v1/sse/alerts/history`)
    expect(empty.body).toEqual({ events: [], latest_id: null, truncated: false })
    const ids = await publishAlerts(5)
    const newest = await requestJson(`${server.url}/api/v1/sse/alerts/history?limit=2`)
    expect(newest.body).toMatchObject({ latest_id: ids[4], truncated: false })
    const page = newest.body as { events: { id: string; event: string; data: object }[] }
    expect(page.events.map((e) => e.id)).toEqual(ids.slice(3))
    expect(page.events[0]).toEqual({
      id: ids[3],
      event: 'risk_alert',
      data: samplePayload('alerts', 3).data,
    })
    const after = await requestJson(
      `${server.url}/api/v1/sse/alerts/history?after=${ids[1]}&limit=2`,
    )
    expect(after.body).toMatchObject({ latest_id: ids[4], truncated: false })
    expect((after.body as typeof page).events.map((e) => e.id)).toEqual(ids.slice(2, 4))
    for (const bad of ['abc', '99999999999999-0']) {
      const unknown = await requestJson(`${server.url}/api/v1/sse/alerts/history?after=${bad}`)
      expect(unknown.body).toEqual({ events: [], latest_id: ids[4], truncated: true })
    }
    const more = await publishAlerts(250, 10)
    const trimmed = await requestJson(
      `${server.url}/api/v1/sse/alerts/history?after=${ids[0]}&limit=3`,
    )
    expect(trimmed.body).toMatchObject({ truncated: true, latest_id: more.at(-1) })
  })
})
