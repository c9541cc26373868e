// `npm run contract`: writes the machine-readable contract — a JSON Schema per payload and body in
// docs/schemas/ and the AsyncAPI 3.0 document docs/asyncapi.yaml — from the valibot schemas of
// src/protocol/. tests/unit/contractFiles.test.ts fails when the checked-in files differ.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema'
import type { GenericSchema } from 'valibot'
import {
  BacktestProgressSchema,
  CHANNEL_EVENT,
  CHANNELS,
  DashboardUpdateSchema,
  RiskAlertSchema,
  TrainingProgressSchema,
  type Channel,
} from '../src/protocol/contract.ts'
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, MAX_ID_CHARS } from '../src/protocol/limits.ts'
import {
  ConnectedSchema,
  EventIdSchema,
  HistoryPageSchema,
  PingSchema,
  ResetEventSchema,
  StatusBodySchema,
} from '../src/protocol/wireBodies.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** What each payload is, for the schema's title and description. */
const PAYLOADS: Record<string, { schema: GenericSchema; title: string; description: string }> = {
  dashboard_update: {
    schema: DashboardUpdateSchema,
    title: 'dashboard_update (channel dashboard)',
    description:
      'Market overview and portfolio metrics. Fractions are 0..1; money is in the account currency.',
  },
  risk_alert: {
    schema: RiskAlertSchema,
    title: 'risk_alert (channel alerts)',
    description: 'A risk alert. The message is plain text: it is never rendered as HTML.',
  },
  training_progress: {
    schema: TrainingProgressSchema,
    title: 'training_progress (channel training)',
    description: 'Progress of an ML training run.',
  },
  backtest_progress: {
    schema: BacktestProgressSchema,
    title: 'backtest_progress (channel backtest)',
    description: 'Progress of a backtest; progress and drawdown are fractions 0..1.',
  },
  connected: { schema: ConnectedSchema, title: 'connected', description: '' },
  ping: { schema: PingSchema, title: 'ping', description: '' },
  reset: { schema: ResetEventSchema, title: 'reset', description: '' },
  status: { schema: StatusBodySchema, title: 'Status body', description: '' },
  history: { schema: HistoryPageSchema, title: 'History page', description: '' },
}

const OPTIONAL_NOTE =
  'Optional fields may also be null (Python None), read as absent. Fields the contract does not ' +
  'name are allowed and ignored. Numbers must be finite: json.dumps(allow_nan=False).'

/**
 * One valibot schema as JSON Schema (draft-07). Two actions have no JSON Schema form and are left
 * out on purpose: `finite` (JSON has no NaN or Infinity) and `transform` (null → absent).
 */
function jsonSchemaOf(schema: GenericSchema): JsonSchema {
  return toJsonSchema(schema, { errorMode: 'throw', ignoreActions: ['finite', 'transform'] })
}

/** The JSON Schema file of a payload or body. */
export function payloadSchema(name: string): Json {
  const entry = PAYLOADS[name]
  if (!entry) throw new Error(`no schema named ${name}`)
  const { $schema, ...body } = jsonSchemaOf(entry.schema) as Record<string, Json>
  const payload = Object.values(CHANNEL_EVENT).includes(name as never)
  const description = [entry.description, body.description, payload ? OPTIONAL_NOTE : '']
    .filter((part) => typeof part === 'string' && part !== '')
    .join(' ')
  return { $schema: $schema ?? null, title: entry.title, ...body, description }
}

function withoutDialect(schema: Json): Json {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema
  const { $schema: _dialect, ...rest } = schema
  return rest
}

const ref = (path: string): Json => ({ $ref: path })

const EVENT_BLOCK_NOTE =
  'The SSE fields of the event block (`event:` and `id:` lines), not HTTP headers. Lines end in ' +
  'CRLF, LF or CR; data is one JSON object (json.dumps), on one line or split over several.'

/** The SSE fields of an event block: its `event` name and, for channel events, its id. */
function sseFields(event: string, withId: boolean): Json {
  return {
    type: 'object',
    description: EVENT_BLOCK_NOTE,
    properties: {
      event: { type: 'string', const: event },
      ...(withId
        ? { id: ref('#/components/schemas/event_id') }
        : { id: { description: 'Control events carry no id: the client keeps its cursor.' } }),
    },
    required: withId ? ['event', 'id'] : ['event'],
  }
}

const STREAM_QUERY: Json = {
  type: 'object',
  properties: {
    client_id: {
      type: 'string',
      description: 'Opaque id chosen by the client, for connection tracking.',
    },
    last_event_id: {
      type: 'string',
      maxLength: MAX_ID_CHARS,
      description:
        'Same meaning as the Last-Event-ID request header (which wins when both are sent), for ' +
        'ids that cannot travel as a header value.',
    },
  },
}

