// The FastAPI backend kit on a real redis-server shared with the Node server: the same keys, ids
// and publish script, so `npm run publish` reaches its clients, and a kit process killed and
// restarted mid-stream resumes a client with every event exactly once.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { EventSourceMessage } from 'eventsource-parser'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PUBLISH_SCRIPT } from '../../server/redisEntries.ts'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { samplePayload } from '../support/clientHarness.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
  type SseReader,
} from '../support/devBackend.ts'
import { jsonSchemaErrors, startFastapiKit, type FastapiKit } from '../support/fastapiKit.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'

vi.setConfig({ testTimeout: 60_000 })

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TOKEN = 'publish-secret'

let redis: RedisServer
let node: DevBackendServer
let kit: FastapiKit

beforeAll(async () => {
  redis = await startRedisServer()
  node = await startDevBackend({ redisUrl: redis.url, simulate: false, publishToken: TOKEN })
  await node.backend.ready()
  kit = await startFastapiKit({ redisUrl: redis.url, heartbeatSeconds: 1 })
}, 60_000)

afterAll(async () => {
  await kit?.stop()
  await node?.close()
  await redis?.close()
})

/** `npm run publish` against the Node server; resolves with the id it printed. */
function publishCli(channel: Channel, payload: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', 'server/publishCli.ts', '--url', node.url, '--token', TOKEN]
    const child = spawn(process.execPath, [...args, channel, JSON.stringify(payload)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`publish exited ${code}: ${err}`)),
    )
  })
}

const sortIds = (ids: string[]): string[] =>
  [...ids].sort((a, b) => {
    const [am, as] = a.split('-').map(Number) as [number, number]
    const [bm, bs] = b.split('-').map(Number) as [number, number]
    return am - bm || as - bs
  })

/** Every entry id in the four channel streams, in the one order they share. */
async function idsInRedis(): Promise<string[]> {
  const client = new Redis(redis.url)
  try {
    const ids: string[] = []
    for (const channel of CHANNELS) {
      const entries = (await client.xrange(`{rtm}:${channel}`, '-', '+')) as [string, string[]][]
      ids.push(...entries.map(([id]) => id))
    }
    return sortIds(ids)
  } finally {
    client.disconnect()
  }
}

/**
 * A client that reconnects at once whenever its stream ends, offering the last id it saw, as the
 * app does; `events` has every event of every connection in order.
 */
