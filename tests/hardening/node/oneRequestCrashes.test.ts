// One request that used to stop a server, or to slip past its limits, against the real processes:
// each answers 4xx now and the process (and every open stream) carries on.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../../support/redisServer.ts'
import {
  MAX_EVENT_DATA_CHARS,
  MAX_NESTING_DEPTH,
  MAX_RATE_PER_CHANNEL,
  MAX_STRING_CHARS,
} from '../../../src/protocol/limits.ts'
import {
  rawGet,
  rawRequest,
  spawnBackend,
  spawnServer,
  type ServerProcess,
} from './serverProcess.ts'

// Real processes (and a real redis-server) start slowly on a busy machine: wait for them.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 })

const PUBLISH = 'producer-secret'
const READER = 'reader-secret'
const DEV = 'dev-secret'
const processes: ServerProcess[] = []
const readers: SseReader[] = []

afterEach(() => {
  for (const reader of readers.splice(0)) reader.close()
})

afterAll(async () => {
  await Promise.all(processes.splice(0).map((server) => server.stop()))
})

async function backend(args: string[]): Promise<ServerProcess> {
  const server = await spawnBackend(args)
  processes.push(server)
  return server
}

async function open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await openSse(url, headers)
  readers.push(reader)
  return reader
}

const alert = (n: number, message = `alert ${n}`) => ({
  alert_id: `a-${n}`,
  timestamp: '2026-01-04T10:42:51+00:00',
  severity: 'warning',
  category: 'exposure',
  message,
})

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

const deepText = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`
const ids = (reader: SseReader) => reader.events.filter((e) => e.id !== undefined).map((e) => e.id)

/** The server still answers, quickly: the status endpoint within two seconds. */
async function expectServing(server: ServerProcess, headers: Record<string, string> = {}) {
  expect(server.alive()).toBe(true)
  const status = await fetch(`${server.url}/api/v1/sse/status`, {
    headers,
    signal: AbortSignal.timeout(2000),
  })
  expect(status.status).toBe(200)
}

describe('a production start', () => {
  let server: ServerProcess

  beforeAll(async () => {
    server = await backend(['--no-simulate', '--publish-token', PUBLISH, '--heartbeat', '1'])
  })

  it('has no dev controls: the cross-site text/plain {"status204": true} changes nothing', async () => {
    const stream = await open(`${server.url}/api/v1/sse/alerts`)
    for (const name of ['faults', 'rates', 'drop', 'emit']) {
      for (const type of ['text/plain', 'application/json']) {
        const answer = await fetch(`${server.url}/api/v1/dev/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': type, Origin: 'https://evil.example' },
          body: '{"status204": true}',
        })
        expect(answer.status, `${name} ${type}`).toBe(404)
      }
    }
    expect((await open(`${server.url}/api/v1/sse/alerts`)).status).toBe(200)
    expect(stream.ended).toBe(false)
    await expectServing(server)
  })

  it('answers a request target that is not a path with 400: //[ and http://a:99999/', async () => {
    for (const target of ['//[', 'http://a:99999/', 'http://a:99999/api/v1/sse/status', '*']) {
      const answer = await rawGet(server.port, target)
      expect(answer.status, target).toBe(400)
      expect(answer.head.toLowerCase()).toContain('x-content-type-options: nosniff')
    }
    await expectServing(server)
  })

  it('refuses a 1,040,000-character message at publish, stating the bound', async () => {
    const answer = await fetch(
      `${server.url}/api/v1/publish/alerts`,
      json(alert(1, 'x'.repeat(1_040_000)), { Authorization: `Bearer ${PUBLISH}` }),
    )
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: 'limit_exceeded',
      detail: `message: string of 1,040,000 characters; at most ${MAX_STRING_CHARS.toLocaleString('en-US')}`,
    })
    const history = await requestJson(`${server.url}/api/v1/sse/alerts/history`)
    expect(history.body).toMatchObject({ events: [] })
  })

  it('refuses bodies that are not application/json with 415', async () => {
    const answer = await fetch(`${server.url}/api/v1/publish/alerts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${PUBLISH}`, 'Content-Type': 'text/plain' },
      body: JSON.stringify(alert(1)),
    })
    expect(answer.status).toBe(415)
    expect(await answer.json()).toMatchObject({ error: 'unsupported_media_type' })
  })

  it('answers a body over 1 MiB with 413 before reading it', async () => {
    const head = (extra: string) =>
      `POST /api/v1/publish/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${PUBLISH}\r\n` +
      `Content-Type: application/json\r\n${extra}\r\n`
    // Declared too large: the answer comes although not one body byte was sent.
    const declared = await rawRequest(server.port, head('Content-Length: 2097152\r\n'))
    expect(declared.status).toBe(413)
    expect(declared.head.toLowerCase()).toContain('connection: close')
    // Chunked, no length: refused as soon as the count passes 1 MiB, while more is still coming.
    const chunk = Buffer.from(`10000\r\n${'a'.repeat(0x10000)}\r\n`)
    const chunked = await rawRequest(
      server.port,
      head('Transfer-Encoding: chunked\r\n'),
      Array.from({ length: 24 }, () => chunk),
    )
    expect(chunked.status).toBe(413)
    await expectServing(server)
  })

  it('refuses a history limit over 1000 instead of cutting it', async () => {
    const answer = await requestJson(`${server.url}/api/v1/sse/alerts/history?limit=1001`)
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ detail: 'limit must be an integer from 1 to 1000' })
  })

  it('sends nosniff on JSON answers and streams', async () => {
    const status = await fetch(`${server.url}/api/v1/sse/status`)
    expect(status.headers.get('x-content-type-options')).toBe('nosniff')
    const missing = await fetch(`${server.url}/elsewhere`)
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff')
    const stream = await open(`${server.url}/api/v1/sse/stream?channels=alerts`)
    expect(stream.headers.get('x-content-type-options')).toBe('nosniff')
  })
})

