// Endpoints that change things: producers' POST /publish/{channel}, and the dev control endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  CHANNEL_EVENT,
  CHANNELS,
  isChannel,
  validatePayload,
  type Channel,
} from '../src/protocol/contract.ts'
import { MAX_EVENT_NAME_CHARS } from '../src/protocol/limits.ts'
import { HubUnavailableError, type EventHub } from './events.ts'
import { BodyError, hasBearer, readJson, sendError, sendJson } from './http.ts'
import { parseFaults, parseRates, type Faults, type Rates } from './options.ts'
import { checkValueBounds } from './publishLimits.ts'

/** What these endpoints need from the backend that owns them. */
export interface WriteContext {
  hub: EventHub
  /** Producers' bearer token; publishing is off without one. */
  publishToken: string | undefined
  faults: () => Faults
  rates: () => Rates
  publish(channel: Channel, eventType: string, data: object | string): Promise<string>
  setFaults(partial: Partial<Faults>): Faults
  setRates(partial: Partial<Rates>): Rates
  dropConnections(): number
}

/** Seconds a producer should wait before retrying while the store is unreachable. */
const RETRY_AFTER_SECONDS = 1

export function unknownChannel(res: ServerResponse, name: string, status = 400): void {
  sendError(res, status, 'unknown_channel', { channel: name, channels: CHANNELS })
}

/** An event over a publish bound (src/protocol/limits.ts); the message states the bound. */
export class LimitError extends Error {}

/** 503 with Retry-After while Redis is unreachable, 400 for an event over a bound; else a 500. */
export function sendHubError(res: ServerResponse, error: unknown): void {
  if (error instanceof LimitError) {
    sendError(res, 400, 'limit_exceeded', error.message)
  } else if (error instanceof HubUnavailableError) {
    const headers = { 'Retry-After': String(RETRY_AFTER_SECONDS) }
    sendJson(res, 503, { error: 'store_unavailable', detail: error.message }, headers)
  } else {
    sendError(res, 500, 'internal_error', String(error))
  }
}

/**
 * POST /api/v1/publish/{channel}: the body is one payload of the channel's event type, checked
 * against the contract's schemas. The stored data is the validated payload (unknown fields dropped).
 */
export async function publishEndpoint(
  ctx: WriteContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
): Promise<void> {
  if (req.method !== 'POST') return sendError(res, 405, 'method_not_allowed', 'use POST')
  if (ctx.publishToken === undefined) {
    return sendError(res, 403, 'publish_disabled', 'start the server with --publish-token')
  }
  if (!hasBearer(req, ctx.publishToken)) {
    res.setHeader('WWW-Authenticate', 'Bearer')
    return sendError(res, 401, 'unauthorized', 'missing or wrong publish token')
  }
  if (!isChannel(name)) return unknownChannel(res, name, 404)
  const body = await readJson(req, res)
  if (body instanceof BodyError) return sendError(res, body.status, body.code, body.message)
  // Bounds first: they also keep the validation away from huge or deeply nested input.
  const bound = checkValueBounds(body)
  if (bound !== null) return sendError(res, 400, 'limit_exceeded', bound)
  const event = CHANNEL_EVENT[name]
  const checked = validatePayload(event, body)
  if (!checked.ok) {
    const field = /^([^\s:]+): /.exec(checked.reason)?.[1] ?? null
    return sendJson(res, 400, { error: 'invalid_payload', event, field, detail: checked.reason })
  }
  try {
    const id = await ctx.publish(name, event, checked.value)
    sendJson(res, 200, { id, channel: name, event })
  } catch (error) {
    sendHubError(res, error)
  }
}

export async function devEndpoint(
  ctx: WriteContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  name: string,
): Promise<void> {
  if (method === 'GET' && name === 'faults') return sendJson(res, 200, ctx.faults())
  if (method === 'GET' && name === 'rates') return sendJson(res, 200, ctx.rates())
  if (method !== 'POST') {
    return sendError(res, 405, 'method_not_allowed', `use POST /api/v1/dev/${name}`)
  }
  const body = await readJson(req, res)
  if (body instanceof BodyError) return sendError(res, body.status, body.code, body.message)
  switch (name) {
    case 'faults': {
      const faults = parseFaults(body ?? {})
      if (typeof faults === 'string') return sendError(res, 400, 'bad_faults', faults)
      return sendJson(res, 200, ctx.setFaults(faults))
    }
    case 'rates': {
      const rates = parseRates(body ?? {})
      if (typeof rates === 'string') return sendError(res, 400, 'bad_rates', rates)
      return sendJson(res, 200, ctx.setRates(rates))
    }
    case 'drop':
      return sendJson(res, 200, { dropped: ctx.dropConnections() })
    case 'emit':
      return devEmit(ctx, res, body)
    default:
      return sendError(res, 404, 'not_found', `no dev endpoint ${name}`)
  }
}

/** Unvalidated on purpose: tests and demos inject bad events this way. */
async function devEmit(ctx: WriteContext, res: ServerResponse, body: unknown): Promise<void> {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const { channel, event, data } = input
  if (!isChannel(channel)) return unknownChannel(res, String(channel))
  const word = new RegExp(`^[\\w.-]{1,${MAX_EVENT_NAME_CHARS}}$`)
  if (event !== undefined && (typeof event !== 'string' || !word.test(event))) {
    return sendError(
      res,
      400,
      'bad_event',
      `event must be a word of 1 to ${MAX_EVENT_NAME_CHARS} characters`,
    )
  }
  if (typeof data !== 'string' && (typeof data !== 'object' || data === null)) {
    return sendError(res, 400, 'bad_data', 'data must be an object or a raw string')
  }
  try {
    sendJson(res, 200, { id: await ctx.publish(channel, event ?? CHANNEL_EVENT[channel], data) })
  } catch (error) {
    sendHubError(res, error)
  }
}
