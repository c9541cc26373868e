// Serves a built dist/ the way a static host does: base path, SPA fallback, cache headers, optional CSP.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { lingerIfUnread } from './http.ts'

export interface StaticOptions {
  /** The folder to serve (the build output). */
  root: string
  /** The sub-path the app is deployed under, e.g. "/monitor/" (default "/"). */
  base?: string
  /** Served as /config.json instead of the file, to run one build against several backends. */
  configJson?: unknown
  /** A Content-Security-Policy header for every answer. */
  csp?: string
  /** 'index' answers unknown routes with index.html (rewrite rules); '404' with 404.html and 404 (no rules). */
  fallback?: 'index' | '404'
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/** Hashed build assets never change under their name; everything else must be revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

export function createStaticHandler(options: StaticOptions) {
  const root = resolve(options.root)
  const base = `/${(options.base ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
  const fallback = options.fallback ?? 'index'

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    lingerIfUnread(req, res)
    const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff' }
    if (options.csp) headers['Content-Security-Policy'] = options.csp
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'application/json' })
      res.end(
        JSON.stringify({ error: 'method_not_allowed', detail: `${req.method} is not served here` }),
      )
      return
    }
    const pathname = requestPath(req.url ?? '/')
    if (pathname === undefined) {
      res.writeHead(400, { ...headers, 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: 'bad_request', detail: 'malformed request target' }))
      return
    }
    if (`${pathname}/` === base) {
      res.writeHead(301, { ...headers, Location: base })
      res.end()
      return
    }
    if (!pathname.startsWith(base))
      return sendFile(res, join(root, '404.html'), 404, headers, REVALIDATE)
    const relative = pathname.slice(base.length)
    if (relative === 'config.json' && options.configJson !== undefined) {
      const body = JSON.stringify(options.configJson)
      res.writeHead(200, {
        ...headers,
        'Content-Type': TYPES['.json'] as string,
        'Cache-Control': REVALIDATE,
      })
      res.end(req.method === 'HEAD' ? undefined : body)
      return
    }
    const file = normalize(join(root, relative || 'index.html'))
    if (file !== root && !file.startsWith(root + sep))
      return sendFile(res, join(root, '404.html'), 404, headers, REVALIDATE)
    const found = await isFile(file)
    if (found) {
      const cache = relative.startsWith('assets/') ? IMMUTABLE : REVALIDATE
      return sendFile(res, file, 200, headers, cache, req.method === 'HEAD')
    }
    // A deep link such as /market/realtime: the SPA answers it. Missing assets stay 404.
    const looksLikeRoute = extname(relative) === '' || extname(relative) === '.html'
    if (looksLikeRoute && fallback === 'index')
      return sendFile(res, join(root, 'index.html'), 200, headers, REVALIDATE)
    return sendFile(res, join(root, '404.html'), 404, headers, REVALIDATE)
  }
}

/** The decoded path of a request target; undefined when it is not a path or has a bad escape. */
export function requestPath(target: string): string | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined
  try {
    const pathname = decodeURIComponent(new URL(target, 'http://host').pathname)
    return pathname.includes('\0') ? undefined : pathname
  } catch {
    return undefined
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

async function sendFile(
  res: ServerResponse,
  file: string,
  status: number,
  headers: Record<string, string>,
  cache: string,
  headOnly = false,
): Promise<void> {
  if (!(await isFile(file))) {
    res.writeHead(status === 200 ? 404 : status, {
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
    })
    res.end('Not found')
    return
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream'
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': cache })
  if (headOnly) return void res.end()
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
}
