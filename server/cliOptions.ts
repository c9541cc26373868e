// Backend options from command-line flags (server/main.ts) and environment variables (vitePlugin.ts).
import { parseArgs } from 'node:util'
import { trustedProxies } from './http.ts'
import { LOG_LEVELS, type LogLevel } from './log.ts'
import { FLUSH_MS_RULE, isFlushMs, parseRatesList, type BackendOptions } from './options.ts'

export class UsageError extends Error {}

export const USAGE = `Usage: npm start -- [flags]      (the build: node dist-server/main.js [flags])
       npm run server -- [flags]   (from the TypeScript sources, for development)

A production start serves only what producers publish: it never invents data. The simulator
(made-up market snapshots, risk alerts, training and backtest progress) runs only with --dev or
--demo; then /api/v1/sse/status says "data": "demo" and the page shows "Demo data — not real".
On Redis a simulating start keeps its events under the prefix rtm-demo unless --redis-prefix
names another, and refuses a prefix that holds published events (or belongs to a production
start); a production start refuses a prefix that holds demo data.

  --port <n>            port to listen on (default 8000, env PORT)
  --host <addr>         address to bind (default 127.0.0.1)
  --cors <list>         browser origins allowed cross-origin, comma separated (default none:
                        same origin only); "*" (any origin) only with --dev
  --rates <list>        events/s per channel, e.g. dashboard=2,alerts=0.3,training=1,backtest=1
  --heartbeat <s>       seconds between keepalive pings (default 15)
  --history <n>         events kept per channel (default 1000)
  --retry <ms>          send "retry: <ms>" at the start of every stream
  --auth-token <t>      require "Authorization: Bearer <t>" on /api/v1
  --state-file <path>   save ids and history there on exit (and every few seconds), load on start
  --redis-url <url>     keep events in Redis Streams, shared by every instance (env REDIS_URL)
  --redis-prefix <p>    prefix of the Redis keys (default rtm; rtm-demo when simulating)
  --publish-token <t>   bearer token for POST /api/v1/publish/{channel} (env RTM_PUBLISH_TOKEN)
  --max-clients-per-ip <n>  open streams per client address before 429 (default 50, 0 = no limit)
  --trust-proxy <list>  reverse proxies (addresses or networks, e.g. 10.0.0.5,10.1.0.0/16) whose
                        X-Real-IP / X-Forwarded-For name the client; from anyone else they are ignored
  --allowed-hosts <list>  Host header names served, e.g. monitor.example.com,.example.com (DNS
                        rebinding); default any
  --flush-ms <ms>       at most one write per stream per <ms>, 0 to 1000: an event waits up to
                        that long (default 0: every event-loop turn; 25 for many clients)
  --metrics-token <t>   bearer token of GET /metrics (env RTM_METRICS_TOKEN; default: the
                        --auth-token, and open when there is none)
  --log-level <level>   fatal, error, warn, info (default: one line per request and per stream),
                        debug (also the /healthz, /readyz and /metrics requests), trace or silent
                        (env LOG_LEVEL). Logs are JSON lines on stdout
  --shutdown-retry <ms> on SIGTERM/SIGINT each open stream is told "retry:" a random value from
                        a tenth of this to this, then ended (default 3000)
  --shutdown-timeout <s>  on SIGTERM/SIGINT wait this long for requests to finish, then close the
                        rest and exit (default 10)
  --no-multiplex        no /api/v1/sse/stream, like older backends
  --no-history          no history endpoint
  --demo                a demo deployment: run the simulator (invented data, labelled "demo"
                        everywhere), without the dev controls
  --no-simulate         no simulated events with --dev (publish them, or POST /api/v1/dev/emit);
                        without --dev or --demo there are none anyway
  --dev                 mount the dev controls /api/v1/dev/* (faults, rates, drop, emit), run the
                        simulator and allow any origin by default. Never in production
  --dev-token <t>       bearer token of the dev controls (env RTM_DEV_TOKEN); required with
                        --dev when --auth-token is set
  -h, --help            show this help

Probes and metrics (outside /api/v1): GET /healthz (the process runs), GET /readyz (200 while it
takes streams: not shutting down and, on Redis, connected with its reader caught up; else 503),
GET /metrics (Prometheus text; --metrics-token or --auth-token, and --allowed-hosts, apply).`

function number(name: string, text: string, min: number, integer = false): number {
  const value = Number(text)
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${text}"`,
    )
  }
  return value
}

function flushMs(text: string): number {
  const value = text.trim() === '' ? NaN : Number(text)
  if (!isFlushMs(value)) throw new UsageError(`--flush-ms ${FLUSH_MS_RULE}, got "${text}"`)
  return value
}

