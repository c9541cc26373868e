// The server's log (`npm start`): JSON lines, one per request and per stream opened and closed,
// the client address named by a trusted proxy, and never a token, right or wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { samplePayload } from '../support/clientHarness.ts'
import { openSse, requestJson } from '../support/devBackend.ts'
import { spawnBackend, type ServerProcess } from '../hardening/node/serverProcess.ts'

const READER = 'reader-token-4b1c9e'
const PRODUCER = 'producer-token-77aa01'
const SCRAPER = 'scraper-token-d3f5a2'
const WRONG = 'wrong-token-0c8e6b'
let server: ServerProcess

beforeAll(async () => {
  server = await spawnBackend([
    '--auth-token',
    READER,
    '--publish-token',
    PRODUCER,
    '--metrics-token',
    SCRAPER,
    '--trust-proxy',
    '127.0.0.1',
    '--log-level',
    'debug',
    '--heartbeat',
    '1',
  ])
}, 30_000)

afterAll(async () => {
  await server?.stop()
})

type Line = Record<string, unknown> & { msg: string; level: string; time: string }

/** Every line of the log, each parsed as JSON (a line that is not JSON fails the test). */
function lines(): Line[] {
  return server.log
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Line
      } catch {
        throw new Error(`not a JSON line: ${line}`)
      }
    })
}

describe('the log', () => {
  it('has a JSON line per request and per stream, and no token in any of them', async () => {
    const url = server.url
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
    const proxied = { ...bearer(READER), 'X-Real-IP': '203.0.113.9' }
    const stream = await openSse(
      `${url}/api/v1/sse/stream?channels=alerts&client_id=desk-7`,
      proxied,
    )
    await stream.until(() => stream.events.some((event) => event.event === 'connected'), 10_000)
    const published = await requestJson(`${url}/api/v1/publish/alerts`, {
      body: samplePayload('alerts', 1).data,
      headers: bearer(PRODUCER),
    })
    expect(published.status).toBe(200)
    const { id } = published.body as { id: string }
    await stream.until(() => stream.events.some((event) => event.id === id), 10_000)
    stream.close()
    // Wrong tokens in every place a token goes: they must not be logged either.
    expect((await fetch(`${url}/api/v1/sse/status`, { headers: bearer(WRONG) })).status).toBe(401)
    const wrongPublish = await requestJson(`${url}/api/v1/publish/alerts`, {
      body: samplePayload('alerts', 2).data,
      headers: bearer(WRONG),
    })
    expect(wrongPublish.status).toBe(401)
    expect((await fetch(`${url}/metrics`, { headers: bearer(WRONG) })).status).toBe(401)
    expect((await fetch(`${url}/metrics`, { headers: bearer(SCRAPER) })).status).toBe(200)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    await server.waitForLog((log) => log.includes('"msg":"stream closed"'))
    await server.waitForLog((log) => log.includes('"path":"/readyz"'))

    const all = lines()
    for (const line of all) {
      expect(typeof line.time).toBe('string')
      expect(typeof line.level).toBe('string')
    }
    const requests = all.filter((line) => line.msg === 'request')
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: '/api/v1/publish/alerts',
        status: 200,
        level: 'info',
        client: '127.0.0.1',
      }),
    )
    expect(requests).toContainEqual(
      expect.objectContaining({
        path: '/api/v1/publish/alerts',
        status: 401,
        error: 'unauthorized',
      }),
    )
    expect(requests).toContainEqual(
      expect.objectContaining({ path: '/readyz', status: 200, level: 'debug' }),
    )
    expect(requests.every((line) => typeof line.duration_ms === 'number')).toBe(true)
    const opened = all.find((line) => line.msg === 'stream opened')
    expect(opened).toMatchObject({
      stream: 'desk-7',
      kind: 'multiplexed',
      channels: ['alerts'],
      client: '203.0.113.9',
      resumed: false,
    })
    const closed = all.find((line) => line.msg === 'stream closed')
    expect(closed).toMatchObject({
      stream: 'desk-7',
      client: '203.0.113.9',
      events: 1,
      reason: 'client',
    })
    expect(closed?.duration_ms).toBeGreaterThan(0)

    for (const token of [READER, PRODUCER, SCRAPER, WRONG]) expect(server.log).not.toContain(token)
    expect(server.log).not.toMatch(/authorization|bearer/i)
  })
})