const MUX_QUERY: Json = {
  type: 'object',
  required: ['channels'],
  properties: {
    channels: {
      type: 'string',
      description: `Comma-separated channel names, e.g. ${CHANNELS.join(',')}.`,
    },
    ...(STREAM_QUERY as { properties: Record<string, Json> }).properties,
  },
}

const HISTORY_QUERY: Json = {
  type: 'object',
  properties: {
    after: { type: 'string', minLength: 1, maxLength: MAX_ID_CHARS, description: 'An event id.' },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_HISTORY_LIMIT,
      default: DEFAULT_HISTORY_LIMIT,
    },
  },
}

const get = (query?: Json): Json => ({
  http: { method: 'GET', ...(query ? { query } : {}), bindingVersion: '0.3.0' },
})

const STREAM_DESCRIPTION =
  'text/event-stream (UTF-8). Reconnect with the last id seen as Last-Event-ID: a backend that ' +
  'advertises history answers with exactly the events after it, or sends reset first when it ' +
  'cannot. 204 means stop; any other non-2xx, a wrong Content-Type, a dropped or silent stream ' +
  '(no byte for about two heartbeat intervals) means reconnect later. 401 without a valid ' +
  'Authorization: Bearer token where one is required.'

function messages(): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const control of ['connected', 'ping', 'reset'] as const) {
    out[control] = {
      name: control,
      title: control,
      contentType: 'application/json',
      headers: sseFields(control, false),
      payload: ref(`#/components/schemas/${control}`),
    }
  }
  for (const channel of CHANNELS) {
    const event = CHANNEL_EVENT[channel]
    out[event] = {
      name: event,
      title: `${event} on /api/v1/sse/${channel}`,
      contentType: 'application/json',
      headers: sseFields(event, true),
      payload: ref(`#/components/schemas/${event}`),
    }
    out[`${event}_multiplexed`] = {
      name: event,
      title: `${event} on the multiplexed stream`,
      summary: 'The same payload plus its channel.',
      contentType: 'application/json',
      headers: sseFields(event, true),
      payload: {
        allOf: [
          ref(`#/components/schemas/${event}`),
          {
            type: 'object',
            required: ['channel'],
            properties: { channel: { type: 'string', const: channel } },
          },
        ],
      },
    }
  }
  out.status_request = { name: 'status_request', title: 'GET with no body' }
  out.status = {
    name: 'status',
    contentType: 'application/json',
    payload: ref('#/components/schemas/status'),
  }
  out.history_request = { name: 'history_request', title: 'GET with no body' }
  out.history_page = {
    name: 'history_page',
    contentType: 'application/json',
    payload: ref('#/components/schemas/history'),
  }
  return out
}

const msg = (name: string): Json => ref(`#/components/messages/${name}`)
const controlMessages = (): Record<string, Json> => ({
  connected: msg('connected'),
  ping: msg('ping'),
  reset: msg('reset'),
})

function channels(): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const channel of CHANNELS) {
    const event = CHANNEL_EVENT[channel]
    out[`${channel}_stream`] = {
      address: `/api/v1/sse/${channel}`,
      title: `Stream of channel ${channel}`,
      messages: { ...controlMessages(), [event]: msg(event) },
    }
  }
  const muxMessages: Record<string, Json> = controlMessages()
  for (const channel of CHANNELS) {
    const name = `${CHANNEL_EVENT[channel]}_multiplexed`
    muxMessages[name] = msg(name)
  }
  out.multiplexed_stream = {
    address: '/api/v1/sse/stream',
    title: 'One stream carrying several channels (optional: status multiplex true)',
    description:
      'Every payload carries channel; reset names its channel, or ' +
      'concerns every channel of the stream without one. Ids are the same as on the channel ' +
      'streams and in history (one id space), so one Last-Event-ID resumes every channel.',
    messages: muxMessages,
  }
  out.status = {
    address: '/api/v1/sse/status',
    title: 'Status and capabilities (required)',
    messages: { status_request: msg('status_request'), status: msg('status') },
  }
  out.history = {
    address: '/api/v1/sse/{channel}/history',
    title: 'History of a channel (optional: status history above 0)',
    parameters: { channel: { enum: [...CHANNELS], description: 'A channel name.' } },
    messages: { history_request: msg('history_request'), history_page: msg('history_page') },
  }
  return out
}

