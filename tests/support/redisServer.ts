// Test helper: a real redis-server on a free loopback port, in a temp dir, without persistence.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  url: string
  port: number
  /** Process id of the running server (undefined while killed). */
  readonly pid: number | undefined
  /** Kills the server (SIGKILL: nothing saved, like a crash). */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: there is no persistence). */
  restart(): Promise<void>
  /** Kills it for good and removes its directory. */
  close(): Promise<void>
}

/** The redis-server binary; a clear error when it is missing, so tests fail rather than skip. */
export function redisServerBinary(): string {
  const candidates = [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server']
  for (const path of candidates) if (path && existsSync(path)) return path
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const onPath = found.stdout.trim()
  if (found.status === 0 && onPath !== '') return onPath
  throw new Error(
    'redis-server not found (looked at $REDIS_SERVER_BIN, /usr/bin/redis-server and PATH). ' +
      'Install Debian\'s "redis-server" package (.ci/run does it when run as root).',
  )
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** True when something on the port answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(500, () => socket.destroy())
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) socket.end()
    })
    socket.on('close', () => resolve(reply.startsWith('+PONG')))
    socket.on('error', () => {})
  })
}

function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = spawn(
    binary,
    [...args, '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const probe = (): void => {
      if (child.exitCode !== null) {
        reject(new Error(`redis-server exited (${child.exitCode}): ${output.slice(-500)}`))
        return
      }
      void ping(port).then((pong) => {
        if (pong) return resolve(child)
        if (Date.now() - started > 10_000) {
          child.kill('SIGKILL')
          reject(new Error(`redis-server did not answer on port ${port}: ${output.slice(-500)}`))
          return
        }
        setTimeout(probe, 50)
      })
    }
    probe()
  })
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisServerBinary()
  const dir = mkdtempSync(join(tmpdir(), 'rtm-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined = await launch(binary, port, dir)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid
    },
    async kill() {
      await stop(child)
      child = undefined
    },
    async restart() {
      await stop(child)
      child = await launch(binary, port, dir)
    },
    async close() {
      await stop(child)
      child = undefined
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
