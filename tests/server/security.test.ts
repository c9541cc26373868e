// The server's production defaults and guards: flags, dev controls and their token, Host check,
// trusted proxies, publish bounds below the client's caps, constant-time token comparison.
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCli, startupNotes, UsageError } from '../../server/cliOptions.ts'
import {
  hasBearer,
  hostName,
  isHostAllowed,
  isJsonContentType,
  remoteAddress,
  secretEquals,
  trustedProxies,
} from '../../server/http.ts'
import { checkEventData, checkValueBounds, rawNestingDepth } from '../../server/publishLimits.ts'
import {
  CLIENT_MAX_EVENT_CHARS,
  MAX_ARRAY_ITEMS,
  MAX_BODY_BYTES,
  MAX_EVENT_DATA_CHARS,
  MAX_EVENT_NAME_CHARS,
  MAX_HISTORY_LIMIT,
  MAX_ID_CHARS,
  MAX_NESTING_DEPTH,
  MAX_STRING_CHARS,
} from '../../src/protocol/limits.ts'
import { requestJson, startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

let server: DevBackendServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

const request = (headers: Record<string, string>, peer = '127.0.0.1') =>
  ({ headers, socket: { remoteAddress: peer } as Socket }) as unknown as IncomingMessage

describe('flags', () => {
  it('parses --dev, --dev-token, --trust-proxy <list> and --allowed-hosts', () => {
    const { options } = parseCli([
      '--dev',
      '--dev-token',
      'd',
      '--trust-proxy',
      '10.0.0.5, 10.1.0.0/16,::1',
      '--allowed-hosts',
      'monitor.example.com,.example.com',
    ])
    expect(options).toMatchObject({
      dev: true,
      devToken: 'd',
      trustProxy: ['10.0.0.5', '10.1.0.0/16', '::1'],
      allowedHosts: ['monitor.example.com', '.example.com'],
    })
    expect(parseCli([]).options.dev).toBeUndefined()
  })

  it('refuses what a production start must not do, saying what to do instead', () => {
    const refused: [string[], RegExp][] = [
      [
        ['--cors', '*'],
        /only for --dev; name the origins .* --cors https:\/\/monitor\.example\.com/,
      ],
      [['--dev-token', 'd'], /--dev-token needs --dev/],
      [['--dev', '--auth-token', 'r'], /needs --dev-token/],
      [['--trust-proxy'], /argument missing|ambiguous/i],
      [['--trust-proxy', 'nginx.internal'], /not an address or network/],
      [['--trust-proxy', '10.0.0.0/33'], /bad network prefix/],
      [['--rates', 'dashboard=1e17'], /from 0 to 50000/],
      [['--flush-ms=-1'], /--flush-ms must be a number of milliseconds from 0 to 1000, got "-1"/],
      [['--flush-ms', '5000'], /--flush-ms must be .* from 0 to 1000, got "5000"/],
      [['--flush-ms', 'soon'], /--flush-ms must be .* got "soon"/],
      [['--flush-ms', ''], /--flush-ms must be .* got ""/],
    ]
    for (const [argv, message] of refused) {
      expect(() => parseCli(argv), argv.join(' ')).toThrow(UsageError)
      expect(() => parseCli(argv), argv.join(' ')).toThrow(message)
    }
    expect(parseCli(['--dev', '--cors', '*']).options.corsOrigins).toBe('*')
    expect(parseCli(['--flush-ms', '0']).options.flushMs).toBe(0)
    expect(parseCli(['--flush-ms', '25']).options.flushMs).toBe(25)
  })

  it('says at startup which origins may call, and that a dev start is not for production', () => {
    expect(startupNotes({}).join('\n')).toMatch(
      /same origin only.*--cors https:\/\/app\.example\.com/,
    )
    expect(startupNotes({ corsOrigins: ['https://a.example'] }).join('\n')).toMatch(
      /https:\/\/a\.example/,
    )
    expect(startupNotes({ dev: true }).join('\n')).toMatch(
      /DEV START.*Never start a production server with --dev/,
    )
  })
})

describe('dev controls', () => {
  it('are not mounted without dev: every /dev/* path is 404 and nothing changes', async () => {
    server = await startDevBackend({ simulate: false })
    for (const name of ['faults', 'rates', 'drop', 'emit']) {
      const answer = await requestJson(`${server.url}/api/v1/dev/${name}`, {
        body: { status204: true },
      })
      expect(answer.status, name).toBe(404)
    }
    expect(server.backend.faults.status204).toBe(false)
  })

  it('answer 403 while the readers have a token and the dev controls none', async () => {
    server = await startDevBackend({ simulate: false, dev: true, authToken: 'r' })
    const answer = await requestJson(`${server.url}/api/v1/dev/faults`, {
      headers: { Authorization: 'Bearer r' },
    })
    expect(answer.status).toBe(403)
    expect(answer.body).toMatchObject({ error: 'dev_token_required' })
  })

  it("need their own token when one is set; the readers' token opens streams only", async () => {
    server = await startDevBackend({ simulate: false, dev: true, authToken: 'r', devToken: 'd' })
    const set = (token: string) =>
      requestJson(`${server?.url}/api/v1/dev/faults`, {
        body: { error500: true },
        headers: { Authorization: `Bearer ${token}` },
      })
    expect((await set('r')).status).toBe(401)
    expect(server.backend.faults.error500).toBe(false)
    expect((await set('d')).status).toBe(200)
    expect(server.backend.faults.error500).toBe(true)
    const status = await requestJson(`${server.url}/api/v1/sse/status`, {
      headers: { Authorization: 'Bearer d' },
    })
    expect(status.status).toBe(401)
  })

  it('limit rates in one place: flags, /dev/rates and setRates alike', async () => {
    server = await startDevBackend({ simulate: false, dev: true })
    expect(() => server?.backend.setRates({ dashboard: 1e17 })).toThrow(/from 0 to 50000/)
    expect(() => server?.backend.setRates({ dashboard: Number.NaN })).toThrow(/from 0 to 50000/)
    expect(server.backend.setRates({ dashboard: 50_000 }).dashboard).toBe(50_000)
    await expect(startDevBackend({ rates: { alerts: Infinity } })).rejects.toThrow(
      /rates: rate of alerts/,
    )
  })

  it('refuses a write interval no live stream may have, from callers as from flags', async () => {
    for (const flushMs of [-1, 1001, Number.NaN, Infinity]) {
      await expect(startDevBackend({ simulate: false, flushMs })).rejects.toThrow(
        /flushMs must be a number of milliseconds from 0 to 1000/,
      )
    }
  })
})

describe('Host check', () => {
  it('refuses a Host that is not allowed (DNS rebinding) with 403', async () => {
    server = await startDevBackend({ simulate: false, allowedHosts: ['127.0.0.1'] })
    expect((await requestJson(`${server.url}/api/v1/sse/status`)).status).toBe(200)
    const port = new URL(server.url).port
    const rebound = await requestJson(`http://localhost:${port}/api/v1/sse/status`)
    expect(rebound.status).toBe(403)
    expect(rebound.body).toMatchObject({ error: 'host_not_allowed' })
  })

  it('matches names without port, case and trailing dot; ".example.com" covers subdomains', () => {
    expect(hostName('Monitor.Example.com:8000')).toBe('monitor.example.com')
    expect(hostName('[::1]:8000')).toBe('::1')
    expect(hostName('example.com.')).toBe('example.com')
    expect(hostName('a:b:c')).toBeUndefined()
    const allowed = ['monitor.example.com', '.corp.example']
    expect(isHostAllowed(request({ host: 'monitor.example.com:443' }), allowed)).toBe(true)
    expect(isHostAllowed(request({ host: 'corp.example' }), allowed)).toBe(true)
    expect(isHostAllowed(request({ host: 'a.corp.example' }), allowed)).toBe(true)
    expect(isHostAllowed(request({ host: 'evil.example' }), allowed)).toBe(false)
    expect(isHostAllowed(request({ host: 'xcorp.example' }), allowed)).toBe(false)
    expect(isHostAllowed(request({}), allowed)).toBe(false)
  })
})

describe('trusted proxies', () => {
  const trusted = trustedProxies(['10.0.0.5', '10.1.0.0/16'])

  it('take X-Real-IP, else the nearest untrusted X-Forwarded-For hop, from trusted peers only', () => {
    expect(remoteAddress(request({ 'x-real-ip': '203.0.113.9' }, '10.0.0.5'), trusted)).toBe(
      '203.0.113.9',
    )
    expect(remoteAddress(request({ 'x-real-ip': '203.0.113.9' }, '::ffff:10.1.2.3'), trusted)).toBe(
      '203.0.113.9',
    )
    expect(
      remoteAddress(
        request({ 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.1.0.7' }, '10.0.0.5'),
        trusted,
      ),
    ).toBe('203.0.113.9')
    expect(remoteAddress(request({ 'x-real-ip': 'not-an-ip' }, '10.0.0.5'), trusted)).toBe(
      '10.0.0.5',
    )
    expect(remoteAddress(request({ 'x-real-ip': '203.0.113.9' }, '192.0.2.1'), trusted)).toBe(
      '192.0.2.1',
    )
    expect(remoteAddress(request({ 'x-forwarded-for': '203.0.113.9' }, '192.0.2.1'), trusted)).toBe(
      '192.0.2.1',
    )
    expect(remoteAddress(request({ 'x-real-ip': '203.0.113.9' }, '192.0.2.1'))).toBe('192.0.2.1')
  })
})

describe('tokens and content types', () => {
  it('compare tokens by equal-length digests, with the Bearer scheme in any case', () => {
    expect(secretEquals('secret', 'secret')).toBe(true)
    expect(secretEquals('secre', 'secret')).toBe(false)
    expect(secretEquals('', 'secret')).toBe(false)
    expect(hasBearer(request({ authorization: 'Bearer secret' }), 'secret')).toBe(true)
    expect(hasBearer(request({ authorization: 'bearer secret' }), 'secret')).toBe(true)
    expect(hasBearer(request({ authorization: 'Basic secret' }), 'secret')).toBe(false)
    expect(hasBearer(request({ authorization: 'Bearer secret extra' }), 'secret')).toBe(false)
    expect(hasBearer(request({}), 'secret')).toBe(false)
  })

  it('take application/json with parameters only', () => {
    expect(isJsonContentType('application/json')).toBe(true)
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true)
    for (const type of [undefined, '', 'text/plain', 'application/jsonp', 'application/json-seq']) {
      expect(isJsonContentType(type), String(type)).toBe(false)
    }
  })
})

describe('publish bounds', () => {
  it('sit below the client caps', () => {
    // A multiplexed stream adds `,"channel":"dashboard"` and the id and event lines to the data.
    expect(MAX_EVENT_DATA_CHARS + 2 * MAX_ID_CHARS + MAX_EVENT_NAME_CHARS + 64).toBeLessThan(
      CLIENT_MAX_EVENT_CHARS,
    )
    expect(MAX_STRING_CHARS).toBeLessThan(MAX_EVENT_DATA_CHARS)
    expect(MAX_BODY_BYTES).toBeGreaterThan(MAX_EVENT_DATA_CHARS)
    expect(MAX_HISTORY_LIMIT).toBe(1000)
  })

  it('state the real bound of strings, arrays, depth and size', () => {
    expect(checkValueBounds({ message: 'x'.repeat(MAX_STRING_CHARS) })).toBeNull()
    expect(checkValueBounds({ message: 'x'.repeat(MAX_STRING_CHARS + 1) })).toBe(
      'message: string of 10,001 characters; at most 10,000',
    )
    expect(checkValueBounds({ indices: new Array(MAX_ARRAY_ITEMS + 1).fill(0) })).toBe(
      'indices: array of 1,001 items; at most 1,000',
    )
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i += 1) deep = [deep]
    expect(checkValueBounds({ a: deep })).toMatch(/nested 33 levels deep; at most 32$/)
    const wide = { items: Array.from({ length: 100 }, () => 'y'.repeat(6000)) }
    expect(checkEventData(wide)).toMatch(
      /^event data is 600,\d{3} characters; at most 500,000 \(clients skip events over 1,000,000\)$/,
    )
    expect(checkEventData('[[[]]]')).toBeNull()
    expect(checkEventData(`${'['.repeat(MAX_NESTING_DEPTH + 1)}`)).toMatch(/at most 32$/)
  })

  it('count raw nesting outside strings only', () => {
    expect(rawNestingDepth('{"a":"[[[[[[","b":[1,{"c":2}]}')).toBe(3)
    expect(rawNestingDepth('"\\"[[["')).toBe(0)
  })
})
