// Turns a parsed SSE message into a validated channel event, a control event, or a described rejection.
import type { EventSourceMessage } from 'eventsource-parser'
import {
  channelOfEventType,
  isChannel,
  isChannelEventType,
  parseJsonObject,
  ResetSchema,
  validatePayload,
  type ParseResult,
  type Channel,
  type ChannelEvent,
} from '@/protocol/contract'
import { MAX_ID_CHARS } from '@/protocol/limits'
import { parsePythonLiteral } from '@/protocol/pythonLiteral'
import * as v from 'valibot'

export const EXCERPT_CHARS = 200
/** Reasons may quote what the server sent. */
export const REASON_CHARS = 300

export interface InvalidEvent {
  channel: Channel | null
  event: string
  id: string | null
  reason: string
  excerpt: string
  at: number
}

export type DecodedMessage =
  /** `raw` tells a replay from a fresh event that reuses an id; `python`: it was `str(dict)`. */
  | { kind: 'event'; value: ChannelEvent; raw: string; python?: boolean }
  | { kind: 'connected' }
  | { kind: 'ping' }
  | { kind: 'reset'; channels: Channel[]; reason: string }
  | { kind: 'invalid'; value: InvalidEvent }
  | { kind: 'unknown'; event: string; channel: Channel | null; id: string | null }

export interface StreamContext {
  channels: readonly Channel[]
  /** `data.channel` names the channel. */
  multiplexed: boolean
  /** Decode `str(dict)` data that is not JSON (default true). */
  pythonLiterals?: boolean
}

export function decodeMessage(message: EventSourceMessage, context: StreamContext): DecodedMessage {
  const type = message.event ?? 'message'
  const id = message.id ?? null
  const single = context.multiplexed ? null : (context.channels[0] ?? null)
  if (type === 'ping') return { kind: 'ping' }
  if (type === 'connected') return { kind: 'connected' }
  if (type === 'reset') return decodeReset(message.data, context)
  if (!isChannelEventType(type)) return { kind: 'unknown', event: type, channel: single, id }

  const channel = channelOfEventType(type)
  const reject = (reason: string): DecodedMessage => ({
    kind: 'invalid',
    value: {
      channel,
      event: type,
      id: id && excerpt(id),
      reason: excerpt(reason, REASON_CHARS),
      excerpt: excerpt(message.data),
      at: Date.now(),
    },
  })
  if (id !== null && id.length > MAX_ID_CHARS)
    return reject(`id is longer than ${MAX_ID_CHARS} characters`)
  if (!context.channels.includes(channel)) {
    return reject(
      `event type ${type} does not belong to this stream (${context.channels.join(', ')})`,
    )
  }
  const json = parseJsonObject(message.data)
  const python = !json.ok && json.syntax === true && context.pythonLiterals !== false
  const object = python ? parsePythonDict(message.data, json.reason) : json
  if (!object.ok) return reject(object.reason)
  if (context.multiplexed && object.value.channel !== channel)
    return reject(`channel is ${JSON.stringify(object.value.channel)}, expected "${channel}"`)
  const payload = validatePayload(type, object.value)
  if (!payload.ok) return reject(payload.reason)
  // The schema for `type` produced `payload.value`, so the pairing below holds.
  const value = { channel, event: type, id, data: payload.value } as ChannelEvent
  const raw = message.data
  return python ? { kind: 'event', value, raw, python } : { kind: 'event', value, raw }
}

/** Data that is not JSON may be `str(dict)` from a Python backend: read it strictly, never eval. */
function parsePythonDict(raw: string, jsonReason: string): ParseResult<Record<string, unknown>> {
  const literal = parsePythonLiteral(raw)
  if (!literal.ok)
    return { ok: false, reason: `${jsonReason}; nor a Python dict: ${literal.reason}` }
  const value = literal.value
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'data is a Python literal but not a dict' }
  return { ok: true, value: value as Record<string, unknown> }
}

function decodeReset(raw: string, context: StreamContext): DecodedMessage {
  const json = parseJsonObject(raw)
  const object =
    json.ok || context.pythonLiterals === false ? json : parsePythonDict(raw, json.reason)
  const parsed = v.safeParse(ResetSchema, object.ok ? object.value : {})
  const data = parsed.success ? parsed.output : {}
  const reason =
    data.reason !== undefined ? excerpt(data.reason, REASON_CHARS) : 'the server could not resume'
  const named = data.channel
  // A reset that names no channel (or one this stream does not carry) concerns all of them.
  const channels =
    isChannel(named) && context.channels.includes(named) ? [named] : [...context.channels]
  return { kind: 'reset', channels, reason }
}

export function excerpt(raw: string, max = EXCERPT_CHARS): string {
  return raw.length > max ? `${raw.slice(0, max)}…` : raw
}
