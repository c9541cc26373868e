// Two instances on one Redis behind a switchable proxy: the real client moves from A to B
// mid-stream and resumes with no event lost or repeated, on both stream kinds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { createHarness, samplePayload, type Harness } from '../support/clientHarness.ts'
import { requestJson, startDevBackend, type DevBackendServer } from '../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts'

const TOKEN = 'producer-secret'
let redis: RedisServer
let a: DevBackendServer
let b: DevBackendServer
let proxy: TcpProxy
let harness: Harness | undefined

async function instance(): Promise<DevBackendServer> {
  const server = await startDevBackend({
    redisUrl: redis.url,
    publishToken: TOKEN,
    simulate: false,
    heartbeatSeconds: 0.3,
  })
  await server.backend.ready()
  return server
}

beforeEach(async () => {
  redis = await startRedisServer()
  a = await instance()
  b = await instance()
  proxy = await startTcpProxy(a.port)
})

afterEach(async () => {
  harness?.close()
  harness = undefined
  await proxy?.close()
  await a?.close()
  await b?.close()
  await redis?.close()
})

/** Publishes `count` events spread over the channels, alternating instances; returns ids by channel. */
async function produce(
  servers: DevBackendServer[],
  count: number,
  from: number,
  sent: Record<Channel, string[]>,
): Promise<void> {
  for (let n = from; n < from + count; n += 1) {
    const channel = CHANNELS[n % CHANNELS.length] as Channel
    const { type, data } = samplePayload(channel, n)
    const server = servers[n % servers.length] as DevBackendServer
    // Every tenth event goes over HTTP, like an outside producer.
    const id =
      n % 10 === 0
        ? (
            (
              await requestJson(`${server.url}/api/v1/publish/${channel}`, {
                body: data,
                headers: { Authorization: `Bearer ${TOKEN}` },
              })
            ).body as { id: string }
          ).id
        : await server.backend.publish(channel, type, data)
    sent[channel].push(id)
    if (n % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const empty = (): Record<Channel, string[]> => ({
  dashboard: [],
  alerts: [],
  training: [],
  backtest: [],
})

async function switchInstance(multiplex: 'auto' | 'off'): Promise<void> {
  harness = createHarness(proxy.url, { transport: { multiplex } })
  harness.subscribe(...CHANNELS)
  const h = harness
  const open = () => CHANNELS.every((c) => h.client.status(c).state.phase === 'open')
  await h.until(open, 5000, 'streams open on A')
  const sent = empty()
  await produce([a, b], 200, 0, sent)
  await h.until(() => CHANNELS.every((c) => h.events[c].length === 50), 5000, 'first events')

  // A dies while events keep coming; the proxy now sends new connections to B.
  proxy.target(b.port)
  const producing = produce([b], 400, 200, sent)
  await new Promise((resolve) => setTimeout(resolve, 20))
  await a.close()
  proxy.cut()
  await producing
  await h.until(
    () => CHANNELS.every((c) => h.events[c].length >= sent[c].length),
    10_000,
    'every event through B',
  )
  await new Promise((resolve) => setTimeout(resolve, 200)) // let any repeat show up
  for (const channel of CHANNELS) {
    expect(h.ids(channel)).toEqual(sent[channel])
    const status = h.client.status(channel)
    expect(status.duplicates).toBe(0)
    expect(status.gaps).toEqual([])
    expect(status.reconnects).toBeGreaterThan(0)
  }
  const onB = await requestJson(`${b.url}/api/v1/sse/status`)
  const connections = (onB.body as { connections: Record<Channel, number> }).connections
  expect(connections).toEqual({ dashboard: 1, alerts: 1, training: 1, backtest: 1 })
}

describe('two instances on one Redis', () => {
  it('resume a multiplexed stream on the other instance with no loss or repeat', async () => {
    await switchInstance('auto')
    expect(harness?.client.mode).toBe('multiplexed')
  })

  it('resume per-channel streams on the other instance with no loss or repeat', async () => {
    await switchInstance('off')
    expect(b.backend.stats().streamConnections).toBe(4)
  })

  it('fan out what either instance publishes to the clients of both', async () => {
    const sent = empty()
    harness = createHarness(b.url)
    harness.subscribe('alerts')
    const h = harness
    await h.until(() => h.client.status('alerts').state.phase === 'open', 5000, 'open on B')
    await produce([a], 40, 0, sent) // only A publishes; B's client sees it all
    await h.until(() => h.events.alerts.length === sent.alerts.length, 5000, 'alerts via B')
    expect(h.ids('alerts')).toEqual(sent.alerts)
    const status = await requestJson(`${a.url}/api/v1/sse/status`)
    expect(status.body).toMatchObject({
      backend: 'redis',
      connections: { alerts: 0 },
      stream_lengths: { dashboard: 10, alerts: 10, training: 10, backtest: 10 },
      redis: { state: 'connected' },
    })
  })
})
