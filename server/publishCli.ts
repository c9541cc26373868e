// `npm run publish -- <channel> <json>`: a producer on the command line, through POST /publish.
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { CHANNELS, isChannel } from '../src/protocol/contract.ts'

const USAGE = `Usage: npm run publish -- [flags] <channel> <json | ->
  Publishes one payload (or, with "-", one JSON payload per line of stdin) to a running server.
  channel               ${CHANNELS.join(', ')}
  --url <base>          server base URL (default http://127.0.0.1:8000, env RTM_URL)
  --token <t>           publish token (env RTM_PUBLISH_TOKEN)
  -h, --help            show this help
Example:
  RTM_PUBLISH_TOKEN=secret npm run publish -- alerts \\
    '{"alert_id":"a-1","timestamp":"2026-01-04T10:42:51+00:00","severity":"warning",
      "category":"exposure","message":"Gross exposure 93% above target 90%"}'`

interface Config {
  url: string
  token: string | undefined
  channel: string
  payload: string
}

function configure(argv: string[], env: NodeJS.ProcessEnv): Config | string {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return USAGE
  const [channel, payload, ...extra] = positionals
  if (channel === undefined || payload === undefined || extra.length > 0) {
    return `error: expected <channel> <json>\n\n${USAGE}`
  }
  if (!isChannel(channel)) return `error: unknown channel "${channel}" (${CHANNELS.join(', ')})`
  const url = values.url ?? env.RTM_URL ?? 'http://127.0.0.1:8000'
  return { url, token: values.token ?? (env.RTM_PUBLISH_TOKEN || undefined), channel, payload }
}

/** Publishes one payload; prints the id, or the server's reason. True when stored. */
async function publishOne(config: Config, text: string): Promise<boolean> {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    console.error(`error: payload is not JSON (${(error as Error).message})`)
    return false
  }
  const endpoint = new URL(`/api/v1/publish/${config.channel}`, config.url)
  let response: Response
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(config.token ? { Authorization: `Bearer ${config.token}` } : {}),
      },
      body: JSON.stringify(body),
    })
  } catch (error) {
    console.error(`error: cannot reach ${endpoint.origin}: ${(error as Error).message}`)
    return false
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>
  if (response.ok) {
    console.log(String(answer.id))
    return true
  }
  const detail = typeof answer.detail === 'string' ? answer.detail : JSON.stringify(answer)
  const retry = response.headers.get('retry-after')
  console.error(
    `error: HTTP ${response.status} ${String(answer.error ?? '')}: ${detail}` +
      (retry ? ` (retry after ${retry} s)` : ''),
  )
  return false
}

async function main(): Promise<number> {
  let config: Config | string
  try {
    config = configure(process.argv.slice(2), process.env)
  } catch (error) {
    config = `error: ${(error as Error).message}\n\n${USAGE}`
  }
  if (typeof config === 'string') {
    const help = config === USAGE
    ;(help ? console.log : console.error)(config)
    return help ? 0 : 2
  }
  if (config.payload !== '-') return (await publishOne(config, config.payload)) ? 0 : 1
  let failed = 0
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== '' && !(await publishOne(config, line))) failed += 1
  }
  return failed === 0 ? 0 : 1
}

process.exitCode = await main()
