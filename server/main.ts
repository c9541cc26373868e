// The server on its own (`npm run server`): the wire contract on a plain HTTP port.
import { createServer } from 'node:http'
import type { Socket } from 'node:net'
import { createBackend } from './backend.ts'
import { answerClientError } from './http.ts'
import { parseCli, startupNotes, USAGE, UsageError } from './cliOptions.ts'

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

const backend = createBackend(config.options)
const sockets = new Set<Socket>()
const server = createServer((req, res) => backend.handle(req, res))
server.on('connection', (socket) => {
  sockets.add(socket)
  socket.on('close', () => sockets.delete(socket))
})
// CONNECT is not served; without this listener Node would drop the connection unanswered.
server.on('clientError', answerClientError)
server.on('connect', (_req, socket: Socket) => {
  socket.on('error', () => {})
  socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
})
server.on('error', (error) => {
  console.error(`error: cannot listen on ${config.host}:${config.port}: ${error.message}`)
  process.exit(1)
})
server.listen(config.port, config.host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  console.log(`Realtime Monitor server on http://${host}:${port} (status: /api/v1/sse/status)`)
  for (const note of startupNotes(config.options)) console.log(note)
  if (config.options.redisUrl !== undefined) {
    // Streams opened before this line miss events published meanwhile (the reader is not placed).
    backend.ready().then(
      () => console.log('Redis: connected, reading the channel streams'),
      (error: unknown) => {
        // The prefix's data mark disagrees with this start (live and demo would mix): never serve.
        console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
        process.exit(1)
      },
    )
  }
})

function shutdown(signal: string): void {
  console.log(`${signal}: closing streams and exiting`)
  const closed = backend.close()
  server.close(() => void closed.finally(() => process.exit(0)))
  // Ended streams close on their own; anything still open after a moment is cut.
  setTimeout(() => {
    for (const socket of sockets) socket.destroy()
  }, 500).unref()
  setTimeout(() => process.exit(0), 2000).unref()
}
process.once('SIGINT', () => shutdown('SIGINT'))
process.once('SIGTERM', () => shutdown('SIGTERM'))
