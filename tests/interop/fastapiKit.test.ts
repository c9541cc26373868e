// The FastAPI backend kit (examples/fastapi/) in memory mode, as a real uvicorn process on
// loopback: it advertises and keeps the whole contract, and everything it sends fits the
// generated JSON Schemas (checked with Python's jsonschema) and the client's own validation.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EventSourceMessage } from 'eventsource-parser'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  CHANNEL_EVENT,
  CHANNELS,
  isChannelEventType,
  validatePayload,
} from '../../src/protocol/contract.ts'
import { openSse, requestJson } from '../support/devBackend.ts'
import {
  jsonSchemaErrors,
  startFastapiKit,
  type FastapiKit,
  type SchemaCheck,
} from '../support/fastapiKit.ts'
import { endProcess, launchUvicorn, type Launched } from '../support/pythonBackend.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface HistoryPage {
  events: { id: string; event: string; data: Record<string, unknown> }[]
  latest_id: string | null
  truncated: boolean
}

// Real processes, real time: streams take seconds, a machine shared with other work takes longer.
vi.setConfig({ testTimeout: 30_000 })

let kit: FastapiKit

beforeAll(async () => {
  kit = await startFastapiKit({ rate: 20, heartbeatSeconds: 1 })
}, 60_000)

afterAll(async () => {
  await kit?.stop()
})

/** A `<ms>-<seq>` id as a number pair, for order checks in the test (the client never does this). */
function key(id: string | undefined): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(id ?? '')
  if (!match) throw new Error(`not an id of the kit: ${id}`)
  return [Number(match[1]), Number(match[2])]
}

function increasing(ids: string[]): boolean {
  return ids.every((id, index) => {
    if (index === 0) return true
    const [a, b] = [key(ids[index - 1]), key(id)]
    return b[0] > a[0] || (b[0] === a[0] && b[1] > a[1])
  })
}

async function history(channel: string, query = ''): Promise<HistoryPage> {
  const { status, body } = await requestJson(`${kit.url}/api/v1/sse/${channel}/history${query}`)
  expect(status).toBe(200)
  return body as HistoryPage
}

/** The schema checks of every event of a stream: control events and payloads alike. */
function checksOf(events: EventSourceMessage[]): SchemaCheck[] {
  return events.map((event) => ({
    schema: `docs/schemas/${event.event}.json`,
    instance: JSON.parse(event.data) as unknown,
  }))
}

