// Turns a parsed SSE message into a validated channel event, a control event, or a described rejection.
import type { EventSourceMessage } from 'eventsource-parser'
import {
  channelOfEventType,
  isChannel,
  isChannelEventType,
  parseJsonObject,
  validatePayload,
  type Channel,
  type ChannelEvent,
} from '@/protocol/contract'
import { MAX_ID_CHARS } from '@/protocol/limits'

/** Longest raw excerpt kept for an invalid event in diagnostics. */
export const EXCERPT_CHARS = 200
/** Longest reason kept for an invalid event or a reset (reasons may quote what the server sent). */
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
  | { kind: 'event'; value: ChannelEvent }
  | { kind: 'connected' }
  | { kind: 'ping' }
  | { kind: 'reset'; channels: Channel[]; reason: string }
  | { kind: 'invalid'; value: InvalidEvent }
  | { kind: 'unknown'; event: string; channel: Channel | null; id: string | null }

/** What the decoder knows about the stream a message came from. */
export interface StreamContext {
  /** The channels this stream carries. */
  channels: readonly Channel[]
  /** True on the multiplexed stream, where `data.channel` names the channel. */
  multiplexed: boolean
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
      // A reason may quote the offending value: keep it short too.
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
  if (!json.ok) return reject(json.reason)
  if (context.multiplexed && json.value.channel !== channel) {
    return reject(`channel is ${JSON.stringify(json.value.channel)}, expected "${channel}"`)
  }
  const payload = validatePayload(type, json.value)
  if (!payload.ok) return reject(payload.reason)
  // The schema for `type` produced `payload.value`, so the pairing below holds.
  return { kind: 'event', value: { channel, event: type, id, data: payload.value } as ChannelEvent }
}

function decodeReset(raw: string, context: StreamContext): DecodedMessage {
  const json = parseJsonObject(raw)
  const data = json.ok ? json.value : {}
  const reason =
    typeof data.reason === 'string'
      ? excerpt(data.reason, REASON_CHARS)
      : 'the server could not resume'
  const named = data.channel
  // A reset that names no channel (or one this stream does not carry) concerns all of them.
  const channels =
    isChannel(named) && context.channels.includes(named) ? [named] : [...context.channels]
  return { kind: 'reset', channels, reason }
}

export function excerpt(raw: string, max = EXCERPT_CHARS): string {
  return raw.length > max ? `${raw.slice(0, max)}…` : raw
}
