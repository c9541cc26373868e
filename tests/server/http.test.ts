// Dev backend HTTP edges: CORS allow/deny and preflight, bearer auth, unknown paths, middleware use.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createBackend } from '../../server/backend.ts'
import {
  openSse,
  requestJson,
  startDevBackend,
  type DevBackendServer,
} from '../support/devBackend.ts'

let server: DevBackendServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

const APP = 'http://app.example:5173'

describe('CORS', () => {
  it('echoes an allowed origin on answers and streams', async () => {
    server = await startDevBackend({ simulate: false, corsOrigins: [APP] })
    const status = await fetch(`${server.url}/api/v1/sse/status`, { headers: { Origin: APP } })
    expect(status.headers.get('access-control-allow-origin')).toBe(APP)
    expect(status.headers.get('vary')).toMatch(/Origin/)
    expect(status.headers.get('access-control-expose-headers')).toMatch(/Retry-After/)
    const stream = await openSse(`${server.url}/api/v1/sse/alerts`, { Origin: APP })
    expect(stream.headers.get('access-control-allow-origin')).toBe(APP)
    stream.close()
  })

  it('answers an allowed preflight with 204 and the allowed headers', async () => {
    server = await startDevBackend({ simulate: false, corsOrigins: [APP], authToken: 'secret' })
    const preflight = await fetch(`${server.url}/api/v1/sse/alerts`, {
      method: 'OPTIONS',
      headers: {
        Origin: APP,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization, last-event-id',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP)
    const allowed = preflight.headers.get('access-control-allow-headers') ?? ''
    for (const header of ['Authorization', 'Last-Event-ID', 'Content-Type', 'Cache-Control']) {
      expect(allowed).toContain(header)
    }
  })

  it('gives a disallowed origin no CORS headers and a 403 preflight', async () => {
    server = await startDevBackend({ simulate: false, corsOrigins: [APP] })
    const evil = { Origin: 'http://evil.example' }
    const status = await fetch(`${server.url}/api/v1/sse/status`, { headers: evil })
    expect(status.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await requestJson(`${server.url}/api/v1/sse/alerts`, {
      method: 'OPTIONS',
      headers: evil,
    })
    expect(preflight.status).toBe(403)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    expect(preflight.body).toHaveProperty('error')
  })

  it('allows any origin by default in a dev start', async () => {
    server = await startDevBackend({ simulate: false, dev: true })
    const origin = 'http://localhost:4173'
    const status = await fetch(`${server.url}/api/v1/sse/status`, { headers: { Origin: origin } })
    expect(status.headers.get('access-control-allow-origin')).toBe(origin)
  })

  it('allows no other origin by default in a production start, and refuses "*" there', async () => {
    server = await startDevBackend({ simulate: false })
    const origin = 'http://localhost:4173'
    const status = await fetch(`${server.url}/api/v1/sse/status`, { headers: { Origin: origin } })
    expect(status.status).toBe(200)
    expect(status.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await fetch(`${server.url}/api/v1/sse/status`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
    })
    expect(preflight.status).toBe(403)
    // The page's own origin is not cross-origin: its preflight (if any) passes.
    const own = await fetch(`${server.url}/api/v1/sse/status`, {
      method: 'OPTIONS',
      headers: { Origin: server.url, 'Access-Control-Request-Method': 'GET' },
    })
    expect(own.status).toBe(204)
    expect(() => createBackend({ corsOrigins: '*' })).toThrow(/dev starts only/)
  })
})

describe('bearer auth', () => {
  it('answers 401 JSON without the right token, on every endpoint', async () => {
    server = await startDevBackend({ simulate: false, authToken: 'secret', corsOrigins: [APP] })
    for (const path of ['/sse/status', '/sse/alerts', '/sse/alerts/history', '/dev/faults']) {
      const bare = await requestJson(`${server.url}/api/v1${path}`, { headers: { Origin: APP } })
      expect(bare.status, path).toBe(401)
      expect(bare.body).toHaveProperty('error')
      expect(bare.headers.get('access-control-allow-origin')).toBe(APP)
      const wrong = await fetch(`${server.url}/api/v1${path}`, {
        headers: { Authorization: 'Bearer nope' },
      })
      expect(wrong.status, path).toBe(401)
    }
  })

  it('serves status and streams with the right token', async () => {
    server = await startDevBackend({ simulate: false, authToken: 'secret' })
    const auth = { Authorization: 'Bearer secret' }
    expect((await requestJson(`${server.url}/api/v1/sse/status`, { headers: auth })).status).toBe(
      200,
    )
    const stream = await openSse(`${server.url}/api/v1/sse/alerts`, auth)
    expect(stream.status).toBe(200)
    await stream.take(1)
    stream.close()
  })
})

describe('routing', () => {
  it('answers 404 JSON for unknown /api/v1 paths and 405 for wrong methods', async () => {
    server = await startDevBackend({ simulate: false })
    const missing = await requestJson(`${server.url}/api/v1/nothing`)
    expect(missing.status).toBe(404)
    expect(missing.body).toHaveProperty('error')
    expect((await requestJson(`${server.url}/api/v1/sse/status`, { method: 'POST' })).status).toBe(
      405,
    )
    expect((await requestJson(`${server.url}/elsewhere`)).status).toBe(404)
  })

  it('hands other paths to next() when used as middleware', async () => {
    const backend = createBackend({ simulate: false })
    const http = createServer((req, res) => backend.handle(req, res, () => res.end('from next')))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    expect(await (await fetch(`${base}/index.html`)).text()).toBe('from next')
    expect((await fetch(`${base}/api/v1/sse/status`)).status).toBe(200)
    backend.close()
    await new Promise((resolve) => http.close(resolve))
  })
})
