// Small HTTP helpers of the dev backend: JSON answers, request bodies, CORS and bearer auth.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BlockList, isIP, type Socket } from 'node:net'
import { MAX_BODY_BYTES } from '../src/protocol/limits.ts'

/** Error answer body, FastAPI-like: a short `error` code and a human `detail`. */
export function sendError(res: ServerResponse, status: number, error: string, detail: unknown) {
  sendJson(res, status, { error, detail })
}

/** The `error` code each error answer was sent with, for the request log and the metrics. */
const errorCodes = new WeakMap<ServerResponse, string>()

/** The `error` code `res` was answered with (`unauthorized`, `body_too_large`, …), if any. */
export function errorCodeOf(res: ServerResponse): string | undefined {
  return errorCodes.get(res)
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
  if (status >= 400 && typeof body === 'object' && body !== null && 'error' in body) {
    errorCodes.set(res, String(body.error))
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  res.end(text)
}

/** Why a request body was refused: the answer's status, error code and detail. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** True for `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(header: string | undefined): boolean {
  return header !== undefined && /^application\/json\s*(;|$)/i.test(header.trim())
}

const tooLarge = (): BodyError =>
  new BodyError(413, 'body_too_large', `request body over ${MAX_BODY_BYTES} bytes`)

/**
 * How long, and for how many bytes, a connection is drained after its answer (lingerIfUnread):
 * nginx's 5 s lingering timeout, and room for a body a little over the cap sent whole after an
 * early answer (a 415 to a 1.1 MB upload was cut at 1 MiB, and the client lost its answer).
 */
const LINGER_MS = 5000
const LINGER_BYTES = 4 * MAX_BODY_BYTES

/**
 * Closes a connection the way nginx's lingering close does when its request was answered before
 * the body was read (a 413, a 401, a 404 to a POST): the answer is sent, the write side closed,
 * and what the client is still sending is read and thrown away for a moment (at most LINGER_MS
 * and LINGER_BYTES), so the client sees the answer instead of a reset that can wipe it.
 */
export function lingerIfUnread(req: IncomingMessage, res: ServerResponse): void {
  res.prependOnceListener('finish', () => {
    if (req.complete) return
    const socket = req.socket
    socket.destroySoon = () => {
      if (socket.destroyed) return
      socket.end()
      linger(socket)
    }
  })
}

/** Drains what a client still sends for a moment, then closes (lingering close). */
function linger(socket: Socket): void {
  let left = LINGER_BYTES
  const cut = setTimeout(() => socket.destroy(), LINGER_MS)
  cut.unref()
  socket.on('data', (chunk: Buffer) => {
    left -= chunk.length
    if (left < 0) socket.destroy()
  })
  socket.once('end', () => socket.destroy())
  socket.once('close', () => clearTimeout(cut))
  socket.resume()
}

const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADERS_TIMEOUT: '408 Request Timeout',
}

/**
 * A request Node's parser refused (bad method, bad framing, headers too large): a 4xx JSON answer,
 * then a lingering close, where Node's default would answer and cut at once (a client still
 * sending could then lose the answer to the reset). For `server.on('clientError', …)`; returns the
 * status answered (undefined when the connection was only closed).
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
): number | undefined {
  if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy()
    return undefined
  }
  const status = CLIENT_ERRORS[error.code ?? ''] ?? '400 Bad Request'
  const body = JSON.stringify({ error: 'bad_request', detail: 'malformed HTTP request' })
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  )
  linger(socket)
  return Number(status.slice(0, 3))
}

/** Stops reading a refused body (the connection is then closed, see lingerIfUnread). */
function discardRest(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Connection', 'close')
  req.removeAllListeners('data')
  req.resume()
}

/**
 * Reads a JSON body: `application/json` only (415), at most MAX_BODY_BYTES (413 from the declared
 * length before reading, or as soon as the count passes it). Resolves to the value (undefined for
 * an empty body) or to a BodyError; a refused body is not read any further.
 */
