// The Vite plugin mounts the dev backend in a real Vite dev server and closes it with the server.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createServer } from 'vite'
import { describe, expect, it } from 'vitest'
import { devBackendPlugin } from '../../server/vitePlugin.ts'
import { openSse } from '../support/devBackend.ts'

describe('devBackendPlugin', () => {
  it('serves /api/v1 from the Vite dev server and leaves other paths to Vite', async () => {
    const vite = await createServer({
      configFile: false,
      root: mkdtempSync(join(tmpdir(), 'rtm-vite-')),
      logLevel: 'silent',
      plugins: [devBackendPlugin({ simulate: false, heartbeatSeconds: 0.2 })],
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, ws: false },
      optimizeDeps: { noDiscovery: true, include: [] },
    })
    await vite.listen()
    const address = vite.httpServer?.address() as AddressInfo
    const base = `http://127.0.0.1:${address.port}`
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
})
