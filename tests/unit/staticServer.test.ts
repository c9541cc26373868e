// The static host emulation that the browser tests and `npm run preview` use.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createStaticHandler, type StaticOptions } from '../../server/staticServer.ts'

let server: Server | undefined

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

function site(): string {
  const root = mkdtempSync(join(tmpdir(), 'rtm-dist-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><p>app</p>')
  writeFileSync(join(root, '404.html'), '<!doctype html><p>app via 404</p>')
  writeFileSync(join(root, 'config.json'), '{"apiBaseUrl":""}')
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
  return root
}

async function serve(options: Partial<StaticOptions> = {}) {
  const handle = createStaticHandler({ root: site(), ...options })
  server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('static server', () => {
  it('serves hashed assets immutable and index.html / config.json revalidated', async () => {
    const url = await serve()
    const asset = await fetch(`${url}/assets/index-abc123.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toMatch(/text\/javascript/)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    for (const path of ['/', '/config.json']) {
      const response = await fetch(`${url}${path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-cache')
    }
  })

  it('answers deep links with the app, but a missing asset with 404', async () => {
    const url = await serve()
    const deep = await fetch(`${url}/market/realtime`)
    expect(deep.status).toBe(200)
    expect(await deep.text()).toContain('<p>app</p>')
    expect((await fetch(`${url}/assets/gone-123.js`)).status).toBe(404)
  })

  it('emulates a host without rewrite rules: 404.html with status 404', async () => {
    const url = await serve({ fallback: '404' })
    const deep = await fetch(`${url}/market/realtime`)
    expect(deep.status).toBe(404)
    expect(await deep.text()).toContain('app via 404')
  })

  it('serves under a sub-path and injects config.json and a CSP header', async () => {
    const url = await serve({
      base: '/monitor/',
      configJson: { apiBaseUrl: 'https://x' },
      csp: "script-src 'self'",
    })
    expect((await fetch(`${url}/monitor/`)).status).toBe(200)
    expect((await fetch(`${url}/monitor/market/realtime`)).status).toBe(200)
    expect((await fetch(`${url}/market/realtime`)).status).toBe(404)
    const config = await fetch(`${url}/monitor/config.json`)
    expect(await config.json()).toEqual({ apiBaseUrl: 'https://x' })
    expect(config.headers.get('content-security-policy')).toBe("script-src 'self'")
    const redirect = await fetch(`${url}/monitor`, { redirect: 'manual' })
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe('/monitor/')
  })

  it('refuses path traversal and other methods with clear answers', async () => {
    const url = await serve()
    const dotted = await fetch(`${url}/%2e%2e/%2e%2e/etc/passwd`)
    expect(await dotted.text()).not.toContain('root:')
    expect((await fetch(`${url}/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404)
    const post = await fetch(`${url}/`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(await post.json()).toMatchObject({ error: 'method_not_allowed' })
  })

  it('answers a malformed escape or request target with 400 and keeps serving', async () => {
    const url = await serve()
    const port = Number(new URL(url).port)
    for (const target of ['/%E0%A4%A', '/%', '/a%00b', '//[', 'http://a:99999/', '*']) {
      const head = await rawRequest(
        port,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      )
      expect(head, target).toMatch(/^HTTP\/1\.1 400 /)
      expect(head.toLowerCase()).toContain('x-content-type-options: nosniff')
    }
    expect((await fetch(`${url}/index.html`)).status).toBe(200)
  })
})

/** Sends raw bytes (targets fetch would not send) and resolves with the whole answer. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text))
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}