export function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  return new Promise((resolve) => {
    const refuse = (error: BodyError): void => {
      discardRest(req, res)
      resolve(error)
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return refuse(
        new BodyError(415, 'unsupported_media_type', 'send the body as application/json'),
      )
    }
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return refuse(tooLarge())
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        done = true
        chunks.length = 0
        refuse(tooLarge())
        return
      }
      chunks.push(chunk)
    })
    req.on('error', () => {
      if (done) return
      done = true
      resolve(new BodyError(400, 'bad_body', 'the body could not be read'))
    })
    req.on('end', () => {
      if (done) return
      done = true
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') return resolve(undefined)
      try {
        resolve(JSON.parse(text) as unknown)
      } catch (error) {
        resolve(new BodyError(400, 'bad_body', `body is not JSON (${(error as Error).message})`))
      }
    })
  })
}

export const CORS_ALLOW_HEADERS = 'Authorization, Last-Event-ID, Content-Type, Cache-Control'

/** True when the Origin names the host the request was sent to (a same-origin request). */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false
  try {
    return new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

/**
 * Sets the CORS headers for an allowed Origin; returns false for a disallowed one. Requests
 * without Origin (curl, same-origin GETs) and same-origin ones get no CORS headers and pass.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: readonly string[] | '*',
): boolean {
  const origin = req.headers.origin
  res.setHeader('Vary', 'Origin')
  if (origin === undefined) return true
  if (allowed !== '*' && !allowed.includes(origin)) return isSameOrigin(origin, req.headers.host)
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

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/** Compares two secrets in constant time (equal-length digests, so the length leaks nothing). */
export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected))
}

/** True when the request carries `Authorization: Bearer <token>`. */
export function hasBearer(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')
  // Compared even without a match, so a missing header takes as long as a wrong one.
  return secretEquals(match?.[1] ?? '', token) && match !== null
}

/** True when the request carries `Authorization: Bearer <token>` (or no token is required). */
export function isAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  return token === undefined || hasBearer(req, token)
}

/** An address without the IPv4-in-IPv6 prefix (`::ffff:10.0.0.1` is `10.0.0.1`). */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

/** Proxy addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `::1`) as a set to check peers against. */
export function trustedProxies(list: readonly string[]): BlockList {
  const trusted = new BlockList()
  for (const entry of list) {
    const [address = '', bits, extra] = entry.split('/')
    const family = isIP(address)
    if (family === 0 || extra !== undefined)
      throw new Error(`not an address or network: "${entry}"`)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (bits === undefined) {
      trusted.addAddress(address, type)
      continue
    }
    const prefix = Number(bits)
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`bad network prefix in "${entry}"`)
    }
    trusted.addSubnet(address, prefix, type)
  }
  return trusted
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const family = isIP(address)
  return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/**
 * The client address, for the per-address connection limit. Only a peer in `trusted` (the
 * reverse proxies) may name the client: its `X-Real-IP`, else the nearest address in
 * `X-Forwarded-For` that is not itself a trusted proxy. Anyone else's headers are ignored.
 */
export function remoteAddress(req: IncomingMessage, trusted?: BlockList): string {
  const peer = plainAddress(req.socket.remoteAddress ?? 'unknown')
  if (trusted === undefined || !isTrusted(trusted, peer)) return peer
  const realIp = req.headers['x-real-ip']
  if (typeof realIp === 'string' && isIP(realIp.trim()) !== 0) return plainAddress(realIp.trim())
  const forwarded = req.headers['x-forwarded-for']
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((hop) => plainAddress(hop.trim()))
    .filter((hop) => isIP(hop) !== 0)
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index] as string
    if (!isTrusted(trusted, hop)) return hop
  }
  return hops[0] ?? peer
}

/** The host name of a Host header, lower case, without port (`[::1]:8000` is `::1`). */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i.exec(header.trim())
  const name = match?.[1] ?? match?.[2]
  return name?.toLowerCase().replace(/\.$/, '')
}

/**
 * True when the Host header names one of `allowed` (`monitor.example.com`, or `.example.com` for
 * it and its subdomains): a DNS-rebinding page sends its own host name and is refused.
 */
export function isHostAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const name = hostName(req.headers.host)
  if (name === undefined) return false
  return allowed.some((entry) => {
    const host = entry.toLowerCase()
    if (host.startsWith('.')) return name === host.slice(1) || name.endsWith(host)
    return name === host
  })
}
