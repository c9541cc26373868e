// What operators run the server with: /healthz, /readyz (in memory and on Redis), /metrics and its
// guard, the counters moving with real traffic, and a drain that tells streams when to come back.
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseCli } from '../../server/cliOptions.ts'
import { samplePayload } from '../support/clientHarness.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'

const PUBLISH = 'ops-publish-token'
let server: DevBackendServer | undefined
let redis: RedisServer | undefined
const readers: SseReader[] = []

afterEach(async () => {
  vi.restoreAllMocks()
  for (const reader of readers.splice(0)) reader.close()
  await server?.close()
  server = undefined
  await redis?.close()
  redis = undefined
})

async function open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await openSse(url, headers)
  readers.push(reader)
  return reader
}

/** One sample of a metric in Prometheus text (`name{a="b"} value`); undefined when absent. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== name) continue
    const present = (match[2] ?? '').split(',').filter((part) => part !== '')
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) {
      return Number(match[3])
    }
  }
  return undefined
}

async function metrics(url: string, token?: string): Promise<string> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
  const response = await fetch(`${url}/metrics`, { headers })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string) {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (check(value)) return value
    if (Date.now() - started > 15_000) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const publish = (url: string, n: number, channel: 'alerts' | 'training' = 'alerts') =>
  requestJson(`${url}/api/v1/publish/${channel}`, {
    body: samplePayload(channel, n).data,
    headers: { Authorization: `Bearer ${PUBLISH}` },
  })

describe('probes', () => {
  it('answer without the API token: alive, ready, and not ready once draining', async () => {
    server = await startDevBackend({ simulate: false, authToken: 'reader-secret' })
    const health = await requestJson(`${server.url}/healthz`)
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect((await requestJson(`${server.url}/readyz`)).body).toEqual({ status: 'ready' })
    expect((await fetch(`${server.url}/readyz`, { method: 'POST' })).status).toBe(405)

    const stream = await open(`${server.url}/api/v1/sse/alerts`, {
      Authorization: 'Bearer reader-secret',
    })
    await stream.until(() => stream.events.some((event) => event.event === 'connected'))
    expect(server.backend.drain()).toBe(1)
    const ready = await requestJson(`${server.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get('retry-after')).toBe('1')
    expect(ready.body).toMatchObject({ error: 'not_ready', detail: /shutting down/ })
    expect((await requestJson(`${server.url}/healthz`)).status).toBe(200)
    // New streams are refused with a hint to come back (another instance will take them).
    const refused = await fetch(`${server.url}/api/v1/sse/alerts`, {
      headers: { Authorization: 'Bearer reader-secret' },
    })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({ error: 'shutting_down' })
  })

  it('on Redis: ready once connected, not ready while Redis is away or the reader is behind', async () => {
    redis = await startRedisServer()
    server = await startDevBackend({ simulate: false, redisUrl: redis.url, publishToken: PUBLISH })
    const url = server.url
    const readyz = () => requestJson(`${url}/readyz`)
    await waitFor(readyz, (answer) => answer.status === 200, 'ready')

    await redis.kill()
    const down = await waitFor(readyz, (answer) => answer.status === 503, 'not ready')
    // Every failed reconnection is an error on its connection.
    await waitFor(
      () => metrics(url),
      (text) => (sample(text, 'rtm_redis_errors_total', { connection: 'commands' }) ?? 0) > 0,
      'Redis errors counted',
    )
    expect(down.body).toMatchObject({
      error: 'not_ready',
      detail: /Redis is (reconnecting|connecting)/,
    })
    await redis.restart()
    await waitFor(readyz, (answer) => answer.status === 200, 'ready again')

    // An entry stamped a minute ago (written past the publish script): read a minute late.
    const producer = new Redis(redis.url)
    try {
      await producer.xadd(
        '{rtm}:alerts',
        `${Date.now() - 60_000}-0`,
        'event',
        'risk_alert',
        'data',
        '{}',
      )
    } finally {
      producer.disconnect()
    }
    const behind = await waitFor(readyz, (answer) => answer.status === 503, 'behind')
    expect(behind.body).toMatchObject({ detail: /reader is \d+ ms behind/ })
    expect((await publish(url, 1)).status).toBe(200)
    await waitFor(readyz, (answer) => answer.status === 200, 'caught up')
    const text = await metrics(url)
    expect(sample(text, 'rtm_redis_up')).toBe(1)
    expect(sample(text, 'rtm_redis_read_lag_seconds_count')).toBe(2)
    expect(sample(text, 'rtm_redis_read_lag_seconds_bucket', { le: '10' })).toBe(1)
  }, 40_000)
})

describe('/metrics', () => {
  it('takes the readers token when there is one, or its own token', async () => {
    server = await startDevBackend({ simulate: false, authToken: 'reader-secret' })
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
    await metrics(server.url, 'reader-secret')
    await server.close()

    server = await startDevBackend({
      simulate: false,
      authToken: 'reader-secret',
      metricsToken: 'scrape-secret',
    })
    const withReaderToken = await fetch(`${server.url}/metrics`, {
      headers: { Authorization: 'Bearer reader-secret' },
    })
    expect(withReaderToken.status).toBe(401)
    expect(withReaderToken.headers.get('www-authenticate')).toBe('Bearer')
    await metrics(server.url, 'scrape-secret')
    await server.close()

    server = await startDevBackend({ simulate: false, allowedHosts: ['monitor.example.com'] })
    expect((await fetch(`${server.url}/metrics`)).status).toBe(403)
  })

  it('counts one published event: stored, fanned out, delivered to each stream, with its lag', async () => {
    server = await startDevBackend({ simulate: false, publishToken: PUBLISH })
    const url = server.url
    const mux = await open(`${url}/api/v1/sse/stream?channels=alerts,training`)
    const single = await open(`${url}/api/v1/sse/alerts`)
    for (const stream of [mux, single]) {
      await stream.until(() => stream.events.some((event) => event.event === 'connected'))
    }
    const before = await metrics(url)
    expect(sample(before, 'rtm_open_streams', { kind: 'multiplexed' })).toBe(1)
    expect(sample(before, 'rtm_open_streams', { kind: 'channel' })).toBe(1)
    expect(sample(before, 'rtm_channel_subscriptions', { channel: 'alerts' })).toBe(2)
    expect(sample(before, 'rtm_events_published_total', { channel: 'alerts' })).toBe(0)
    expect(sample(before, 'rtm_redis_up')).toBeUndefined()
    expect(sample(before, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)

    const answer = await publish(url, 1)
    const { id } = answer.body as { id: string }
    for (const stream of [mux, single])
      await stream.until(() => stream.events.some((e) => e.id === id))
    const after = await waitFor(
      () => metrics(url),
      (text) => sample(text, 'rtm_fanout_lag_seconds_count') === 1,
      'the fan-out lag',
    )
    expect(sample(after, 'rtm_events_published_total', { channel: 'alerts' })).toBe(1)
    expect(sample(after, 'rtm_events_received_total', { channel: 'alerts' })).toBe(1)
    expect(sample(after, 'rtm_events_delivered_total', { channel: 'alerts' })).toBe(2)
    expect(sample(after, 'rtm_events_delivered_total', { channel: 'training' })).toBe(0)
    expect(sample(after, 'rtm_fanout_lag_seconds_bucket', { le: '+Inf' })).toBe(1)
    expect(sample(after, 'rtm_streams_opened_total', { kind: 'multiplexed' })).toBe(1)
  })

  it('counts rejected requests by status and reason, and unsendable events', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    server = await startDevBackend({
      simulate: false,
      publishToken: PUBLISH,
      authToken: 'reader-secret',
      maxClientsPerIp: 1,
    })
    const url = server.url
    const auth = { Authorization: 'Bearer reader-secret' }
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${url}/api/v1/publish/alerts`, { method: 'POST', body, headers })
    const producer = { Authorization: `Bearer ${PUBLISH}` }
    expect((await fetch(`${url}/api/v1/sse/status`)).status).toBe(401)
    expect((await post('{}', { ...producer, 'Content-Type': 'text/plain' })).status).toBe(415)
    const big = 'x'.repeat(1024 * 1024 + 1)
    expect((await post(big, { ...producer, 'Content-Type': 'application/json' })).status).toBe(413)
    expect((await post('{}', { ...producer, 'Content-Type': 'application/json' })).status).toBe(400)
    // Multiplexed: adding `channel` to the too-deep event below is what fails.
    const first = await open(`${url}/api/v1/sse/stream?channels=alerts`, auth)
    await first.until(() => first.events.some((event) => event.event === 'connected'))
    expect((await fetch(`${url}/api/v1/sse/alerts`, { headers: auth })).status).toBe(429)
    expect((await post('{}', { 'Content-Type': 'application/json' })).status).toBe(401)
    server.backend.emit(
      'alerts',
      'risk_alert',
      `{"deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
    )

    const text = await waitFor(
      () => metrics(url, 'reader-secret'),
      (body) => sample(body, 'rtm_events_unsendable_total') === 1,
      'the unsendable event',
    )
    const rejected = (status: string, reason: string) =>
      sample(text, 'rtm_requests_rejected_total', { status, reason })
    expect(rejected('401', 'unauthorized')).toBe(2)
    expect(rejected('415', 'unsupported_media_type')).toBe(1)
    expect(rejected('413', 'body_too_large')).toBe(1)
    expect(rejected('400', 'invalid_payload')).toBe(1)
    expect(rejected('429', 'too_many_connections')).toBe(1)
  }, 20_000)
})

describe('flags', () => {
  it('parse the metrics token, log level and shutdown bounds', () => {
    const config = parseCli([
      '--metrics-token',
      'm',
      '--log-level',
      'debug',
      '--shutdown-retry',
      '5000',
      '--shutdown-timeout',
      '20',
    ])
    expect(config.options).toMatchObject({ metricsToken: 'm', shutdownRetryMs: 5000 })
    expect(config).toMatchObject({ logLevel: 'debug', shutdownTimeoutSeconds: 20 })
    expect(parseCli([], { RTM_METRICS_TOKEN: 'e', LOG_LEVEL: 'warn' })).toMatchObject({
      logLevel: 'warn',
      options: { metricsToken: 'e' },
    })
    expect(parseCli([])).toMatchObject({ logLevel: 'info', shutdownTimeoutSeconds: 10 })
    expect(() => parseCli(['--log-level', 'loud'])).toThrow(/--log-level must be one of/)
  })
})

describe('a drain', () => {
  it('tells each stream to come back after a spread-out delay, then ends it', async () => {
    server = await startDevBackend({ simulate: false, shutdownRetryMs: 2000 })
    const streams = await Promise.all(
      Array.from({ length: 8 }, () => open(`${server!.url}/api/v1/sse/stream?channels=alerts`)),
    )
    for (const stream of streams) {
      await stream.until(() => stream.events.some((event) => event.event === 'connected'))
    }
    expect(server.backend.drain()).toBe(8)
    for (const stream of streams) await stream.until(() => stream.ended)
    const retries = streams.map((stream) => stream.retries.at(-1) as number)
    for (const retry of retries) {
      expect(retry).toBeGreaterThanOrEqual(200)
      expect(retry).toBeLessThanOrEqual(2000)
    }
    expect(new Set(retries).size).toBeGreaterThan(1)
  })
})
