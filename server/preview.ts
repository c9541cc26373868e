// `npm run preview`: serves dist/ like a static host (SPA fallback, cache headers), for people and browser tests.
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { answerClientError } from './http.ts'
import { createStaticHandler } from './staticServer.ts'

const USAGE = `Usage: npm run preview -- [--port 4173] [--host 127.0.0.1] [--root dist] [--base /]
                        [--fallback index|404] [--csp "<policy>"]`

let values
try {
  ;({ values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '4173' },
      host: { type: 'string', default: '127.0.0.1' },
      root: { type: 'string', default: 'dist' },
      base: { type: 'string', default: process.env.BASE_PATH ?? '/' },
      fallback: { type: 'string', default: 'index' },
      csp: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }))
} catch (error) {
  console.error(`error: ${(error as Error).message}\n${USAGE}`)
  process.exit(2)
}
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const port = Number(values.port)
if (
  !Number.isInteger(port) ||
  port < 0 ||
  port > 65535 ||
  !['index', '404'].includes(values.fallback)
) {
  console.error(`error: bad --port or --fallback\n${USAGE}`)
  process.exit(2)
}

const handle = createStaticHandler({
  root: values.root,
  base: values.base,
  csp: values.csp,
  fallback: values.fallback as 'index' | '404',
})
// One request that fails must not end the server: it gets an error answer (or its socket closes).
createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(`preview: request failed: ${String(error)}`)
    if (res.headersSent) res.destroy()
    else {
      res.writeHead(500, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      })
      res.end('Internal error')
    }
  })
})
  // CONNECT is not served; without this listener Node would drop the connection unanswered.
  .on('clientError', answerClientError)
  .on('connect', (_req, socket: Socket) => {
    socket.on('error', () => {})
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
  })
  .listen(port, values.host, function (this: Server) {
    const address = this.address()
    const actual = typeof address === 'object' && address !== null ? address.port : port
    console.log(`Serving ${values.root} on http://${values.host}:${actual}${values.base}`)
  })
