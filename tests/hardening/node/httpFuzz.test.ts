// Seeded fuzz of the server's HTTP surface, against the real process (tsx server/main.ts) on
// loopback: random targets, methods, headers, content types, framings and bodies, the issue's
// hostile cases among them. The process must stay up, answer every request with 2xx/4xx (never
// 5xx, never a dropped connection), and a stream opened first must receive every stored event.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { seededRng, type Rng } from '../../../server/random.ts'
import { openSse, requestJson, type SseReader } from '../../support/devBackend.ts'
import { rawRequest, spawnBackend, type ServerProcess } from './serverProcess.ts'

/** Same seed, same requests: a failure names its seed and request number to replay it. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
/** Requests per start; bounded so the test takes seconds (FUZZ_COUNT=5000 for a longer run). */
const COUNT = Number(process.env.FUZZ_COUNT ?? 300)
const CHANNELS = ['dashboard', 'alerts', 'training', 'backtest']
const PUBLISH = 'fuzz-publish'
const READER = 'fuzz-reader'
const DEV = 'fuzz-dev'

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T
const chance = (rng: Rng, p: number): boolean => rng() < p

/** Printable ASCII without space: what a request target or header value may carry raw. */
function junk(rng: Rng, max: number): string {
  const length = 1 + Math.floor(rng() * max)
  let text = ''
  for (let i = 0; i < length; i += 1) text += String.fromCharCode(33 + Math.floor(rng() * 94))
  return text
}