describe('the FastAPI backend kit, in memory', () => {
  it('advertises multiplex, history, heartbeat and demo data in a status that fits its schema', async () => {
    const { status, body } = await requestJson(`${kit.url}/api/v1/sse/status`)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      status: 'ok',
      channels: [...CHANNELS],
      multiplex: true,
      history: 1000,
      heartbeat_seconds: 1,
      data: 'demo',
    })
    expect(jsonSchemaErrors([{ schema: 'docs/schemas/status.json', instance: body }])).toEqual([])
  })

  it('multiplexes the four channels with increasing ids, valid payloads and heartbeats', async () => {
    const stream = await openSse(`${kit.url}/api/v1/sse/stream?channels=${CHANNELS.join(',')}`)
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await stream.until(
      () => stream.events.length >= 81 && stream.comments.some((c) => /^ ?ping - \d{4}-/.test(c)),
      15_000,
    )
    stream.close()
    const [first, ...rest] = stream.events
    expect(first?.event).toBe('connected')
    expect(first?.id).toBeUndefined()
    expect(new Set(rest.map((event) => event.event))).toEqual(new Set(Object.values(CHANNEL_EVENT)))
    expect(increasing(rest.map((event) => event.id ?? ''))).toBe(true)
    for (const event of rest) {
      const data = JSON.parse(event.data) as Record<string, unknown>
      const type = event.event ?? ''
      expect(isChannelEventType(type)).toBe(true)
      if (!isChannelEventType(type)) continue
      expect(CHANNEL_EVENT[data.channel as keyof typeof CHANNEL_EVENT]).toBe(type)
      expect(validatePayload(type, data)).toMatchObject({ ok: true })
    }
    expect(jsonSchemaErrors(checksOf(stream.events))).toEqual([])
    // The checker does reject what the contract rejects.
    const bad = { ...(JSON.parse(rest[0]?.data ?? '{}') as object), timestamp: 17 }
    const schema = `docs/schemas/${rest[0]?.event}.json`
    expect(jsonSchemaErrors([{ schema, instance: bad }])).toEqual([
      expect.stringMatching(/timestamp: 17 is not of type 'string'/),
    ])
  })

  it('resumes a channel stream after a Last-Event-ID with exactly the events after it', async () => {
    const first = await openSse(`${kit.url}/api/v1/sse/alerts`)
    await first.until(() => first.events.filter((event) => event.id).length >= 5, 10_000)
    first.close()
    const cursor = first.events.filter((event) => event.id).at(-1)?.id ?? ''
    // Events go on while no stream is open.
    await expect
      .poll(async () => (await history('alerts', `?after=${cursor}`)).events.length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(10)

    const resumed = await openSse(`${kit.url}/api/v1/sse/alerts`, { 'Last-Event-ID': cursor })
    await resumed.until(() => resumed.events.filter((event) => event.id).length >= 10, 10_000)
    resumed.close()
    expect(resumed.events.map((event) => event.event)).not.toContain('reset')
    const got = resumed.events.filter((event) => event.id).map((event) => event.id)
    const page = await history('alerts', `?after=${cursor}&limit=1000`)
    expect(page.truncated).toBe(false)
    expect(got).toEqual(page.events.map((event) => event.id).slice(0, got.length))
    expect(jsonSchemaErrors([{ schema: 'docs/schemas/history.json', instance: page }])).toEqual([])
    for (const event of page.events) {
      expect(event.event).toBe('risk_alert')
      expect(validatePayload('risk_alert', event.data)).toMatchObject({ ok: true })
    }
  })

  it('resumes the multiplexed stream for every channel from one id', async () => {
    const page = await history('training', '?limit=5')
    const cursor = page.events[0]?.id ?? ''
    const resumed = await openSse(`${kit.url}/api/v1/sse/stream?channels=training,backtest`, {
      'Last-Event-ID': cursor,
    })
    await resumed.until(() => resumed.events.filter((event) => event.id).length >= 12, 10_000)
    resumed.close()
    const got = resumed.events.filter((event) => event.id)
    const want = [
      ...(await history('training', `?after=${cursor}&limit=1000`)).events,
      ...(await history('backtest', `?after=${cursor}&limit=1000`)).events,
    ]
      .map((event) => event.id)
      .sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1])
    expect(got.map((event) => event.id)).toEqual(want.slice(0, got.length))
    expect(increasing(got.map((event) => event.id ?? ''))).toBe(true)
  })

  it('says reset, and history says truncated, for an id it cannot resume from', async () => {
    const stream = await openSse(`${kit.url}/api/v1/sse/alerts`, { 'Last-Event-ID': '1-1' })
    await stream.until(() => stream.events.some((event) => event.id), 10_000)
    stream.close()
    const [connected, reset] = stream.events
    expect(connected?.event).toBe('connected')
    expect(reset?.event).toBe('reset')
    expect(reset?.id).toBeUndefined()
    expect(JSON.parse(reset?.data ?? '{}')).toMatchObject({
      reason: expect.stringMatching(/unknown/),
    })
    expect(jsonSchemaErrors(checksOf(stream.events))).toEqual([])

    expect(await history('alerts', '?after=1-1')).toMatchObject({ events: [], truncated: true })
    const tooMany = await requestJson(`${kit.url}/api/v1/sse/alerts/history?limit=1001`)
    expect(tooMany.status).toBeGreaterThanOrEqual(400)
    expect(tooMany.status).toBeLessThan(500)
    expect((await requestJson(`${kit.url}/api/v1/sse/nope`)).status).toBe(404)
  })

  it('after a restart, an id of the previous process is answered with reset, not a wrong replay', async () => {
    const before = await history('alerts', '?limit=1')
    const cursor = before.latest_id ?? ''
    await kit.restart()
    // The new process numbers its events afresh; the old cursor must not match one of them.
    await expect
      .poll(async () => (await history('alerts', '?limit=1000')).events.length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3)
    const stream = await openSse(`${kit.url}/api/v1/sse/alerts`, { 'Last-Event-ID': cursor })
    await stream.until(() => stream.events.some((event) => event.id), 10_000)
    stream.close()
    expect(stream.events.map((event) => event.event).slice(0, 3)).toEqual([
      'connected',
      'reset',
      'risk_alert',
    ])
  })
})