describe('a dev start', () => {
  let server: ServerProcess
  const dev = { Authorization: `Bearer ${DEV}` }
  const reader = { Authorization: `Bearer ${READER}` }

  beforeAll(async () => {
    server = await backend([
      '--dev',
      '--dev-token',
      DEV,
      '--auth-token',
      READER,
      '--no-simulate',
      '--heartbeat',
      '1',
    ])
  })

  it("keeps the dev controls behind their own token, never the readers'", async () => {
    const stream = await open(`${server.url}/api/v1/sse/alerts`, reader)
    for (const auth of [{}, reader]) {
      const answer = await fetch(`${server.url}/api/v1/dev/faults`, json({ status204: true }, auth))
      expect(answer.status).toBe(401)
    }
    const drop = await fetch(`${server.url}/api/v1/dev/drop`, json('', reader))
    expect(drop.status).toBe(401)
    expect(stream.ended).toBe(false)
    const faults = await requestJson(`${server.url}/api/v1/dev/faults`, { headers: dev })
    expect(faults.body).toMatchObject({ status204: false })
    // With the dev token, the body type still has to be JSON.
    const plain = await fetch(`${server.url}/api/v1/dev/faults`, {
      method: 'POST',
      headers: { ...dev, 'Content-Type': 'text/plain' },
      body: '{"status204": true}',
    })
    expect(plain.status).toBe(415)
  })

  it('refuses POST /dev/rates {"dashboard": 1e17} with the real bound, and keeps serving', async () => {
    const answer = await fetch(`${server.url}/api/v1/dev/rates`, json('{"dashboard": 1e17}', dev))
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: 'bad_rates',
      detail: `rate of dashboard must be a number from 0 to ${MAX_RATE_PER_CHANNEL} (events per second)`,
    })
    const rates = await requestJson(`${server.url}/api/v1/dev/rates`, { headers: dev })
    expect(rates.body).toMatchObject({ dashboard: 2 })
    await expectServing(server, reader)
  })

  it('refuses a deeply nested or oversized emitted event with the bound, and keeps serving', async () => {
    const stream = await open(`${server.url}/api/v1/sse/stream?channels=alerts`, reader)
    const nested = await fetch(
      `${server.url}/api/v1/dev/emit`,
      json(`{"channel":"alerts","data":{"deep":${deepText(100_000)}}}`, dev),
    )
    expect(nested.status).toBe(400)
    expect(await nested.json()).toEqual({
      error: 'limit_exceeded',
      detail: `deep${'.0'.repeat(MAX_NESTING_DEPTH - 1)}: nested ${MAX_NESTING_DEPTH + 1} levels deep; at most ${MAX_NESTING_DEPTH}`,
    })
    const raw = await fetch(
      `${server.url}/api/v1/dev/emit`,
      json({ channel: 'alerts', data: deepText(100) }, dev),
    )
    expect(raw.status).toBe(400)
    expect(await raw.json()).toMatchObject({ detail: expect.stringMatching(/at most 32$/) })
    const big = await fetch(
      `${server.url}/api/v1/dev/emit`,
      json({ channel: 'alerts', data: 'x'.repeat(MAX_EVENT_DATA_CHARS + 1) }, dev),
    )
    expect(big.status).toBe(400)
    expect(await big.json()).toMatchObject({
      detail: expect.stringContaining(`at most ${MAX_EVENT_DATA_CHARS.toLocaleString('en-US')}`),
    })
    const fine = await requestJson(`${server.url}/api/v1/dev/emit`, {
      body: { channel: 'alerts', data: alert(1) },
      headers: dev,
    })
    expect(fine.status).toBe(200)
    await stream.until(() => ids(stream).length === 1)
    expect(stream.ended).toBe(false)
    await expectServing(server, reader)
  })
})

