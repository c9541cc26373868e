// Test helpers: run the dev backend on a free loopback port (stoppable, restartable) and read SSE.
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { createBackend, type Backend, type BackendOptions } from '../../server/backend.ts'

export interface DevBackendServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (API paths start with /api/v1). */
  url: string
  port: number
  backend: Backend
  /** Closes the listener and destroys open sockets; the backend keeps its ids and rings. */
  stop(): Promise<void>
  /** Listens again on the same port with the same backend. */
  start(): Promise<void>
  /** Stops the server for good and closes the backend. */
  close(): Promise<void>
  /** Every request this server was asked for so far, in order: target and Authorization header. */
  readonly requests: readonly BackendRequest[]
}

/** Starts a backend on `listenPort` (default: a free one; a port reused after a close: a restart). */
export interface BackendRequest {
  /** The request target, e.g. `/api/v1/sse/stream?channels=…`. */
  url: string
  authorization: string | null
  /** The `Last-Event-ID` header, if one was sent. */
  lastEventId: string | null
}

export async function startDevBackend(
  options: BackendOptions = {},
  listenPort = 0,
): Promise<DevBackendServer> {
  const backend = createBackend(options)
  let server: Server | undefined
  let port = listenPort
  const sockets = new Set<Socket>()
  const requests: BackendRequest[] = []

  const listen = async (): Promise<void> => {
    const next = createServer((req, res) => {
      requests.push({
        url: req.url ?? '',
        authorization: req.headers.authorization ?? null,
        lastEventId: (req.headers['last-event-id'] as string | undefined) ?? null,
      })
      backend.handle(req, res)
    })
    next.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => resolve())
    })
    port = (next.address() as AddressInfo).port
    server = next
  }

  const stop = async (): Promise<void> => {
    const current = server
    server = undefined
    if (current === undefined) return
    const closed = new Promise<void>((resolve) => current.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  await listen()
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    backend,
    stop,
    start: listen,
    requests,
    async close() {
      await backend.close()
      await stop()
    },
  }
}

export interface SseReader {
  status: number
  headers: Headers
  /** Every character received so far, undecoded by the SSE parser. */
  raw: string
  events: EventSourceMessage[]
  comments: string[]
  retries: number[]
  /** True once the server ended or broke the stream. */
  ended: boolean
  /** Resolves when `check()` holds (re-checked on every chunk); rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>
  /** Resolves with the events once at least `count` arrived. */
  take(count: number, timeoutMs?: number): Promise<EventSourceMessage[]>
  close(): void
}

/** Opens a stream with fetch and parses it with eventsource-parser (never by hand). */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseReader> {
  const abort = new AbortController()
  const response = await fetch(url, { headers, signal: abort.signal })
  const waiters = new Set<() => void>()
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter()
  }
  const reader: SseReader = {
    status: response.status,
    headers: response.headers,
    raw: '',
    events: [],
    comments: [],
    retries: [],
    ended: false,
    until(check, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const waiter = (): void => {
          if (!check()) return
          waiters.delete(waiter)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(
            new Error(
              `SSE wait timed out; got ${reader.events.length} events: ${reader.raw.slice(-300)}`,
            ),
          )
        }, timeoutMs)
        waiters.add(waiter)
        waiter()
      })
    },
    async take(count, timeoutMs) {
      await reader.until(() => reader.events.length >= count || reader.ended, timeoutMs)
      return reader.events
    },
    close() {
      abort.abort()
    },
  }
  const parser = createParser({
    onEvent: (event) => reader.events.push(event),
    onComment: (comment) => reader.comments.push(comment),
    onRetry: (retry) => reader.retries.push(retry),
  })
  void (async () => {
    const decoder = new TextDecoder()
    try {
      const body = response.body?.getReader()
      for (;;) {
        const chunk = await body?.read()
        if (chunk === undefined || chunk.done) break
        const text = decoder.decode(chunk.value, { stream: true })
        reader.raw += text
        parser.feed(text)
        notify()
      }
    } catch {
      // Aborted or broken by the server: both end the stream.
    }
    reader.ended = true
    notify()
  })()
  return reader
}

/** GETs or POSTs JSON and returns the status, headers and parsed body. */
export async function requestJson(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  }
}