describe('the FastAPI backend kit keeping only 5 events per channel', () => {
  let small: FastapiKit | undefined
  afterAll(async () => {
    await small?.stop()
  })

  it('says reset for a cursor whose next events were pushed out, and history says truncated', async () => {
    small = await startFastapiKit({ rate: 20, history: 5 })
    const url = small.url
    const first = await openSse(`${url}/api/v1/sse/alerts`)
    await first.until(() => first.events.some((event) => event.id), 10_000)
    first.close()
    const cursor = first.events.find((event) => event.id)?.id ?? ''
    const page = async (): Promise<HistoryPage> =>
      (await requestJson(`${url}/api/v1/sse/alerts/history?after=${cursor}`)).body as HistoryPage
    await expect.poll(async () => (await page()).truncated, { timeout: 10_000 }).toBe(true)
    const kept = await page()
    expect(kept.events).toHaveLength(5) // from the oldest event still kept
    expect(kept.events.map((event) => event.id)).not.toContain(cursor)

    const resumed = await openSse(`${url}/api/v1/sse/alerts`, { 'Last-Event-ID': cursor })
    await resumed.until(() => resumed.events.some((event) => event.id), 10_000)
    resumed.close()
    expect(resumed.events[1]?.event).toBe('reset')
    expect(JSON.parse(resumed.events[1]?.data ?? '{}')).toMatchObject({
      reason: expect.stringMatching(/no longer kept/),
    })
    // Then the events it still has (more may have been pushed out meanwhile), and live ones.
    const [oldest, next] = [key(kept.events[0]?.id), key(resumed.events[2]?.id)]
    expect(next[0] === oldest[0] && next[1] >= oldest[1]).toBe(true)
  })
})

describe('the FastAPI backend kit with a token', () => {
  let guarded: FastapiKit | undefined
  afterAll(async () => {
    await guarded?.stop()
  })

  it('answers 401 without the bearer token and serves with it', async () => {
    guarded = await startFastapiKit({ rate: 5, token: 'sesame' })
    const anonymous = await fetch(`${guarded.url}/api/v1/sse/alerts`)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    const denied = await requestJson(`${guarded.url}/api/v1/sse/status`)
    expect(denied.status).toBe(401)
    const allowed = await openSse(`${guarded.url}/api/v1/sse/alerts`, {
      Authorization: 'Bearer sesame',
    })
    expect(allowed.status).toBe(200)
    await allowed.until(() => allowed.events.some((event) => event.event === 'risk_alert'), 10_000)
    allowed.close()
  })
})

describe("the README's resume lines for an existing sse-starlette endpoint", () => {
  let host: Launched | undefined
  afterAll(async () => {
    if (host) await endProcess(host, 'SIGTERM')
  })

  it('give it exact resume after a Last-Event-ID, and reset for an unknown one', async () => {
    const readme = readFileSync(`${ROOT}examples/fastapi/README.md`, 'utf8')
    const section = readme.slice(readme.indexOf('## Resume for an endpoint you already have'))
    const snippet = /```python\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
    expect(snippet.split('\n').length).toBeLessThan(45)
    const file = join(mkdtempSync(join(tmpdir(), 'rtm-snippet-')), 'snippet.py')
    writeFileSync(file, snippet)
    host = await launchUvicorn(`${ROOT}tests/interop/backend/readme_snippet_host.py`, [
      '--snippet',
      file,
      '--port',
      '0',
      '--exit-with-stdin',
    ])
    const url = `http://127.0.0.1:${host.port}`
    const first = await openSse(`${url}/api/v1/sse/alerts`)
    await first.until(() => first.events.filter((event) => event.id).length >= 5, 10_000)
    first.close()
    const cursor = first.events.filter((event) => event.id).at(-1)?.id ?? ''
    const after = async (): Promise<HistoryPage> =>
      (await requestJson(`${url}/api/v1/sse/alerts/history?after=${cursor}&limit=1000`))
        .body as HistoryPage
    await expect
      .poll(async () => (await after()).events.length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(10)

    const resumed = await openSse(`${url}/api/v1/sse/alerts`, { 'Last-Event-ID': cursor })
    await resumed.until(() => resumed.events.filter((event) => event.id).length >= 10, 10_000)
    resumed.close()
    const got = resumed.events.filter((event) => event.id).map((event) => event.id)
    expect(resumed.events[0]?.event).toBe('connected')
    expect(resumed.events.map((event) => event.event)).not.toContain('reset')
    expect(got).toEqual((await after()).events.map((event) => event.id).slice(0, got.length))
    expect(jsonSchemaErrors(checksOf(resumed.events))).toEqual([])

    const unknown = await openSse(`${url}/api/v1/sse/alerts`, { 'Last-Event-ID': '1-1' })
    await unknown.until(() => unknown.events.some((event) => event.id), 10_000)
    unknown.close()
    expect(unknown.events.slice(0, 2).map((event) => event.event)).toEqual(['connected', 'reset'])
  })
})
