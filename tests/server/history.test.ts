// Dev backend history endpoint: newest page, paging with `after`, truncation and bad parameters.
import { afterEach, describe, expect, it } from 'vitest'
import { requestJson, startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

interface Page {
  events: { id: string; event: string; data: Record<string, unknown> }[]
  latest_id: string | null
  truncated: boolean
}

let server: DevBackendServer

async function history(query: string): Promise<Page> {
  const { status, body } = await requestJson(`${server.url}/api/v1/sse/alerts/history${query}`)
  expect(status).toBe(200)
  return body as Page
}

function emit(channel: 'alerts' | 'training', count: number): void {
  for (let i = 0; i < count; i += 1)
    server.backend.emit(channel, 'risk_alert', { n: i, timestamp: 't' })
}

afterEach(async () => {
  await server?.close()
})

describe('history', () => {
  it('is empty with a null latest_id before any event', async () => {
    server = await startDevBackend({ simulate: false })
    expect(await history('')).toEqual({ events: [], latest_id: null, truncated: false })
  })

  it('returns the newest events oldest first without after, as parsed envelopes', async () => {
    server = await startDevBackend({ simulate: false })
    emit('alerts', 5)
    emit('training', 1)
    const page = await history('?limit=3')
    expect(page.events.map((e) => e.id)).toEqual(['3', '4', '5'])
    expect(page.events[0]).toEqual({ id: '3', event: 'risk_alert', data: { n: 2, timestamp: 't' } })
    expect(page.latest_id).toBe('5')
    expect(page.truncated).toBe(false)
  })

  it('pages with after until the last id equals latest_id', async () => {
    server = await startDevBackend({ simulate: false })
    emit('alerts', 3)
    emit('training', 2)
    emit('alerts', 7) // alerts ids: 1..3, 6..12
    const ids: string[] = []
    let after = '0'
    for (;;) {
      const page = await history(`?after=${after}&limit=4`)
      expect(page.truncated).toBe(false)
      ids.push(...page.events.map((e) => e.id))
      after = page.events.at(-1)?.id ?? after
      if (after === page.latest_id) break
    }
    expect(ids).toEqual(['1', '2', '3', '6', '7', '8', '9', '10', '11', '12'])
    expect((await history('?after=12')).events).toEqual([])
  })

  it('marks truncated when after is older than the ring, and returns the remainder', async () => {
    server = await startDevBackend({ simulate: false, historySize: 4 })
    emit('alerts', 10)
    const page = await history('?after=2')
    expect(page.truncated).toBe(true)
    expect(page.events.map((e) => e.id)).toEqual(['7', '8', '9', '10'])
    expect((await history('?after=6')).truncated).toBe(false)
  })

  it('marks truncated with no events for an unknown or future id', async () => {
    server = await startDevBackend({ simulate: false })
    emit('alerts', 3)
    for (const after of ['abc', '999', 'v1-3']) {
      expect(await history(`?after=${after}`)).toEqual({
        events: [],
        latest_id: '3',
        truncated: true,
      })
    }
  })

  it('serves up to 1000 per page, defaults to 100, and refuses a larger limit instead of cutting it', async () => {
    server = await startDevBackend({ simulate: false, historySize: 2000 })
    emit('alerts', 1200)
    expect((await history('')).events).toHaveLength(100)
    expect((await history('?limit=1000')).events).toHaveLength(1000)
    expect((await history('?after=0&limit=1000')).events[0]?.id).toBe('1')
    for (const limit of ['1001', '5000']) {
      const refused = await requestJson(`${server.url}/api/v1/sse/alerts/history?limit=${limit}`)
      expect(refused.status).toBe(400)
      expect(refused.body).toEqual({
        error: 'bad_limit',
        detail: 'limit must be an integer from 1 to 1000',
      })
    }
  })

  it('answers 400 JSON for a bad limit or after, and for an unknown channel', async () => {
    server = await startDevBackend({ simulate: false })
    for (const query of ['?limit=0', '?limit=-1', '?limit=abc', '?limit=1.5', '?after=']) {
      const { status, body } = await requestJson(`${server.url}/api/v1/sse/alerts/history${query}`)
      expect(status, query).toBe(400)
      expect(body).toHaveProperty('error')
    }
    const unknown = await requestJson(`${server.url}/api/v1/sse/nope/history`)
    expect(unknown.status).toBe(400)
  })
})
