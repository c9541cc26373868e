// The server on its own (`npm start`, `npm run server`): the wire contract on a plain HTTP port.
import { createServer } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createBackend } from './backend.ts'
import { answerClientError } from './http.ts'
import { parseCli, startupNotes, USAGE, UsageError } from './cliOptions.ts'
import { jsonLog } from './log.ts'

function configure() {
  try {
    return parseCli(process.argv.slice(2), process.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`error: ${error.message}\n\n${USAGE}`)
    process.exit(2)
  }
}

const config = configure()
if (config.help) {
  console.log(USAGE)
  process.exit(0)
}

const log = jsonLog(config.logLevel)

/** The process cannot go on: a JSON line for the log, a plain line on stderr for whoever started it. */
function fatal(message: string): never {
  log.error({}, message)
  console.error(`error: ${message}`)
  process.exit(1)
}

/** How long closing the event store may take after the requests are done (then the exit). */
const CLOSE_STORE_MS = 2000

const backend = createBackend({ ...config.options, log })
const sockets = new Set<Socket>()
const server = createServer((req, res) => backend.handle(req, res))
server.on('connection', (socket) => {
  sockets.add(socket)
  socket.on('close', () => sockets.delete(socket))
})
// A request Node's parser refused: answered 4xx by answerClientError, counted and logged here.
server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
  const client = socket.remoteAddress ?? 'unknown'
  const status = answerClientError(error, socket)
  if (status === undefined) return
  backend.metrics.rejected(status, 'bad_request')
  log.info({ status, client, error: 'bad_request', code: error.code }, 'malformed request')
})
// CONNECT is not served; without this listener Node would drop the connection unanswered.
server.on('connect', (_req, socket: Socket) => {
  socket.on('error', () => {})
  socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
})
server.on('error', (error) => {
  fatal(`cannot listen on ${config.host}:${config.port}: ${error.message}`)
})
server.listen(config.port, config.host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  log.info({ url }, `Realtime Monitor server on ${url} (status: /api/v1/sse/status)`)
  for (const note of startupNotes(config.options)) log.info({}, note)
  if (config.options.redisUrl !== undefined) {
    // Streams opened before this line miss events published meanwhile (the reader is not placed).
    backend.ready().then(
      () => log.info({}, 'Redis: connected, reading the channel streams'),
      // The prefix's data mark disagrees with this start (live and demo would mix): never serve.
      (error: unknown) => fatal(error instanceof Error ? error.message : String(error)),
    )
  }
})

const sleep = (ms: number): Promise<'timeout'> =>
  new Promise((resolve) => setTimeout(() => resolve('timeout'), ms))

/**
 * A graceful stop: no new connections, /readyz says 503, every open stream is told when to come
 * back (`retry:` with jitter) and ended, requests in flight may finish within the bound; then the
 * rest is cut, the event store closed (the state file saved in memory), and the process exits.
 */
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  const started = performance.now()
  const streams = backend.stats().streamConnections
  const timeoutMs = config.shutdownTimeoutSeconds * 1000
  log.info(
    { signal, streams, timeout_ms: timeoutMs },
    `${signal}: closing ${streams} streams and exiting`,
  )
  backend.drain()
  const closed = new Promise<'closed'>((resolve) => server.close(() => resolve('closed')))
  // Keep-alive connections go idle once their stream or request is done: close them as they do.
  server.closeIdleConnections()
  const sweep = setInterval(() => server.closeIdleConnections(), 100)
  const outcome = await Promise.race([closed, sleep(timeoutMs)])
  clearInterval(sweep)
  if (outcome === 'timeout') {
    log.warn({ connections: sockets.size }, `shutdown: ${sockets.size} connections cut`)
    for (const socket of sockets) socket.destroy()
  }
  await Promise.race([backend.close(), sleep(CLOSE_STORE_MS)])
  log.info({ duration_ms: Math.round(performance.now() - started) }, 'stopped')
  process.exit(0)
}
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    void shutdown(signal)
  })
}