describe('behind a reverse proxy', () => {
  it('ignores X-Real-IP and X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const untrusted = await backend([
      '--no-simulate',
      '--max-clients-per-ip',
      '1',
      '--trust-proxy',
      '10.9.9.9',
    ])
    const first = await open(`${untrusted.url}/api/v1/sse/alerts`, { 'X-Real-IP': '10.0.0.1' })
    expect(first.status).toBe(200)
    for (const header of ['X-Real-IP', 'X-Forwarded-For']) {
      const second = await requestJson(`${untrusted.url}/api/v1/sse/alerts`, {
        headers: { [header]: '10.0.0.2' },
      })
      expect(second.status, header).toBe(429)
    }
    // The same headers from a trusted proxy do name the client.
    const trusted = await backend([
      '--no-simulate',
      '--max-clients-per-ip',
      '1',
      '--trust-proxy',
      '127.0.0.1',
    ])
    expect(
      (await open(`${trusted.url}/api/v1/sse/alerts`, { 'X-Real-IP': '10.0.0.1' })).status,
    ).toBe(200)
    expect(
      (await open(`${trusted.url}/api/v1/sse/alerts`, { 'X-Real-IP': '10.0.0.2' })).status,
    ).toBe(200)
    const forwarded = await open(`${trusted.url}/api/v1/sse/alerts`, {
      'X-Forwarded-For': '203.0.113.7, 127.0.0.1',
    })
    expect(forwarded.status).toBe(200)
  })
})

