// A production start never invents data: the real server process, in memory and on a real
// redis-server, writes no event on its own; `--demo` simulates under its own Redis prefix and says
// "demo" in its status; a start that would mix invented and real events refuses with the reason.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { CHANNELS } from '../../src/protocol/contract.ts'
import { spawnBackend, type ServerProcess } from '../hardening/node/serverProcess.ts'
import { samplePayload } from '../support/clientHarness.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const TOKEN = 'publish-secret'
/** How long a start with no producer is watched for events it must not write. */
const QUIET_MS = 5000

let server: ServerProcess | undefined
let redis: RedisServer | undefined
let client: Redis | undefined

afterEach(async () => {
  await server?.stop()
  server = undefined
  client?.disconnect()
  client = undefined
  await redis?.close()
  redis = undefined
})

interface Status {
  data: string
  simulator: string
  stream_lengths: Record<string, number> | null
}

async function status(url: string): Promise<Status> {
  const response = await fetch(`${url}/api/v1/sse/status`)
  expect(response.status).toBe(200)
  return (await response.json()) as Status
}

/** Calls `check` every 250 ms for `ms`: the condition must hold the whole time, not once. */
async function holdsFor(ms: number, check: () => Promise<void>): Promise<number> {
  const end = Date.now() + ms
  let checks = 0
  while (Date.now() < end) {
    await check()
    checks += 1
    await new Promise((done) => setTimeout(done, 250))
  }
  await check()
  return checks + 1
}

/** Every stream key in this Redis with its length, whatever its prefix. */
async function streamLengths(redisClient: Redis): Promise<Record<string, number>> {
  const lengths: Record<string, number> = {}
  for (const key of await redisClient.keys('*')) {
    if ((await redisClient.type(key)) === 'stream') lengths[key] = await redisClient.xlen(key)
  }
  return lengths
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > end) throw new Error(`condition not met; last value ${JSON.stringify(value)}`)
    await new Promise((done) => setTimeout(done, 100))
  }
}

/** Runs the server to its end (it must refuse to start); resolves with its exit code and output. */
function runToExit(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    execFile(
      resolve(ROOT, 'node_modules/.bin/tsx'),
      ['server/main.ts', '--host', '127.0.0.1', '--port', '0', ...args],
      { cwd: ROOT, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? null) : 0
        done({ code: typeof code === 'number' ? code : null, output: stdout + stderr })
      },
    )
  })
}

async function publishAlert(url: string, n: number): Promise<void> {
  const response = await fetch(`${url}/api/v1/publish/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(samplePayload('alerts', n).data),
  })
  expect(response.status).toBe(200)
}

describe('a production start', () => {
  it('in memory writes no event of its own and says its data is live', async () => {
    server = await spawnBackend(['--heartbeat', '1'])
    const url = server.url
    const checks = await holdsFor(QUIET_MS, async () => {
      const body = await status(url)
      expect(body.data).toBe('live')
      expect(body.simulator).toBe('off')
      expect(body.stream_lengths).toEqual(Object.fromEntries(CHANNELS.map((c) => [c, 0])))
    })
    expect(checks).toBeGreaterThan(5)
    for (const channel of CHANNELS) {
      const history = await fetch(`${url}/api/v1/sse/${channel}/history?limit=100`)
      expect(((await history.json()) as { events: unknown[] }).events).toEqual([])
    }
  }, 30_000)

  it('on Redis writes no event under any key, and serves what a producer publishes', async () => {
    redis = await startRedisServer()
    client = new Redis(redis.url)
    server = await spawnBackend(['--redis-url', redis.url, '--publish-token', TOKEN])
    await server.waitForLog((log) => log.includes('Redis: connected'))
    const url = server.url
    await holdsFor(QUIET_MS, async () => {
      for (const length of Object.values(await streamLengths(client as Redis))) {
        expect(length).toBe(0)
      }
      expect((await status(url)).data).toBe('live')
    })
    await publishAlert(url, 1)
    const lengths = await streamLengths(client)
    expect(lengths).toEqual({ '{rtm}:alerts': 1 })
  }, 30_000)

  it('refuses a Redis prefix that holds demo data', async () => {
    redis = await startRedisServer()
    server = await spawnBackend(['--demo', '--redis-url', redis.url, '--rates', 'alerts=20'])
    client = new Redis(redis.url)
    await waitFor(
      () => client!.xlen('{rtm-demo}:alerts'),
      (n) => n > 0,
    )
    const refused = await runToExit(['--redis-url', redis.url, '--redis-prefix', 'rtm-demo'])
    expect(refused.code).toBe(1)
    expect(refused.output).toMatch(/prefix "rtm-demo" holds demo data/)
  }, 40_000)
})

describe('a demo start', () => {
  it('in memory simulates and its status says demo', async () => {
    server = await spawnBackend(['--demo', '--rates', 'alerts=20'])
    const url = server.url
    const body = await waitFor(
      () => status(url),
      (value) => (value.stream_lengths?.alerts ?? 0) > 0,
    )
    expect(body.data).toBe('demo')
    expect(body.simulator).toBe('running')
    // A demo deployment has no dev controls.
    expect((await fetch(`${url}/api/v1/dev/faults`, { method: 'POST', body: '{}' })).status).toBe(
      404,
    )
  }, 30_000)

  it('on Redis writes under its own prefix only', async () => {
    redis = await startRedisServer()
    client = new Redis(redis.url)
    server = await spawnBackend(['--demo', '--redis-url', redis.url, '--rates', 'alerts=20'])
    const url = server.url
    await waitFor(
      () => client!.xlen('{rtm-demo}:alerts'),
      (n) => n > 2,
    )
    expect((await status(url)).data).toBe('demo')
    const lengths = await streamLengths(client)
    expect(Object.keys(lengths).filter((key) => !key.startsWith('{rtm-demo}:'))).toEqual([])
    expect(await client.get('{rtm-demo}:data')).toBe('demo')
  }, 30_000)

  it('exits with the reason against a prefix that holds published events', async () => {
    redis = await startRedisServer()
    client = new Redis(redis.url)
    server = await spawnBackend(['--redis-url', redis.url, '--publish-token', TOKEN])
    await server.waitForLog((log) => log.includes('Redis: connected'))
    await publishAlert(server.url, 1)
    await publishAlert(server.url, 2)
    await server.stop()
    server = undefined
    // Events a producer wrote before any server marked the prefix count as real too.
    await client.del('{rtm}:data')

    const refused = await runToExit(['--demo', '--redis-url', redis.url, '--redis-prefix', 'rtm'])
    expect(refused.code).toBe(1)
    expect(refused.output).toMatch(/prefix "rtm" already holds 2 published events/)
    expect(await client.xlen('{rtm}:alerts')).toBe(2)
    expect(await client.xlen('{rtm}:dashboard')).toBe(0)

    await client.set('{rtm}:data', 'live')
    const marked = await runToExit(['--demo', '--redis-url', redis.url, '--redis-prefix', 'rtm'])
    expect(marked.code).toBe(1)
    expect(marked.output).toMatch(/belongs to a production deployment/)
  }, 40_000)

  it('is explained in one place by --help', async () => {
    const help = await runToExit(['--help'])
    expect(help.code).toBe(0)
    expect(help.output).toMatch(/never invents data/)
    expect(help.output).toMatch(/--demo/)
    expect(help.output).toMatch(/rtm-demo/)
  })
})
