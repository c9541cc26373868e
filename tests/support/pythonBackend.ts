// Test helpers: run the Python FastAPI + sse-starlette backend (tests/interop/backend/app.py) as a
// child process on a free loopback port; stop, SIGKILL and restart it; read its payload markers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Channel } from '../../src/protocol/contract.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const APP = `${ROOT}tests/interop/backend/app.py`
const PYDEPS = process.env.PYDEPS_DIR ?? `${ROOT}.pydeps`
const PYTHON = process.env.PYTHON ?? 'python3'

export interface PythonBackendOptions {
  /** `json`: the backend yields `json.dumps(payload)`; `dict`: it yields the dict (sent as `str(dict)`). */
  style?: 'json' | 'dict'
  /** Events per second on each channel connection (default 20; 0 sends none). */
  rate?: number
  /** Seconds between `ping` events (default 30, as such backends do; 0: none). */
  pingSeconds?: number
  /** Seconds between sse-starlette's comment pings (default 15; 0: none). */
  commentPingSeconds?: number
  /** The first N stream requests of each process answer HTTP 500. */
  failFirst?: number
}

export interface PythonBackend {
  /** Base URL, e.g. `http://127.0.0.1:41234` (API paths start with /api/v1). */
  url: string
  port: number
  /** Markers of the running process count from `markerBase + 1` (it grows on every restart). */
  readonly markerBase: number
  /** The running process's id. */
  readonly pid: number
  /** Ends the process (SIGTERM, then SIGKILL if it lingers). */
  stop(): Promise<void>
  /** SIGKILLs the process: open streams break with no goodbye. */
  kill(): Promise<void>
  /** Kills the process and starts a new one on the same port (ids and markers start afresh). */
  restart(options?: PythonBackendOptions): Promise<void>
}

/**
 * The payload marker of an event sent by the Python backend: a per-process, per-channel sequence
 * number that keeps counting across connections (ids restart at 1 on each connection; markers do
 * not). Dashboard: `breadth.unchanged`; alerts: `alert_id` "py-<n>"; training: `step`; backtest:
 * `trades`. NaN when the payload carries none.
 */
export function markerOf(channel: Channel, payload: unknown): number {
  const data = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >
  let value: unknown
  switch (channel) {
    case 'dashboard': {
      const breadth = data.breadth
      value =
        typeof breadth === 'object' && breadth !== null
          ? (breadth as Record<string, unknown>).unchanged
          : undefined
      break
    }
    case 'alerts': {
      const match = typeof data.alert_id === 'string' ? /^py-(\d+)$/.exec(data.alert_id) : null
      value = match ? Number(match[1]) : undefined
      break
    }
    case 'training':
      value = data.step
      break
    case 'backtest':
      value = data.trades
      break
  }
  return typeof value === 'number' && Number.isInteger(value) ? value : Number.NaN
}

/** Distance between the marker ranges of successive processes started by one `PythonBackend`. */
export const MARKER_STRIDE = 1_000_000

const running = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Children also exit when our end of their stdin closes (--exit-with-stdin), so even a crashed
  // test process leaves nothing behind; this is for the orderly exit.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL')
  })
}

let depsChecked = false

/** Installs the backend's packages into .pydeps/ if `npm test` has not already done it. */
export function ensurePythonDeps(): void {
  if (depsChecked) return
  // Quick when they are there (it compares a checksum); installs them from the local index if not.
  execFileSync('bash', [`${ROOT}scripts/ensure-python-deps.sh`], { stdio: 'inherit' })
  if (!existsSync(`${PYDEPS}/.requirements.sha256`))
    throw new Error(`no Python packages in ${PYDEPS}`)
  depsChecked = true
}

/** A uvicorn app started by `launchUvicorn`. */
export interface Launched {
  child: ChildProcess
  port: number
  exited: Promise<void>
}

async function launch(
  port: number,
  markerStart: number,
  options: PythonBackendOptions,
): Promise<Launched> {
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--style',
    options.style ?? 'json',
    '--rate',
    String(options.rate ?? 20),
    '--ping-seconds',
    String(options.pingSeconds ?? 30),
    '--comment-ping-seconds',
    String(options.commentPingSeconds ?? 15),
    '--fail-first',
    String(options.failFirst ?? 0),
    '--marker-start',
    String(markerStart),
    '--exit-with-stdin',
  ]
  return launchUvicorn(APP, args)
}

/**
 * Runs a Python script that starts uvicorn (with `--exit-with-stdin` among `args`, so it never
 * outlives the test process) and waits until it listens and its status endpoint answers (asked
 * with `probeHeaders`, e.g. a token).
 */
export async function launchUvicorn(
  script: string,
  args: string[],
  probeHeaders: Record<string, string> = {},
): Promise<Launched> {
  const child = spawn(PYTHON, [script, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      PYTHONPATH: PYDEPS,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    },
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  running.add(child)
  installExitHook()
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child)
      resolve()
    })
  })
  let log = ''
  let settled = false
  const bound = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('did not start within 20 s')), 20_000)
    const fail = (error: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`Python backend: ${error.message}\n${log.slice(-2000)}`))
    }
    child.on('error', fail)
    child.once('exit', (code, signal) => fail(new Error(`exited early (${signal ?? code})`)))
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => {
      if (log.length < 20_000) log += text
      const match = /Uvicorn running on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
      if (match && !settled) {
        settled = true
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
  })
  // Uvicorn says it runs once it listens; the status endpoint answering proves the app is up.
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${bound}/api/v1/sse/status`, {
        headers: probeHeaders,
      })
      if (response.ok) {
        await response.body?.cancel()
        break
      }
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`Python backend on port ${bound} never answered its status endpoint\n${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, port: bound, exited }
}

/** Ends a launched process: SIGTERM (then SIGKILL if it lingers) or SIGKILL at once. */
export async function endProcess(launched: Launched, signal: NodeJS.Signals): Promise<void> {
  if (launched.child.exitCode !== null || launched.child.signalCode !== null) return
  launched.child.kill(signal)
  if (signal !== 'SIGKILL') {
    const timer = setTimeout(() => launched.child.kill('SIGKILL'), 3000)
    await launched.exited
    clearTimeout(timer)
  } else {
    await launched.exited
  }
}

/** Starts the Python backend on a free loopback port and waits until its status endpoint answers. */
export async function startPythonBackend(
  options: PythonBackendOptions = {},
): Promise<PythonBackend> {
  ensurePythonDeps()
  let current = await launch(0, 0, options)
  let markerBase = 0
  const port = current.port
  let lastOptions = options
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get markerBase() {
      return markerBase
    },
    get pid() {
      return current.child.pid ?? -1
    },
    stop: () => endProcess(current, 'SIGTERM'),
    kill: () => endProcess(current, 'SIGKILL'),
    async restart(next = lastOptions) {
      await endProcess(current, 'SIGKILL')
      lastOptions = next
      markerBase += MARKER_STRIDE
      // The old socket may linger a moment in the kernel: retry the bind briefly.
      for (let attempt = 0; ; attempt += 1) {
        try {
          current = await launch(port, markerBase, next)
          return
        } catch (error) {
          if (attempt >= 20) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    },
  }
}