describe('an event too deep to serialize (in memory)', () => {
  let server: DevBackendServer

  afterEach(async () => {
    vi.restoreAllMocks()
    await server?.close()
  })

  it('is dropped and logged; live, resuming and history readers carry on', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    server = await startDevBackend({ simulate: false, heartbeatSeconds: 0.3 })
    const mux = `${server.url}/api/v1/sse/stream?channels=alerts,training`
    const first = server.backend.emit('alerts', 'risk_alert', alert(1))
    const live = await open(mux)
    await live.until(() => live.events.some((e) => e.event === 'connected'))
    // In through the unchecked in-process API (HTTP publishing refuses it): JSON.stringify of it
    // overflows the stack when the multiplexed stream adds `channel`.
    server.backend.emit('alerts', 'risk_alert', `{"deep":${deepText(200_000)}}`)
    const after = server.backend.emit('alerts', 'risk_alert', alert(3))
    await live.until(() => ids(live).includes(after))
    expect(ids(live)).toEqual([after])
    const resumed = await open(mux, { 'Last-Event-ID': first })
    await resumed.until(() => ids(resumed).includes(after))
    const next = server.backend.emit('training', 'training_progress', { n: 4 })
    await resumed.until(() => ids(resumed).includes(next))
    expect(ids(resumed)).toEqual([after, next])
    expect(resumed.ended).toBe(false)
    const history = await requestJson(`${server.url}/api/v1/sse/alerts/history?after=0`)
    expect(history.status).toBe(200)
    expect((history.body as { events: { id: string }[] }).events.map((e) => e.id)).toEqual(
      expect.arrayContaining([first, after]),
    )
    expect(warn.mock.calls.flat().join('\n')).toMatch(/dropped event 2 \(alerts, risk_alert\)/)
  })
})

describe('an event too deep to serialize (Redis)', () => {
  let redis: RedisServer
  let server: ServerProcess
  let client: Redis

  beforeAll(async () => {
    redis = await startRedisServer()
    client = new Redis(redis.url)
    server = await backend([
      '--redis-url',
      redis.url,
      '--no-simulate',
      '--publish-token',
      PUBLISH,
      '--heartbeat',
      '1',
    ])
  })

  afterAll(async () => {
    await server?.stop()
    client?.disconnect()
    await redis?.close()
  })

  it('is dropped and logged by the reader; the instance and its streams carry on', async () => {
    const auth = { Authorization: `Bearer ${PUBLISH}` }
    const publish = async (n: number): Promise<string> => {
      const answer = await requestJson(`${server.url}/api/v1/publish/alerts`, {
        body: alert(n),
        headers: auth,
      })
      expect(answer.status).toBe(200)
      return (answer.body as { id: string }).id
    }
    await server.waitForLog((log) => log.includes('Redis: connected, reading the channel streams'))
    const mux = `${server.url}/api/v1/sse/stream?channels=alerts,training`
    const live = await open(mux)
    const first = await publish(1)
    await live.until(() => ids(live).includes(first), 10_000)
    // Written by another producer straight into the stream, past the server's publish checks.
    const deep = String(
      await client.xadd(
        '{rtm}:alerts',
        '*',
        'event',
        'risk_alert',
        'data',
        `{"deep":${deepText(200_000)}}`,
      ),
    )
    const after = await publish(3)
    await live.until(() => ids(live).includes(after), 10_000)
    expect(ids(live)).toEqual([first, after])
    await server.waitForLog((log) => log.includes(`dropped event ${deep} (alerts, risk_alert)`))
    const resumed = await open(mux, { 'Last-Event-ID': first })
    await resumed.until(() => ids(resumed).includes(after), 10_000)
    const next = await publish(4)
    await resumed.until(() => ids(resumed).includes(next), 10_000)
    expect(ids(resumed)).toEqual([after, next])
    expect(live.ended || resumed.ended).toBe(false)
    await expectServing(server)
  })
})

describe('the preview server', () => {
  it('answers a malformed percent-escape with 400 and keeps serving', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rtm-preview-'))
    writeFileSync(join(root, 'index.html'), '<!doctype html><p>app</p>')
    writeFileSync(join(root, '404.html'), '<!doctype html><p>404</p>')
    const preview = await spawnServer('server/preview.ts', ['--root', root])
    processes.push(preview)
    for (const target of ['/%E0%A4%A', '/%', '//[', 'http://a:99999/']) {
      const answer = await rawGet(preview.port, target)
      expect(answer.status, target).toBe(400)
    }
    expect(preview.alive()).toBe(true)
    const page = await fetch(`${preview.url}/market/realtime`)
    expect(page.status).toBe(200)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
