// The operations endpoints outside /api/v1: the orchestrator's probes and the Prometheus scrape.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { hasBearer, sendError, sendJson } from './http.ts'
import type { ServerMetrics } from './metrics.ts'
import type { ResolvedOptions } from './options.ts'

/** Paths served outside /api/v1 (probes come every few seconds: logged at debug level only). */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics'])

export interface OperationsContext {
  options: Pick<ResolvedOptions, 'metricsToken' | 'authToken'>
  metrics: ServerMetrics
  /** Why the instance should not take streams now, or null (ready). */
  readiness: () => string | null
  /** Answers 403 to a Host outside --allowed-hosts; true when it did. */
  refuseHost: (req: IncomingMessage, res: ServerResponse) => boolean
  /** Logs a bug met while answering and answers 500 if still possible. */
  fail: (res: ServerResponse, error: unknown) => void
}

/** Answers one of OPS_PATHS: no CORS, no API token (except /metrics, see below). */
export function serveOps(
  ctx: OperationsContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendError(res, 405, 'method_not_allowed', 'this endpoint only answers GET')
  }
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' })
  if (path === '/readyz') {
    const problem = ctx.readiness()
    if (problem === null) return sendJson(res, 200, { status: 'ready' })
    return sendJson(res, 503, { error: 'not_ready', detail: problem }, { 'Retry-After': '1' })
  }
  // Metrics say how busy the service is and who uses it: a Host and token check like the API.
  if (ctx.refuseHost(req, res)) return
  const token = ctx.options.metricsToken ?? ctx.options.authToken
  if (token !== undefined && !hasBearer(req, token)) {
    res.setHeader('WWW-Authenticate', 'Bearer')
    return sendError(res, 401, 'unauthorized', 'missing or wrong metrics token')
  }
  const { metrics } = ctx
  metrics.text().then(
    (text) => {
      if (res.headersSent) return
      res.writeHead(200, {
        'Content-Type': metrics.contentType,
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
      })
      res.end(req.method === 'HEAD' ? undefined : text)
    },
    (error: unknown) => ctx.fail(res, error),
  )
}
