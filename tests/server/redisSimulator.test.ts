// With Redis the simulator is one producer among others: one instance at a time runs it (a lease),
// and a successor continues its alert, run and backtest numbers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { validatePayload, type RiskAlert } from '../../src/protocol/contract.ts'
import { requestJson, startDevBackend, type DevBackendServer } from '../support/devBackend.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'

let redis: RedisServer
let servers: DevBackendServer[] = []
const RATES = { dashboard: 0, alerts: 40, training: 0, backtest: 0 }

beforeEach(async () => {
  redis = await startRedisServer()
})

afterEach(async () => {
  for (const server of servers) await server.close()
  servers = []
  await redis?.close()
})

async function instance(): Promise<DevBackendServer> {
  const server = await startDevBackend({ redisUrl: redis.url, demo: true, rates: RATES })
  await server.backend.ready()
  servers.push(server)
  return server
}

async function alerts(server: DevBackendServer): Promise<{ id: string; data: RiskAlert }[]> {
  const page = await requestJson(`${server.url}/api/v1/sse/alerts/history?limit=1000`)
  return (page.body as { events: { id: string; data: RiskAlert }[] }).events
}

async function simulatorState(server: DevBackendServer): Promise<string> {
  const status = await requestJson(`${server.url}/api/v1/sse/status`)
  return (status.body as { simulator: string }).simulator
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const number = (alert: RiskAlert) => Number(alert.alert_id.slice(2))

describe('simulator with Redis', () => {
  it('runs on one instance only, and a successor continues its numbers', async () => {
    const a = await instance()
    const b = await instance()
    await sleep(1000)
    const first = await alerts(b)
    // One simulator at 40/s for about a second, not two.
    expect(first.length).toBeGreaterThan(15)
    expect(first.length).toBeLessThan(70)
    for (const event of first) expect(validatePayload('risk_alert', event.data).ok).toBe(true)
    const numbers = first.map((e) => number(e.data))
    expect(new Set(numbers).size).toBeGreaterThan(numbers.length * 0.7) // updates repeat an id

    const states = await Promise.all([a, b].map(simulatorState))
    expect(states.sort()).toEqual(['running', 'standby'])
    const leader = (await simulatorState(a)) === 'running' ? a : b
    const successor = leader === a ? b : a
    await leader.close()
    servers = servers.filter((server) => server !== leader)
    const before = (await alerts(successor)).length
    await sleep(2600) // the other instance takes over at its next lease check
    expect(await simulatorState(successor)).toBe('running')
    const after = (await alerts(successor)).slice(before)
    expect(after.length).toBeGreaterThan(5)
    const fresh = after.map((e) => number(e.data))
    expect(Math.min(...fresh)).toBeGreaterThan(Math.max(...numbers))
  }, 15_000)
})