function origins(text: string): readonly string[] | '*' {
  if (text.trim() === '*') return '*'
  return text
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function proxies(text: string): string[] {
  const entries = list(text)
  if (entries.length === 0) throw new UsageError('--trust-proxy needs the proxy addresses')
  try {
    trustedProxies(entries)
  } catch (error) {
    throw new UsageError(`--trust-proxy: ${(error as Error).message}`)
  }
  return entries
}

function hosts(text: string): string[] {
  const entries = list(text)
  if (entries.length === 0) throw new UsageError('--allowed-hosts needs at least one host name')
  return entries
}

function rates(name: string, text: string): BackendOptions['rates'] {
  const parsed = parseRatesList(text)
  if (typeof parsed === 'string') throw new UsageError(`${name}: ${parsed}`)
  return parsed
}

export interface CliConfig {
  port: number
  host: string
  help: boolean
  logLevel: LogLevel
  /** How long a shutdown waits for requests to finish before closing what is left. */
  shutdownTimeoutSeconds: number
  options: BackendOptions
}

function logLevel(text: string): LogLevel {
  const level = LOG_LEVELS.find((name) => name === text.trim().toLowerCase())
  if (level === undefined) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`)
  }
  return level
}

/** What a start allows, in a few lines for the console: dev controls, origins, proxies, hosts. */
export function startupNotes(options: BackendOptions): string[] {
  const notes: string[] = []
  if (options.dev) {
    notes.push(
      'DEV START: /api/v1/dev/* (faults, rates, drop, emit) is mounted' +
        (options.devToken ? ' behind --dev-token' : ' for anyone who reaches this port') +
        '. Never start a production server with --dev.',
    )
  }
  const cors = options.corsOrigins ?? (options.dev ? '*' : [])
  if (cors === '*') notes.push('CORS: any origin (dev start)')
  else if (cors.length > 0) notes.push(`CORS: browsers on ${cors.join(', ')} may call this server`)
  else {
    notes.push(
      'CORS: same origin only. If the app is served from another origin, start with ' +
        '--cors https://app.example.com (comma separated for several).',
    )
  }
  const simulating = options.simulate ?? (options.dev === true || options.demo === true)
  if (simulating) {
    notes.push(
      'DEMO DATA: the simulator invents every event this server serves; the status says ' +
        '"data": "demo" and the page labels it "Demo data — not real".',
    )
  } else {
    notes.push(
      'Data: only what producers publish (POST /api/v1/publish/{channel} with --publish-token, ' +
        'or npm run publish on Redis); nothing is invented.',
    )
  }
  if (options.trustProxy?.length) {
    notes.push(
      `Client addresses from X-Real-IP / X-Forwarded-For of ${options.trustProxy.join(', ')} only`,
    )
  }
  if (options.allowedHosts?.length)
    notes.push(`Host must be one of ${options.allowedHosts.join(', ')}`)
  return notes
}

/** Parses the flags of server/main.ts; throws UsageError with a clear message on bad input. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliConfig {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        cors: { type: 'string' },
        rates: { type: 'string' },
        heartbeat: { type: 'string' },
        history: { type: 'string' },
        retry: { type: 'string' },
        'auth-token': { type: 'string' },
        'state-file': { type: 'string' },
        'redis-url': { type: 'string' },
        'redis-prefix': { type: 'string' },
        'publish-token': { type: 'string' },
        'max-clients-per-ip': { type: 'string' },
        'trust-proxy': { type: 'string' },
        'allowed-hosts': { type: 'string' },
        dev: { type: 'boolean' },
        demo: { type: 'boolean' },
        'dev-token': { type: 'string' },
        'flush-ms': { type: 'string' },
        'metrics-token': { type: 'string' },
        'log-level': { type: 'string' },
        'shutdown-retry': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
        'no-multiplex': { type: 'boolean' },
        'no-history': { type: 'boolean' },
        'no-simulate': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const portText = values.port ?? env.PORT ?? '8000'
  const port = number('--port', portText, 0, true)
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got "${portText}"`)
  const dev = values.dev === true
  const demo = values.demo === true
  if (demo && values['no-simulate']) {
    throw new UsageError('--demo runs the simulator; it cannot be combined with --no-simulate')
  }
  const corsOrigins = values.cors === undefined ? undefined : origins(values.cors)
  if (corsOrigins === '*' && !dev) {
    throw new UsageError(
      '--cors "*" (any origin) is only for --dev; name the origins the app is served from, ' +
        'e.g. --cors https://monitor.example.com',
    )
  }
  const devToken = (values['dev-token'] ?? env.RTM_DEV_TOKEN) || undefined
  const authToken = values['auth-token'] || undefined
  if (devToken !== undefined && !dev) throw new UsageError('--dev-token needs --dev')
  if (dev && authToken !== undefined && devToken === undefined) {
    throw new UsageError(
      "--dev with --auth-token needs --dev-token: the dev controls never accept the readers' token",
    )
  }
  const options: BackendOptions = {
    dev: dev ? true : undefined,
    demo: demo ? true : undefined,
    devToken,
    corsOrigins,
    rates: values.rates === undefined ? undefined : rates('--rates', values.rates),
    heartbeatSeconds:
      values.heartbeat === undefined ? undefined : number('--heartbeat', values.heartbeat, 0),
    historySize:
      values.history === undefined ? undefined : number('--history', values.history, 0, true),
    retryMs: values.retry === undefined ? undefined : number('--retry', values.retry, 0, true),
    authToken,
    stateFile: values['state-file'] === '' ? undefined : values['state-file'],
    redisUrl: (values['redis-url'] ?? env.REDIS_URL) || undefined,
    redisPrefix: values['redis-prefix'] || undefined,
    publishToken: (values['publish-token'] ?? env.RTM_PUBLISH_TOKEN) || undefined,
    maxClientsPerIp:
      values['max-clients-per-ip'] === undefined
        ? undefined
        : number('--max-clients-per-ip', values['max-clients-per-ip'], 0, true),
    trustProxy: values['trust-proxy'] === undefined ? undefined : proxies(values['trust-proxy']),
    allowedHosts:
      values['allowed-hosts'] === undefined ? undefined : hosts(values['allowed-hosts']),
    flushMs: values['flush-ms'] === undefined ? undefined : flushMs(values['flush-ms']),
    multiplex: values['no-multiplex'] ? false : undefined,
    history: values['no-history'] ? false : undefined,
    simulate: values['no-simulate'] ? false : undefined,
    metricsToken: (values['metrics-token'] ?? env.RTM_METRICS_TOKEN) || undefined,
    shutdownRetryMs:
      values['shutdown-retry'] === undefined
        ? undefined
        : number('--shutdown-retry', values['shutdown-retry'], 0, true),
  }
  const levelText = values['log-level'] ?? env.LOG_LEVEL
  return {
    port,
    host: values.host ?? '127.0.0.1',
    help: values.help === true,
    logLevel: levelText === undefined || levelText === '' ? 'info' : logLevel(levelText),
    shutdownTimeoutSeconds:
      values['shutdown-timeout'] === undefined
        ? 10
        : number('--shutdown-timeout', values['shutdown-timeout'], 0),
    options,
  }
}