function resumingClient(url: string) {
  const state = {
    events: [] as EventSourceMessage[],
    lastId: undefined as string | undefined,
    connections: 0,
    stopped: false,
    current: undefined as SseReader | undefined,
  }
  const done = (async () => {
    while (!state.stopped) {
      let reader: SseReader
      try {
        reader = await openSse(url, state.lastId ? { 'Last-Event-ID': state.lastId } : {})
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50)) // the kit is down: try again
        continue
      }
      if (reader.status !== 200) {
        reader.close()
        await new Promise((resolve) => setTimeout(resolve, 50))
        continue
      }
      state.connections += 1
      state.current = reader
      let taken = 0
      // Called on every chunk: moves the new events over, and ends when the stream does.
      await reader
        .until(() => {
          for (; taken < reader.events.length; taken += 1) {
            const event = reader.events[taken] as EventSourceMessage
            state.events.push(event)
            if (event.id) state.lastId = event.id
          }
          return reader.ended || state.stopped
        }, 120_000)
        .catch(() => {})
      reader.close()
    }
  })()
  return {
    state,
    async stop() {
      state.stopped = true
      state.current?.close()
      await done
    },
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the FastAPI backend kit on Redis', () => {
  it('publishes with the very script the Node server uses', () => {
    const lua = readFileSync(`${ROOT}examples/fastapi/publish.lua`, 'utf8')
    const code = lua
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
    expect(code.trim()).toBe(PUBLISH_SCRIPT.trim())
  })

  it('says it serves live data, with history and multiplex', async () => {
    const { body } = await requestJson(`${kit.url}/api/v1/sse/status`)
    expect(body).toMatchObject({ status: 'ok', multiplex: true, history: 1000, data: 'live' })
  })

  it('serves what `npm run publish` sent through the Node server, with the same id', async () => {
    const stream = await openSse(`${kit.url}/api/v1/sse/stream?channels=alerts`)
    await stream.until(() => stream.events.some((event) => event.event === 'connected'), 10_000)
    const { data } = samplePayload('alerts', 1)
    const id = await publishCli('alerts', data)
    expect(id).toMatch(/^\d+-\d+$/)
    await stream.until(() => stream.events.some((event) => event.id === id), 10_000)
    stream.close()
    const event = stream.events.find((item) => item.id === id)
    expect(event?.event).toBe('risk_alert')
    expect(JSON.parse(event?.data ?? '{}')).toEqual({ ...data, channel: 'alerts' })

    const fromKit = await requestJson(`${kit.url}/api/v1/sse/alerts/history?limit=10`)
    const fromNode = await requestJson(`${node.url}/api/v1/sse/alerts/history?limit=10`)
    expect(fromKit.body).toEqual(fromNode.body)
    expect((fromKit.body as { latest_id: string }).latest_id).toBe(id)
  })

  it('says reset for an id older than what Redis remembers or newer than its newest', async () => {
    const { data } = samplePayload('alerts', 2)
    await node.backend.publish('alerts', 'risk_alert', data)
    for (const [cursor, reason] of [
      ['1-1', /lost its data/],
      ['99999999999999-0', /unknown last event id/],
    ] as const) {
      const stream = await openSse(`${kit.url}/api/v1/sse/alerts`, { 'Last-Event-ID': cursor })
      await stream.until(() => stream.events.length >= 2, 10_000)
      stream.close()
      expect(stream.events[1]?.event).toBe('reset')
      expect(JSON.parse(stream.events[1]?.data ?? '{}')).toMatchObject({
        reason: expect.stringMatching(reason),
      })
    }
    // History says so too: from the oldest event it has, or nothing for an id it never had.
    const older = await requestJson(`${kit.url}/api/v1/sse/alerts/history?after=1-1&limit=1`)
    const oldest = await requestJson(`${node.url}/api/v1/sse/alerts/history?after=1-1&limit=1`)
    expect(older.body).toMatchObject({ truncated: true, events: [{ event: 'risk_alert' }] })
    expect(older.body).toEqual(oldest.body)
    const future = await requestJson(`${kit.url}/api/v1/sse/alerts/history?after=99999999999999-0`)
    expect(future.body).toMatchObject({ events: [], truncated: true })
  })

  it('killed and restarted mid-stream, resumes its client with 0 lost and 0 repeated', async () => {
    const url = `${kit.url}/api/v1/sse/stream?channels=${CHANNELS.join(',')}`
    const client = resumingClient(url)
    const channelEvents = () => client.state.events.filter((event) => event.id)
    await until(() => client.state.connections === 1 && client.state.events.length > 0)
    const start = (await idsInRedis()).at(-1) // the client has nothing before this
    let n = 100
    let producing = true
    let published = 0
    // An independent producer: the Node server publishing into the same Redis, all along.
    const producer = (async () => {
      while (producing) {
        for (const channel of CHANNELS) {
          const { type, data } = samplePayload(channel, (n += 1))
          await node.backend.publish(channel, type, data)
          published += 1
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()

    await until(() => channelEvents().length >= 60)
    await kit.kill()
    const atKill = published
    await until(() => published >= atKill + 60) // events keep coming while the kit is away
    await kit.restart()
    await until(() => client.state.connections >= 2)
    const target = (await idsInRedis()).at(-1) ?? ''
    await until(
      () => client.state.lastId === target || channelEvents().some((e) => e.id === target),
    )
    producing = false
    await producer
    await client.stop()

    const inRedis = await idsInRedis()
    const from = start === undefined ? 0 : inRedis.indexOf(start) + 1
    const want = inRedis.slice(from, inRedis.indexOf(target) + 1)
    const got = channelEvents().map((event) => event.id ?? '')
    const upToTarget = got.slice(0, got.indexOf(target) + 1)
    expect(want.length).toBeGreaterThan(120)
    expect(upToTarget.length).toBe(want.length) // 0 lost, 0 repeated …
    expect(upToTarget).toEqual(want) // … and in order
    expect(new Set(got).size).toBe(got.length)
    expect(client.state.events.filter((event) => event.event === 'reset')).toEqual([])
    expect(
      jsonSchemaErrors(
        client.state.events.map((event) => ({
          schema: `docs/schemas/${event.event}.json`,
          instance: JSON.parse(event.data) as unknown,
        })),
      ),
    ).toEqual([])
  })
})
