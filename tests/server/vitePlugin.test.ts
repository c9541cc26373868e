// The Vite plugin mounts the dev backend in a real Vite dev server and closes it with the server.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createServer, type ViteDevServer } from 'vite'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_STATE_FILE,
  devBackendPlugin,
  type DevBackendPluginOptions,
} from '../../server/vitePlugin.ts'
import { openSse } from '../support/devBackend.ts'

const savedEnv = process.env.RTM_STATE_FILE

afterEach(() => {
  if (savedEnv === undefined) delete process.env.RTM_STATE_FILE
  else process.env.RTM_STATE_FILE = savedEnv
})

async function startVite(options: DevBackendPluginOptions) {
  const root = mkdtempSync(join(tmpdir(), 'rtm-vite-'))
  const vite: ViteDevServer = await createServer({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [devBackendPlugin({ simulate: false, heartbeatSeconds: 0.2, ...options })],
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  })
  await vite.listen()
  const address = vite.httpServer?.address() as AddressInfo
  return { vite, root, base: `http://127.0.0.1:${address.port}` }
}

const emit = (base: string) =>
  fetch(`${base}/api/v1/dev/emit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: 'alerts', data: { timestamp: 't' } }),
  })

describe('devBackendPlugin', () => {
  it('serves /api/v1 from the Vite dev server and leaves other paths to Vite', async () => {
    const { vite, base } = await startVite({ stateFile: null })
    try {
      const status = await fetch(`${base}/api/v1/sse/status`)
      expect(status.status).toBe(200)
      expect(await status.json()).toMatchObject({ status: 'ok', multiplex: true })
      const stream = await openSse(`${base}/api/v1/sse/alerts`)
      await stream.until(() => stream.comments.length > 0)
      expect(stream.events[0]?.event).toBe('connected')
      stream.close()
      const page = await fetch(`${base}/missing-page`)
      expect(page.headers.get('content-type') ?? '').not.toContain('application/json')
    } finally {
      await vite.close()
    }
  })

  it('saves the state file under node_modules/.cache by default and loads it on restart', async () => {
    delete process.env.RTM_STATE_FILE
    const signals = process.listenerCount('SIGINT')
    const first = await startVite({})
    await emit(first.base)
    expect(process.listenerCount('SIGINT')).toBe(signals + 1)
    await first.vite.close()
    expect(process.listenerCount('SIGINT')).toBe(signals)
    const file = join(first.root, DEFAULT_STATE_FILE)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ last_id: 1, clean: true })

    process.env.RTM_STATE_FILE = file
    const second = await startVite({ stateFile: null })
    try {
      const answer = await emit(second.base)
      expect(await answer.json()).toEqual({ id: '2' })
    } finally {
      await second.vite.close()
    }
  })

  it("mounts the dev controls for the page's own origin only", async () => {
    const { vite, base } = await startVite({ stateFile: null })
    try {
      expect((await emit(base)).status).toBe(200)
      // No other site may read answers (nor, after its preflight, drive the dev controls).
      const status = (origin: string) =>
        fetch(`${base}/api/v1/sse/status`, { headers: { Origin: origin } })
      const evil = await status('https://evil.example')
      expect(evil.headers.get('access-control-allow-origin')).toBeNull()
      expect((await status(base)).status).toBe(200)
    } finally {
      await vite.close()
    }
  })

  it('writes no state file with RTM_STATE_FILE set empty', async () => {
    process.env.RTM_STATE_FILE = ''
    const { vite, root, base } = await startVite({})
    await emit(base)
    await vite.close()
    expect(existsSync(join(root, 'node_modules'))).toBe(false)
  })
})
