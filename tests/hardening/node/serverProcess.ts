// Hardening helpers: the real server processes (tsx server/main.ts, server/preview.ts) on loopback,
// and a raw HTTP/1.1 client that sends what fetch will not (bad targets, methods, framings).
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../../..')
const TSX = resolve(ROOT, 'node_modules/.bin/tsx')

export interface ServerProcess {
  url: string
  port: number
  /** Everything the process wrote to stdout and stderr so far. */
  readonly log: string
  /** True while the process runs. */
  alive(): boolean
  /** Resolves when `check(log)` holds; rejects after `timeoutMs` or if the process exits. */
  waitForLog(check: (log: string) => boolean, timeoutMs?: number): Promise<void>
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
  stop(): Promise<void>
  /** SIGKILL at once: no chance to save or say goodbye (a crash, an OOM kill). */
  kill(): Promise<void>
}

/**
 * Starts a TypeScript entry point of the project as its own process on a free loopback port and
 * resolves once it printed `http://127.0.0.1:<port>` (the port it really listens on).
 */
export function spawnServer(entry: string, args: readonly string[]): Promise<ServerProcess> {
  return spawnCommand(entry, TSX, [entry, '--host', '127.0.0.1', '--port', '0', ...args], ROOT)
}

/**
 * Starts `command` (a server that prints `http://127.0.0.1:<port>` once listening) in `cwd`, in
 * its own process group; `label` names it in errors. The caller passes the host and port flags.
 */
export function spawnCommand(
  label: string,
  command: string,
  commandArgs: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const entry = label
  const child: ChildProcess = spawn(command, [...commandArgs], {
    cwd,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the server in a child process, and kill() must reach both.
    detached: true,
  })
  let log = ''
  const waiters = new Set<() => void>()
  const onOutput = (chunk: Buffer): void => {
    log += chunk.toString()
    for (const waiter of [...waiters]) waiter()
  }
  child.stdout?.on('data', onOutput)
  child.stderr?.on('data', onOutput)
  child.on('exit', () => {
    for (const waiter of [...waiters]) waiter()
  })
  const alive = (): boolean => child.exitCode === null && child.signalCode === null
  const waitForLog = (check: (text: string) => boolean, timeoutMs = 20_000): Promise<void> =>
    new Promise((done, fail) => {
      const waiter = (): void => {
        if (check(log)) {
          waiters.delete(waiter)
          clearTimeout(timer)
          done()
        } else if (!alive()) {
          waiters.delete(waiter)
          clearTimeout(timer)
          fail(new Error(`${entry} exited (${child.exitCode ?? child.signalCode}): ${log}`))
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        fail(new Error(`timed out waiting for ${entry}'s output: ${log.slice(-2000)}`))
      }, timeoutMs)
      waiters.add(waiter)
      waiter()
    })
  const listening = /http:\/\/127\.0\.0\.1:(\d+)/
  return waitForLog((text) => listening.test(text)).then(() => {
    const port = Number(listening.exec(log)?.[1])
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      get log() {
        return log
      },
      alive,
      waitForLog,
      stop: () =>
        new Promise<void>((done) => {
          if (!alive()) return done()
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
          child.once('exit', () => {
            clearTimeout(kill)
            done()
          })
          child.kill('SIGTERM')
        }),
      kill: () =>
        new Promise<void>((done) => {
          if (!alive()) return done()
          child.once('exit', () => done())
          try {
            process.kill(-(child.pid as number), 'SIGKILL')
          } catch {
            child.kill('SIGKILL')
          }
        }),
    }
  })
}

/** The backend (`npm run server`) with these flags. */
export function spawnBackend(args: readonly string[]): Promise<ServerProcess> {
  return spawnServer('server/main.ts', args)
}

export interface RawAnswer {
  status: number
  /** The status line and headers, as received. */
  head: string
}

/**
 * Sends raw bytes on a fresh connection and resolves with the answer's status line and headers
 * as soon as they are in (a stream is not read further). Rejects when the connection ends or
 * fails before a whole answer head arrived: a dropped connection. Body bytes that the server no
 * longer reads after answering (an early 413) may fail to send; that is not an error.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer | readonly Buffer[] = [],
  timeoutMs = 15_000,
): Promise<RawAnswer> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let settled = false
    const finish = (error?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) return fail(error)
      const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(received)?.[1])
      done({ status, head: received.slice(0, received.indexOf('\r\n\r\n')) })
    }
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${timeoutMs} ms to ${head.split('\r\n')[0]}`)),
      timeoutMs,
    )
    socket.on('connect', () => {
      socket.write(head)
      const parts = Buffer.isBuffer(body) ? [body] : body
      for (const part of parts) socket.write(part)
    })
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      // An interim answer (100 Continue) is not the answer: wait for the one after it.
      while (/^HTTP\/1\.[01] 1\d\d /.test(received) && received.includes('\r\n\r\n')) {
        received = received.slice(received.indexOf('\r\n\r\n') + 4)
      }
      if (/^HTTP\/1\.[01] [2-9]\d\d /.test(received) && received.includes('\r\n\r\n')) finish()
    })
    const dropped = (why: string) => () =>
      finish(
        new Error(`connection ${why} before an answer to ${head.split('\r\n')[0]}: ${received}`),
      )
    socket.on('end', dropped('ended'))
    socket.on('close', dropped('closed'))
    socket.on('error', (error) => {
      // Before an answer head, a failure is a dropped connection (finish() ignores later ones).
      dropped(`failed (${error.message})`)()
    })
  })
}

/** A GET of `target` with `Connection: close` and the given extra header lines. */
export function rawGet(port: number, target: string, headers: string[] = []): Promise<RawAnswer> {
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Connection: close',
    ...headers,
  ]
  return rawRequest(port, `${lines.join('\r\n')}\r\n\r\n`)
}
