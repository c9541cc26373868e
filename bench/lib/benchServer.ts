// One loopback HTTP server for a bench run: the SSE API, the built bench pages and a clock.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { epochNow } from './clock.ts'
import { SseHub } from './sseHub.ts'

export interface BenchServer {
  url: string
  hub: SseHub
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/** Serves `/api/v1/sse/*`, `/bench/clock` and the files under `root`, all on one origin (no CORS in any number). */
export async function startBenchServer(root: string): Promise<BenchServer> {
  const hub = new SseHub()
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/bench/clock')) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      res.end(JSON.stringify({ now: epochNow() }))
      return
    }
    if (hub.handle(req, res)) return
    const path = new URL(req.url ?? '/', 'http://bench').pathname
    // An app build: the working tree's under /app/, a baseline revision's under /rev-REV/.
    const appRoot = /^\/(app|rev-[\w.-]+)\//.exec(path)?.[0]
    if (appRoot && path === `${appRoot}config.json`) {
      // The real app, same origin, debug hook on (the cold-start probe listens to it).
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' })
      res.end(JSON.stringify({ apiBaseUrl: '', debug: true }))
      return
    }
    // The app's routes (no file extension) are answered with its index.html, as a host with rewrites.
    const route = appRoot && extname(path) === '' ? `${appRoot}index.html` : path
    const file = normalize(join(root, decodeURIComponent(route)))
    void stat(file)
      .then((info) => {
        if (!file.startsWith(root + sep) || !info.isFile()) throw new Error('not a file')
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
        createReadStream(file).pipe(res)
      })
      .catch(() => {
        res.writeHead(404, { 'Content-Type': 'text/plain' })
        res.end('not found')
      })
  })
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hub,
    async close() {
      hub.close()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
