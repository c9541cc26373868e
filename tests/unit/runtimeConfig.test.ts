import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildTimeConfig, ConfigError, loadRuntimeConfig, mergeConfig } from '@/config/runtimeConfig'

const base = buildTimeConfig({ VITE_API_BASE_URL: 'http://localhost:8000' })
const answer = (body: unknown, status = 200) =>
  vi.fn(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }))

afterEach(() => vi.restoreAllMocks())

describe('loadRuntimeConfig', () => {
  it('overrides the build-time base URL and transport options from config.json', async () => {
    const fetchFn = answer({ apiBaseUrl: 'https://api.example.com/monitor', transport: { heartbeatSeconds: 30 } })
    const config = await loadRuntimeConfig(fetchFn, '/monitor/', base)
    expect(fetchFn).toHaveBeenCalledWith('/monitor/config.json', expect.anything())
    expect(config.apiBaseUrl).toBe('https://api.example.com/monitor')
    expect(config.transport.heartbeatSeconds).toBe(30)
    expect(config.transport.backoffMaxMs).toBe(30_000)
  })

  it('falls back to build-time values with a warning when config.json is missing or broken', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect((await loadRuntimeConfig(answer('nope', 404), '/', base)).apiBaseUrl).toBe('http://localhost:8000')
    expect((await loadRuntimeConfig(answer('{oops', 200), '/', base)).apiBaseUrl).toBe('http://localhost:8000')
    const offline = vi.fn(async () => Promise.reject(new TypeError('offline')))
    expect((await loadRuntimeConfig(offline, '/', base)).apiBaseUrl).toBe('http://localhost:8000')
    expect(warn).toHaveBeenCalledTimes(3)
    expect(warn.mock.calls[0]?.[0]).toMatch(/config\.json answered HTTP 404; using the build-time/)
  })

  it('throws a ConfigError that names the field when a value is malformed', async () => {
    await expect(loadRuntimeConfig(answer({ apiBaseUrl: 'not a url' }), '/', base)).rejects.toThrow(ConfigError)
    await expect(loadRuntimeConfig(answer({ apiBaseUrl: 'not a url' }), '/', base)).rejects.toThrow(
      /config\.json: apiBaseUrl: must be empty, a path starting with "\/", or an absolute http\(s\) URL/,
    )
    await expect(loadRuntimeConfig(answer({ channels: ['dashboard', 'weather'] }), '/', base)).rejects.toThrow(
      /channels\.1/,
    )
    await expect(loadRuntimeConfig(answer({ transport: { heartbeatSecs: 3 } }), '/', base)).rejects.toThrow(
      /heartbeatSecs/,
    )
  })

  it('rejects a malformed build-time base URL too', async () => {
    const bad = buildTimeConfig({ VITE_API_BASE_URL: 'localhost:8000' })
    await expect(loadRuntimeConfig(answer({}), '/', bad)).rejects.toThrow(/VITE_API_BASE_URL/)
  })
})

describe('apiBaseUrl', () => {
  it('accepts the same origin, a path with a single "/", and http(s) URLs', () => {
    for (const value of ['', '/', '/backend', '/monitor/api', 'http://localhost:8000', 'https://risk.example.com/monitor']) {
      expect(mergeConfig(base, { apiBaseUrl: value }, 'config.json').apiBaseUrl).toBe(value)
    }
  })

  it('refuses anything that could send the token to another host, naming the field and the fix', () => {
    const hostile = [
      '//evil.example',
      '//evil.example/api',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' /backend',
      'javascript:alert(1)',
      'JavaScript://%0aalert(1)',
      'data:text/html,x',
      'ftp://files.example.com',
      'ws://api.example.com',
      'file:///etc/passwd',
      'http://',
      'https:/evil.example',
      'evil.example',
    ]
    for (const value of hostile) {
      expect(() => mergeConfig(base, { apiBaseUrl: value }, 'config.json'), value).toThrow(ConfigError)
      expect(() => mergeConfig(base, { apiBaseUrl: value }, 'config.json'), value).toThrow(
        /^config\.json: apiBaseUrl: must be empty, a path starting with "\/", or an absolute http\(s\) URL .*the bearer token is sent to the origin it names/,
      )
    }
  })
})

describe('mergeConfig', () => {
  it('accepts same-origin, path and absolute bases and the auth modes', () => {
    expect(mergeConfig(base, { apiBaseUrl: '' }, 'x').apiBaseUrl).toBe('')
    expect(mergeConfig(base, { apiBaseUrl: '/backend' }, 'x').apiBaseUrl).toBe('/backend')
    expect(mergeConfig(base, { auth: { mode: 'bearer', storageKey: 'token' } }, 'x').auth).toEqual({
      mode: 'bearer',
      storageKey: 'token',
    })
    expect(mergeConfig(base, { channels: ['alerts', 'alerts'] }, 'x').channels).toEqual(['alerts'])
  })
})