function operations(): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const channel of CHANNELS) {
    out[`send_${channel}`] = {
      action: 'send',
      title: `Stream ${channel} events`,
      channel: ref(`#/channels/${channel}_stream`),
      bindings: get(STREAM_QUERY),
    }
  }
  out.send_multiplexed = {
    action: 'send',
    title: 'Stream several channels on one connection',
    channel: ref('#/channels/multiplexed_stream'),
    bindings: get(MUX_QUERY),
  }
  out.answer_status = {
    action: 'receive',
    title: 'Answer the status request',
    channel: ref('#/channels/status'),
    messages: [ref('#/channels/status/messages/status_request')],
    bindings: get(),
    reply: {
      channel: ref('#/channels/status'),
      messages: [ref('#/channels/status/messages/status')],
    },
  }
  out.answer_history = {
    action: 'receive',
    title: 'Answer a history request',
    channel: ref('#/channels/history'),
    messages: [ref('#/channels/history/messages/history_request')],
    bindings: get(HISTORY_QUERY),
    reply: {
      channel: ref('#/channels/history'),
      messages: [ref('#/channels/history/messages/history_page')],
    },
  }
  return out
}

/** The AsyncAPI 3.0 document, as data. */
export function asyncApiDocument(): Json {
  const schemas: Record<string, Json> = {
    event_id: withoutDialect(jsonSchemaOf(EventIdSchema) as Json),
  }
  for (const name of Object.keys(PAYLOADS)) schemas[name] = withoutDialect(payloadSchema(name))
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Realtime Monitor wire contract',
      version: '1',
      description:
        'What a backend sends the Realtime Monitor app: server-sent-event streams per channel ' +
        '(and optionally one multiplexed stream), a status with capabilities and an optional ' +
        'history. The prose contract is docs/protocol.md; this file and docs/schemas/ are ' +
        `generated from src/protocol/ by npm run contract. Streams: ${STREAM_DESCRIPTION}`,
    },
    servers: {
      backend: {
        host: 'localhost:8000',
        protocol: 'http',
        description:
          'Any backend; every path is relative to the app’s API_BASE_URL. It must allow the ' +
          "app's origin (CORS) and expose Retry-After.",
      },
    },
    defaultContentType: 'application/json',
    channels: channels(),
    operations: operations(),
    components: { schemas, messages: messages() },
  }
}

const PLAIN = /^[A-Za-z_$/][\w$ .,/()?=+'’-]*$/
const RESERVED = /^(true|false|null|yes|no|on|off|y|n)$/i

/** A string as YAML: plain when that reads the same, else JSON's double quotes (valid YAML). */
function scalar(value: Json): string {
  if (typeof value !== 'string') return JSON.stringify(value)
  const plain = PLAIN.test(value) && !RESERVED.test(value) && !/ #|\s$/.test(value)
  return plain ? value : JSON.stringify(value)
}

const isSimpleList = (value: Json[]): boolean =>
  value.every((item) => typeof item !== 'string' || /^[\w.-]+$/.test(item)) &&
  value.every((item) => typeof item !== 'object' || item === null)

/** Block YAML of JSON data: readable, and parsed back to the same data by any YAML parser. */
export function toYaml(value: Json, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    if (isSimpleList(value)) return `[${value.map(scalar).join(', ')}]`
    const inner = `${indent}  `
    return value.map((item) => `\n${indent}- ${toYaml(item, inner).replace(/^\n\s*/, '')}`).join('')
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
    if (entries.length === 0) return '{}'
    return entries
      .map(([key, item]) => {
        const text = toYaml(item, `${indent}  `)
        return `\n${indent}${scalar(key)}:${text.startsWith('\n') ? '' : ' '}${text}`
      })
      .join('')
  }
  return scalar(value)
}

/** Every generated file, path relative to the repository → text. */
export function contractFiles(): Map<string, string> {
  const files = new Map<string, string>()
  for (const name of Object.keys(PAYLOADS)) {
    files.set(`docs/schemas/${name}.json`, `${JSON.stringify(payloadSchema(name), null, 2)}\n`)
  }
  const header =
    '# Generated by `npm run contract` from src/protocol/ (scripts/contract.ts): do not edit.\n' +
    '# The prose contract is docs/protocol.md.'
  files.set('docs/asyncapi.yaml', `${header}${toYaml(asyncApiDocument())}\n`)
  return files
}

/** The channel a payload schema file belongs to, for tests. */
export function schemaFileOf(channel: Channel): string {
  return `docs/schemas/${CHANNEL_EVENT[channel]}.json`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, text] of contractFiles()) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true })
    writeFileSync(join(ROOT, path), text)
    console.log(`wrote ${path}`)
  }
}