/**
 * Options from the environment, for demos with the Vite dev server:
 * RTM_RATES=dashboard=5,alerts=1  RTM_HEARTBEAT=5  RTM_HISTORY=200  RTM_RETRY_MS=2000
 * RTM_AUTH_TOKEN=secret  RTM_CORS=http://localhost:5173  RTM_SIMULATE=0  RTM_MULTIPLEX=0
 * RTM_HISTORY_ENDPOINT=0  RTM_SEED=42  REDIS_URL=redis://127.0.0.1:6379  RTM_PUBLISH_TOKEN=secret
 * RTM_DEV_TOKEN=secret (the plugin's dev controls then need it)
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): BackendOptions {
  const off = (name: string): false | undefined =>
    env[name] === '0' || env[name] === 'false' ? false : undefined
  const value = (name: string): string | undefined => (env[name] === '' ? undefined : env[name])
  const read = <T>(name: string, parse: (text: string) => T): T | undefined => {
    const text = value(name)
    return text === undefined ? undefined : parse(text)
  }
  return {
    rates: read('RTM_RATES', (text) => rates('RTM_RATES', text)),
    heartbeatSeconds: read('RTM_HEARTBEAT', (text) => number('RTM_HEARTBEAT', text, 0)),
    historySize: read('RTM_HISTORY', (text) => number('RTM_HISTORY', text, 0, true)),
    retryMs: read('RTM_RETRY_MS', (text) => number('RTM_RETRY_MS', text, 0, true)),
    authToken: value('RTM_AUTH_TOKEN'),
    corsOrigins: read('RTM_CORS', origins),
    seed: read('RTM_SEED', (text) => number('RTM_SEED', text, 0, true)),
    simulate: off('RTM_SIMULATE'),
    multiplex: off('RTM_MULTIPLEX'),
    history: off('RTM_HISTORY_ENDPOINT'),
    redisUrl: value('REDIS_URL'),
    publishToken: value('RTM_PUBLISH_TOKEN'),
    devToken: value('RTM_DEV_TOKEN'),
  }
}
