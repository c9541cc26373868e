// SIGTERM on one of two Redis-backed instances while events flow: its clients are told when to come
// back (`retry:` with jitter), resume on the other instance, and miss and repeat nothing.
import type { EventSourceMessage } from 'eventsource-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Channel } from '../../src/protocol/contract.ts'
import { samplePayload } from '../support/clientHarness.ts'
import { openSse, requestJson, type SseReader } from '../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'
import { spawnBackend, type ServerProcess } from '../hardening/node/serverProcess.ts'

const TOKEN = 'drain-publish-token'
const SHUTDOWN_RETRY_MS = 600
let redis: RedisServer
let first: ServerProcess
let second: ServerProcess

const instance = (): Promise<ServerProcess> =>
  spawnBackend([
    '--redis-url',
    redis.url,
    '--publish-token',
    TOKEN,
    '--shutdown-retry',
    String(SHUTDOWN_RETRY_MS),
    '--shutdown-timeout',
    '5',
    '--heartbeat',
    '1',
  ])

beforeAll(async () => {
  redis = await startRedisServer()
  ;[first, second] = await Promise.all([instance(), instance()])
  await Promise.all(
    [first, second].map((server) =>
      server.waitForLog((log) => log.includes('Redis: connected, reading the channel streams')),
    ),
  )
}, 60_000)

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()])
  await redis?.close()
})

/**
 * A client behind a load balancer that tries the instances in order (nginx's
 * `proxy_next_upstream error http_503`), resuming from its last id and waiting what `retry:` said.
 */
class ResumingClient {
  readonly ids: string[] = []
  readonly retries: number[] = []
  readonly resets: EventSourceMessage[] = []
  /** The instance each connection landed on. */
  readonly servedBy: string[] = []
  private reader: SseReader | undefined
  private stopped = false
  private seen = 0
  readonly done: Promise<void>

  constructor(
    readonly path: string,
    readonly upstreams: () => string[],
  ) {
    this.done = this.run()
  }

  get connected(): boolean {
    return this.reader !== undefined && !this.reader.ended
  }

  stop(): void {
    this.stopped = true
    this.reader?.close()
  }

  private take(reader: SseReader): void {
    for (const event of reader.events.slice(this.seen)) {
      if (event.event === 'reset') this.resets.push(event)
      else if (event.id !== undefined) this.ids.push(event.id)
    }
    this.seen = reader.events.length
  }

  private async connect(): Promise<SseReader | undefined> {
    const last = this.ids.at(-1)
    const headers: Record<string, string> = last === undefined ? {} : { 'Last-Event-ID': last }
    for (const upstream of this.upstreams()) {
      try {
        const reader = await openSse(`${upstream}${this.path}`, headers)
        if (reader.status === 200) {
          this.servedBy.push(upstream)
          return reader
        }
        reader.close()
      } catch {
        // Refused: the instance is gone; try the next one.
      }
    }
    return undefined
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const reader = await this.connect()
      if (reader === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        continue
      }
      this.reader = reader
      this.seen = 0
      await reader.until(() => {
        this.take(reader)
        return reader.ended || this.stopped
      }, 120_000)
      this.take(reader)
      const retry = reader.retries.at(-1)
      if (retry !== undefined) this.retries.push(retry)
      // What an EventSource does: wait the server's `retry:` before reconnecting.
      if (!this.stopped && retry !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, retry))
      }
    }
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('SIGTERM on one of two Redis-backed instances', () => {
  it('moves its clients to the other instance with 0 lost and 0 repeated', async () => {
    const channels: Channel[] = ['alerts', 'training', 'backtest']
    const published: { id: string; channel: Channel }[] = []
    let n = 0
    const publishOne = async (): Promise<void> => {
      const channel = channels[n % channels.length] as Channel
      n += 1
      const answer = await requestJson(`${second.url}/api/v1/publish/${channel}`, {
        body: samplePayload(channel, n).data,
        headers: { Authorization: `Bearer ${TOKEN}` },
      })
      expect(answer.status).toBe(200)
      published.push({ id: (answer.body as { id: string }).id, channel })
    }

    // Both instances behind the balancer; the first one takes every new stream while it is up.
    const upstreams = () => [first.url, second.url]
    const clients = [
      ...Array.from(
        { length: 4 },
        () => new ResumingClient('/api/v1/sse/stream?channels=alerts,training,backtest', upstreams),
      ),
      new ResumingClient('/api/v1/sse/alerts', upstreams),
      new ResumingClient('/api/v1/sse/training', upstreams),
    ]
    const wants = (client: ResumingClient, channel: Channel): boolean =>
      client.path.includes(channel)
    const expected = (client: ResumingClient): string[] =>
      published.filter((event) => wants(client, event.channel)).map((event) => event.id)
    const caughtUp = (): boolean =>
      clients.every((client) => client.ids.length === expected(client).length)

    try {
      await waitFor(
        () => clients.every((client) => client.connected),
        'clients on the first instance',
      )
      for (let i = 0; i < 12; i += 1) await publishOne()
      await waitFor(caughtUp, 'the first events')

      // Events keep flowing through the second instance while the first one stops.
      let producing = true
      const producer = (async () => {
        while (producing) {
          await publishOne()
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      })()
      const stopStarted = Date.now()
      const stopped = first.stop()
      await first.waitForLog((log) => log.includes('"msg":"stopped"'), 15_000)
      await stopped
      const stopMs = Date.now() - stopStarted
      await waitFor(
        () => clients.every((client) => client.servedBy.at(-1) === second.url && client.connected),
        'every client on the second instance',
      )
      producing = false
      await producer
      for (let i = 0; i < 12; i += 1) await publishOne()
      await waitFor(caughtUp, 'every event on every client')

      expect(first.alive()).toBe(false)
      expect(stopMs).toBeLessThan(5000 + 2000 + 1000)
      for (const client of clients) {
        expect(client.servedBy).toEqual([first.url, second.url])
        expect(client.resets).toEqual([])
        // Exactly what was published on its channels, in order: nothing lost, nothing twice.
        expect(client.ids).toEqual(expected(client))
        expect(client.retries).toHaveLength(1)
        expect(client.retries[0]).toBeGreaterThanOrEqual(SHUTDOWN_RETRY_MS / 10)
        expect(client.retries[0]).toBeLessThanOrEqual(SHUTDOWN_RETRY_MS)
      }
      expect(published.length).toBeGreaterThan(24)
      expect(first.log).toMatch(/"msg":"SIGTERM: closing 6 streams and exiting"/)
    } finally {
      for (const client of clients) client.stop()
      await Promise.all(clients.map((client) => client.done))
    }
  }, 90_000)
})