const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`
const alert = (message: string) =>
  JSON.stringify({
    alert_id: 'a-fuzz',
    timestamp: '2026-01-04T10:42:51+00:00',
    severity: 'critical',
    category: 'drawdown',
    message,
  })

const TARGETS = [
  '/api/v1/sse/status',
  '/api/v1/sse/alerts',
  '/api/v1/sse/nope',
  '/api/v1/sse/stream?channels=alerts,training',
  '/api/v1/sse/stream?channels=',
  '/api/v1/sse/stream?channels=nope',
  '/api/v1/sse/stream?channels=alerts&last_event_id=999999999999999999999',
  '/api/v1/sse/alerts/history',
  '/api/v1/sse/alerts/history?limit=1001',
  '/api/v1/sse/alerts/history?limit=1e17',
  '/api/v1/sse/alerts/history?limit=-1',
  `/api/v1/sse/alerts/history?after=${'9'.repeat(300)}`,
  '/api/v1/publish/alerts',
  '/api/v1/publish/dashboard',
  '/api/v1/publish/nope',
  '/api/v1/dev/faults',
  '/api/v1/dev/rates',
  '/api/v1/dev/emit',
  '/api/v1/dev/drop',
  '/api/v1/dev/nope',
  '//[',
  '//evil.example/api/v1/sse/status',
  'http://a:99999/',
  'http://a:99999/api/v1/sse/status',
  '/%E0%A4%A',
  '/api/v1/%E0%A4%A',
  '/api/v1/sse/%ZZ',
  '/api/v1/sse/alerts/history?after=%E0%A4%A',
  '*',
  '/',
  '/api/v1/',
  '/api/v1/sse/status/../../dev/faults',
  `/api/v1/sse/${'a'.repeat(5000)}`,
]

const METHODS = ['GET', 'GET', 'POST', 'POST', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH']
const RARE_METHODS = ['CONNECT', 'TRACE', 'FOO', 'get', 'M-SEARCH', 'PROPFIND']
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  '',
]

/** Bodies: the issue's hostile ones, valid ones, broken ones. Built once per run. */
function bodies(): Buffer[] {
  return [
    '{}',
    'null',
    '[1,2,3]',
    '{"status204": true}',
    '{"stall": true}',
    '{"dashboard": 1e17}',
    '{"dashboard": 1e400}',
    alert('fuzzed alert'),
    alert('x'.repeat(1_040_000)),
    `{"channel":"alerts","data":{"deep":${deep(100_000)}}}`,
    `{"a":${deep(400_000)}}`,
    `{"indices":[${'{},'.repeat(5000)}{}]}`,
    // Over 1 MiB: 413, before reading (declared length) or once the count passes it (chunked).
    `{"message":"${'z'.repeat(1_100_000)}"}`,
    '{"alert_id":',
    '\u0000\u0001\u0002',
    '{"a":"\ud800"}',
    'é'.repeat(1000),
  ].map((text) => Buffer.from(text))
}

interface FuzzRequest {
  head: string
  body: Buffer[]
  /** One line saying what was sent, for a failure message. */
  label: string
}

interface Start {
  name: string
  args: string[]
  /** Headers the test's own stream and history reads need. */
  readerHeaders: Record<string, string>
  /** Tokens the fuzz may send (never one that switches faults or drops streams). */
  tokens: string[]
  /** Dev token requests with bodies that must all be refused (rates, emit). */
  devRefusals: boolean
}

function randomRequest(rng: Rng, port: number, start: Start, pool: Buffer[]): FuzzRequest {
  const method = chance(rng, 0.05) ? pick(rng, RARE_METHODS) : pick(rng, METHODS)
  let target = pick(rng, TARGETS)
  if (chance(rng, 0.2)) target += `${target.includes('?') ? '&' : '?'}${junk(rng, 40)}`
  if (chance(rng, 0.05)) target = `/${junk(rng, 200)}`
  const headers = [chance(rng, 0.9) ? `Host: 127.0.0.1:${port}` : `Host: ${junk(rng, 30)}`]
  let body: Buffer | undefined = chance(rng, 0.6) ? pick(rng, pool) : undefined
  if (chance(rng, 0.05))
    body = Buffer.from(Array.from({ length: 200 }, () => Math.floor(rng() * 256)))
  if (chance(rng, 0.7)) headers.push(`Content-Type: ${pick(rng, CONTENT_TYPES)}`)
  if (chance(rng, 0.3))
    headers.push(
      `Origin: ${pick(rng, ['https://evil.example', 'null', `http://127.0.0.1:${port}`, 'https://app.example'])}`,
    )
  if (chance(rng, 0.7)) {
    const token = pick(rng, [...start.tokens, ...start.tokens, 'wrong', `${junk(rng, 20)}`])
    headers.push(`Authorization: ${pick(rng, ['Bearer ', 'bearer ', 'Basic ', ''])}${token}`)
  }
  if (chance(rng, 0.2)) headers.push(`X-Real-IP: ${pick(rng, ['10.0.0.1', '::1', junk(rng, 40)])}`)
  if (chance(rng, 0.2))
    headers.push(`X-Forwarded-For: ${junk(rng, 20)}, 10.0.0.${Math.floor(rng() * 255)}`)
  if (chance(rng, 0.2)) headers.push(`Last-Event-ID: ${pick(rng, ['1', '0-0', junk(rng, 300)])}`)
  if (chance(rng, 0.05)) headers.push('Expect: 100-continue')
  if (chance(rng, 0.1))
    headers.push(`X-${junk(rng, 10).replace(/[^A-Za-z0-9-]/g, 'a')}: ${junk(rng, 100)}`)
  if (start.devRefusals && chance(rng, 0.05)) {
    // The dev token, but only with bodies every dev control refuses: nothing may change.
    const [path, refused] = pick(rng, [
      ['/api/v1/dev/rates', '{"dashboard": 1e17}'],
      ['/api/v1/dev/rates', '{"alerts": -1}'],
      ['/api/v1/dev/rates', '{"training": "fast"}'],
      ['/api/v1/dev/faults', '{"stall": "yes"}'],
      ['/api/v1/dev/emit', `{"channel":"alerts","data":{"deep":${deep(50_000)}}}`],
      ['/api/v1/dev/emit', `{"channel":"alerts","data":"${'x'.repeat(600_000)}"}`],
      ['/api/v1/dev/emit', '{"channel":"nope","data":{}}'],
    ] as const)
    return build(
      'POST',
      path,
      [`Host: 127.0.0.1:${port}`, 'Content-Type: application/json', `Authorization: Bearer ${DEV}`],
      Buffer.from(refused),
      'length',
    )
  }
  const framing = chance(rng, 0.15) ? 'chunked' : chance(rng, 0.05) ? 'declared-huge' : 'length'
  if (chance(rng, 0.35)) {
    // A write with the producer's token, so bodies reach the type, size, JSON and bound checks.
    const write = pick(rng, [
      '/api/v1/publish/alerts',
      '/api/v1/publish/dashboard',
      '/api/v1/publish/training',
      '/api/v1/dev/faults',
      '/api/v1/dev/emit',
    ])
    const type = chance(rng, 0.7) ? 'application/json' : pick(rng, CONTENT_TYPES)
    const writeHeaders = [
      headers[0] as string,
      `Content-Type: ${type}`,
      `Authorization: Bearer ${PUBLISH}`,
    ]
    return build('POST', write, writeHeaders, body ?? pick(rng, pool), framing)
  }
  return build(method, target, headers, body, framing)
}

function build(
  method: string,
  target: string,
  headers: string[],
  body: Buffer | undefined,
  framing: 'length' | 'chunked' | 'declared-huge',
): FuzzRequest {
  const lines = [`${method} ${target} HTTP/1.1`, ...headers, 'Connection: close']
  let parts: Buffer[] = []
  if (framing === 'declared-huge') {
    // Declares 2 MiB and sends none of it: only an early 413 (or not reading at all) answers.
    lines.push('Content-Length: 2097152')
  } else if (body !== undefined && framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked')
    const size = Math.max(1, Math.ceil(body.length / 3))
    for (let at = 0; at < body.length; at += size) {
      const piece = body.subarray(at, at + size)
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
    }
    parts.push(Buffer.from('0\r\n\r\n'))
  } else if (body !== undefined) {
    lines.push(`Content-Length: ${body.length}`)
    parts = [body]
  }
  const label = `${method} ${target.slice(0, 80)} [${headers.join(' | ').slice(0, 300)}] body ${body?.length ?? 0} B ${framing}`
  return { head: `${lines.join('\r\n')}\r\n\r\n`, body: parts, label }
}

/** Every event id the server stored, from each channel's history (all of it: fewer than 1000). */
async function storedIds(
  server: ServerProcess,
  headers: Record<string, string>,
): Promise<string[]> {
  const ids: string[] = []
  for (const channel of CHANNELS) {
    const page = await requestJson(
      `${server.url}/api/v1/sse/${channel}/history?after=0&limit=1000`,
      { headers },
    )
    expect(page.status).toBe(200)
    ids.push(...(page.body as { events: { id: string }[] }).events.map((event) => event.id))
  }
  return ids.sort((a, b) => Number(a) - Number(b))
}

const STARTS: Start[] = [
  {
    name: 'a production start',
    args: [
      '--no-simulate',
      '--publish-token',
      PUBLISH,
      '--cors',
      'https://app.example',
      '--trust-proxy',
      '10.9.9.9',
      '--allowed-hosts',
      '127.0.0.1,localhost',
      '--max-clients-per-ip',
      '0',
      '--heartbeat',
      '1',
    ],
    readerHeaders: {},
    tokens: [PUBLISH],
    devRefusals: false,
  },
  {
    name: 'a --dev start with reader, publish and dev tokens',
    args: [
      '--dev',
      '--dev-token',
      DEV,
      '--auth-token',
      READER,
      '--no-simulate',
      '--publish-token',
      PUBLISH,
      '--max-clients-per-ip',
      '0',
      '--heartbeat',
      '1',
    ],
    readerHeaders: { Authorization: `Bearer ${READER}` },
    tokens: [READER, PUBLISH],
    devRefusals: true,
  },
]

// The server process starts slowly on a busy machine: its stop may wait too.
vi.setConfig({ hookTimeout: 60_000 })

let server: ServerProcess | undefined
let stream: SseReader | undefined

afterEach(async () => {
  stream?.close()
  await server?.stop()
  server = undefined
})

describe('HTTP fuzz of the real server process', () => {
  const pool = bodies()

  STARTS.forEach((start, index) => {
    it(
      `${start.name}: ${COUNT} random requests, every answer 2xx/4xx, no event lost`,
      { timeout: 180_000 },
      async () => {
        server = await spawnBackend(start.args)
        const live = await openSse(
          `${server.url}/api/v1/sse/stream?channels=${CHANNELS.join(',')}`,
          start.readerHeaders,
        )
        stream = live
        expect(live.status).toBe(200)
        await live.until(() => live.events.some((event) => event.event === 'connected'))
        const rng = seededRng(SEED + index)
        const publish = async (n: number): Promise<void> => {
          const answer = await requestJson(`${server?.url}/api/v1/publish/alerts`, {
            body: JSON.parse(alert(`event ${n}`)) as unknown,
            headers: { Authorization: `Bearer ${PUBLISH}` },
          })
          expect(answer.status).toBe(200)
        }
        const statuses = new Map<number, number>()
        for (let n = 0; n < COUNT; n += 1) {
          const request = randomRequest(rng, server.port, start, pool)
          const where = `seed ${SEED + index}, request ${n}: ${request.label}`
          let answer
          try {
            answer = await rawRequest(server.port, request.head, request.body)
          } catch (error) {
            throw new Error(`${where}: ${(error as Error).message}\n${server.log.slice(-2000)}`)
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
          expect(answer.status >= 200 && answer.status < 500, `${where}: ${answer.status}`).toBe(
            true,
          )
          if (n % 10 === 0) await publish(n / 10)
          if (n % 50 === 0) expect(server.alive(), where).toBe(true)
        }
        await publish(COUNT)
        expect(server.alive()).toBe(true)
        const stored = await storedIds(server, start.readerHeaders)
        expect(stored.length).toBeGreaterThan(COUNT / 40)
        const received = () =>
          live.events.filter((event) => event.id !== undefined).map((event) => event.id)
        await live.until(() => received().length >= stored.length, 10_000)
        expect(received()).toEqual(stored)
        expect(live.ended).toBe(false)
        if (start.devRefusals) {
          // The dev controls changed nothing: every request that reached them was refused.
          const dev = { Authorization: `Bearer ${DEV}` }
          const faults = await requestJson(`${server.url}/api/v1/dev/faults`, { headers: dev })
          expect(faults.body).toEqual({
            error500: false,
            stall: false,
            status204: false,
            status401: false,
            wrongContentType: false,
            retryAfterSeconds: null,
            dropAfterEvents: null,
          })
          const rates = await requestJson(`${server.url}/api/v1/dev/rates`, { headers: dev })
          expect(rates.body).toEqual({ dashboard: 2, alerts: 0.3, training: 1, backtest: 1 })
        }
        console.info(
          `${start.name}: answers by status ${JSON.stringify(Object.fromEntries(statuses))}`,
        )
        expect(server.log).not.toMatch(/request failed|Unhandled|uncaught/i)
      },
    )
  })
})
