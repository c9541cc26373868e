// Small HTTP helpers of the dev backend: JSON answers, request bodies, CORS and bearer auth.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Largest JSON body the dev endpoints accept. */
const MAX_BODY_BYTES = 1024 * 1024

/** Error answer body, FastAPI-like: a short `error` code and a human `detail`. */
export function sendError(res: ServerResponse, status: number, error: string, detail: unknown) {
  sendJson(res, status, { error, detail })
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  })
  res.end(text)
}

/** Reads a JSON body; resolves to the value, or to an Error whose message is the reason. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('error', (error) => resolve(error))
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return resolve(new Error('body too large'))
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') return resolve(undefined)
      try {
        resolve(JSON.parse(text) as unknown)
      } catch (error) {
        resolve(new Error(`body is not JSON (${(error as Error).message})`))
      }
    })
  })
}

export const CORS_ALLOW_HEADERS = 'Authorization, Last-Event-ID, Content-Type, Cache-Control'

/**
 * Sets the CORS headers for an allowed Origin; returns false for a disallowed one.
 * Requests without Origin (same origin, curl) get no CORS headers and are allowed.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: readonly string[] | '*',
): boolean {
  const origin = req.headers.origin
  res.setHeader('Vary', 'Origin')
  if (origin === undefined) return true
  if (allowed !== '*' && !allowed.includes(origin)) return false
  res.setHeader('Access-Control-Allow-Origin', origin)
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After')
  return true
}

/** Answers a preflight request (CORS headers already applied when allowed). */
export function answerPreflight(res: ServerResponse, allowed: boolean): void {
  if (!allowed) {
    sendError(res, 403, 'origin_not_allowed', 'this Origin is not allowed')
    return
  }
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  })
  res.end()
}

/** True when the request carries `Authorization: Bearer <token>` (or no token is required). */
export function isAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true
  return req.headers.authorization === `Bearer ${token}`
}

/**
 * The client address, for the per-address connection limit. Behind a reverse proxy every peer is
 * the proxy, so with `trustProxy` the proxy's `X-Real-IP` header names the client instead.
 */
export function remoteAddress(req: IncomingMessage, trustProxy = false): string {
  const forwarded = req.headers['x-real-ip']
  if (trustProxy && typeof forwarded === 'string' && forwarded !== '') return forwarded
  return req.socket.remoteAddress ?? 'unknown'
}
