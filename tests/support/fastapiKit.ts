// Test helpers: run the FastAPI backend kit (examples/fastapi/app.py) as a real uvicorn process on
// a free loopback port (stop, SIGKILL, restart on the same port), and check data against the
// generated JSON Schemas with Python's jsonschema.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { endProcess, ensurePythonDeps, launchUvicorn, type Launched } from './pythonBackend.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const APP = `${ROOT}examples/fastapi/app.py`
const PYDEPS = process.env.PYDEPS_DIR ?? `${ROOT}.pydeps`
const PYTHON = process.env.PYTHON ?? 'python3'

export interface FastapiKitOptions {
  /** Read events from Redis Streams at this URL; none: in memory with invented events. */
  redisUrl?: string
  /** Invented events per second per channel (default 10). */
  rate?: number
  /** Publish invented events (default: only without Redis). */
  simulate?: boolean
  heartbeatSeconds?: number
  /** Events kept per channel (default 1000). */
  history?: number
  token?: string
}

export interface FastapiKit {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string
  port: number
  readonly pid: number
  stop(): Promise<void>
  /** SIGKILLs the process: open streams break with no goodbye. */
  kill(): Promise<void>
  /** Starts a new process on the same port (after `kill`, or kills the running one first). */
  restart(): Promise<void>
}

function argsOf(port: number, options: FastapiKitOptions): string[] {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--exit-with-stdin']
  args.push('--rate', String(options.rate ?? 10))
  if (options.redisUrl) args.push('--redis-url', options.redisUrl)
  if (options.simulate !== undefined) args.push(options.simulate ? '--simulate' : '--no-simulate')
  if (options.heartbeatSeconds !== undefined)
    args.push('--heartbeat-seconds', String(options.heartbeatSeconds))
  if (options.history !== undefined) args.push('--history', String(options.history))
  if (options.token) args.push('--token', options.token)
  return args
}

export async function startFastapiKit(options: FastapiKitOptions = {}): Promise<FastapiKit> {
  ensurePythonDeps()
  const probe: Record<string, string> = options.token
    ? { Authorization: `Bearer ${options.token}` }
    : {}
  let current: Launched = await launchUvicorn(APP, argsOf(0, options), probe)
  const port = current.port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.child.pid ?? -1
    },
    stop: () => endProcess(current, 'SIGTERM'),
    kill: () => endProcess(current, 'SIGKILL'),
    async restart() {
      await endProcess(current, 'SIGKILL')
      // The old socket may linger a moment in the kernel: retry the bind briefly.
      for (let attempt = 0; ; attempt += 1) {
        try {
          current = await launchUvicorn(APP, argsOf(port, options), probe)
          return
        } catch (error) {
          if (attempt >= 20) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    },
  }
}

/** One instance to check: the schema file (relative to the repo, e.g. docs/schemas/ping.json). */
export interface SchemaCheck {
  schema: string
  instance: unknown
}

const VALIDATE = `
import json, sys
from jsonschema import Draft7Validator
checks = json.load(sys.stdin)
validators = {}
errors = []
for index, check in enumerate(checks):
    path = check["schema"]
    if path not in validators:
        schema = json.load(open(path))
        Draft7Validator.check_schema(schema)
        validators[path] = Draft7Validator(schema)
    for error in validators[path].iter_errors(check["instance"]):
        errors.append(f"#{index} {path}: {'/'.join(map(str, error.path))}: {error.message}")
print(json.dumps(errors))
`

/** Validates each instance with Python's jsonschema (draft-07); returns the errors (none: []). */
export function jsonSchemaErrors(checks: SchemaCheck[]): string[] {
  ensurePythonDeps()
  const output = execFileSync(PYTHON, ['-c', VALIDATE], {
    cwd: ROOT,
    input: JSON.stringify(checks),
    env: { ...process.env, PYTHONPATH: PYDEPS },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(output) as string[]
}
