// Runtime configuration: build-time defaults, overridden by `config.json` next to index.html.
import * as v from 'valibot'
import { DEFAULT_TRANSPORT, type TransportOptions } from '@/protocol/transport'
import { CHANNELS, describeIssues, type Channel } from '@/protocol/contract'
import { CONFIG_REQUEST, configFetch, configUrl } from './configRequest'
import { isApiBaseUrl } from './resolveUrl'

export type AuthConfig =
  { mode: 'none' } | { mode: 'bearer'; storageKey?: string; tokenFunction?: string }

export interface AppConfig {
  /** Every endpoint is resolved against this; empty means the page's own origin. */
  apiBaseUrl: string
  channels: Channel[]
  transport: TransportOptions
  auth: AuthConfig
  /** Exposes applied event ids on `window.__rtm` for browser tests. */
  debug: boolean
}

/** A config value that is present but wrong: the app shows what to fix instead of starting. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

const baseUrl = v.pipe(
  v.string(),
  v.check(
    isApiBaseUrl,
    'must be empty, a path starting with "/", or an absolute http(s) URL such as ' +
      '"https://api.example.com" (not "//host", "/\\host" or another scheme: the bearer token ' +
      'is sent to the origin it names)',
  ),
)
const positive = v.pipe(v.number(), v.finite(), v.minValue(0))

const RuntimeConfigSchema = v.strictObject({
  apiBaseUrl: v.optional(baseUrl),
  channels: v.optional(
    v.pipe(v.array(v.picklist(CHANNELS)), v.minLength(1, 'must name at least one channel')),
  ),
  transport: v.optional(
    v.strictObject({
      multiplex: v.optional(v.picklist(['auto', 'off'])),
      lastEventIdQuery: v.optional(v.boolean()),
      heartbeatSeconds: v.optional(positive),
      backoffBaseMs: v.optional(positive),
      backoffMaxMs: v.optional(positive),
      healthyAfterMs: v.optional(positive),
      pollAfterFailures: v.optional(positive),
      pollIntervalMs: v.optional(positive),
      backfillLimit: v.optional(positive),
      maxEventChars: v.optional(positive),
      shareAcrossTabs: v.optional(v.boolean()),
      /** false: strict JSON only; Python dict text (`str(dict)`) is rejected instead of decoded. */
      pythonLiterals: v.optional(v.boolean()),
    }),
  ),
  auth: v.optional(
    v.variant('mode', [
      v.strictObject({ mode: v.literal('none') }),
      v.strictObject({
        mode: v.literal('bearer'),
        storageKey: v.optional(v.string()),
        tokenFunction: v.optional(v.string()),
      }),
    ]),
  ),
  debug: v.optional(v.boolean()),
})

export type RuntimeConfigInput = v.InferInput<typeof RuntimeConfigSchema>

/** The values built into the bundle (`VITE_API_BASE_URL`), used when config.json says nothing. */
export function buildTimeConfig(env: { VITE_API_BASE_URL?: string } = import.meta.env): AppConfig {
  return {
    apiBaseUrl: env.VITE_API_BASE_URL ?? '',
    channels: [...CHANNELS],
    transport: { ...DEFAULT_TRANSPORT },
    auth: { mode: 'none' },
    debug: false,
  }
}

/** Validates `input` over `base`; throws ConfigError naming each wrong field and what it must be. */
export function mergeConfig(base: AppConfig, input: unknown, source: string): AppConfig {
  const result = v.safeParse(RuntimeConfigSchema, input)
  if (!result.success) throw new ConfigError(`${source}: ${describeIssues(result.issues)}`, source)
  const parsed = result.output
  return {
    apiBaseUrl: parsed.apiBaseUrl ?? base.apiBaseUrl,
    channels: parsed.channels ? [...new Set(parsed.channels)] : base.channels,
    transport: { ...base.transport, ...parsed.transport },
    auth: parsed.auth ?? base.auth,
    debug: parsed.debug ?? base.debug,
  }
}

/**
 * Reads `config.json` from the app's base path before mount. Missing or unreadable: the build-time
 * values, with a console warning. Present but wrong: a ConfigError for the error screen.
 */
export async function loadRuntimeConfig(
  fetchFn: (url: string, init: RequestInit) => Promise<Response> = configFetch,
  appBase: string = import.meta.env.BASE_URL,
  base: AppConfig = buildTimeConfig(),
): Promise<AppConfig> {
  const url = configUrl(appBase)
  const built = mergeConfig(base, { apiBaseUrl: base.apiBaseUrl }, 'VITE_API_BASE_URL')
  const fallBack = (why: string) => {
    console.warn(`[realtime-monitor] ${url} ${why}; using the build-time configuration.`)
    return built
  }
  let response: Response
  try {
    response = await fetchFn(url, CONFIG_REQUEST)
  } catch {
    return fallBack('could not be fetched')
  }
  if (!response.ok) return fallBack(`answered HTTP ${response.status}`)
  let json: unknown
  try {
    json = await response.json()
  } catch {
    return fallBack('is not valid JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fallBack('is not a JSON object')
  }
  return mergeConfig(built, json, 'config.json')
}
