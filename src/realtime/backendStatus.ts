// Reads `/api/v1/sse/status` leniently: a failure or a missing field means "not supported", never an error.
import * as v from 'valibot'
import { StatusSchema } from '@/protocol/contract'
import { clockOffset } from '@/protocol/timestamp'
import type { FetchLike } from './sseTransport'

/** Where a backend says what it supports (and its clock). */
export const STATUS_PATH = '/api/v1/sse/status'

export interface BackendCapabilities {
  /** False when the status request failed: worth asking again later. */
  reachable: boolean
  multiplex: boolean
  /** Events a channel's history keeps; 0 when there is no history endpoint. */
  history: number
  /** The server's keepalive interval, when it says. */
  heartbeatSeconds: number | null
  /** The server's clock at the answer (ISO 8601), when it says. */
  serverTime: string | null
  /** Server minus client clock, ms, measured with this answer; null when it cannot be told. */
  clockOffsetMs: number | null
  /** `demo`: the backend says its events are invented (its simulator); null when it does not say. */
  data: DataSource | null
}

export type DataSource = 'live' | 'demo'

export const UNKNOWN_BACKEND: BackendCapabilities = {
  reachable: false,
  multiplex: false,
  history: 0,
  heartbeatSeconds: null,
  serverTime: null,
  clockOffsetMs: null,
  data: null,
}

export async function fetchCapabilities(
  fetchFn: FetchLike,
  url: string,
  headers: Record<string, string>,
  timeoutMs = 5000,
): Promise<BackendCapabilities> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const sentAt = Date.now()
    const response = await fetchFn(url, {
      headers: { Accept: 'application/json', ...headers },
      cache: 'no-store',
      signal: controller.signal,
    })
    if (!response.ok) return UNKNOWN_BACKEND
    const found = readCapabilities(await response.json())
    const receivedAt = Date.now()
    const offset = found.serverTime === null ? null : clockOffset(found.serverTime, sentAt, receivedAt)
    return { ...found, clockOffsetMs: offset }
  } catch {
    return UNKNOWN_BACKEND
  } finally {
    clearTimeout(timer)
  }
}

export function readCapabilities(body: unknown): BackendCapabilities {
  const parsed = v.safeParse(StatusSchema, body)
  if (!parsed.success) return UNKNOWN_BACKEND
  const status = parsed.output
  return {
    reachable: true,
    multiplex: status.multiplex,
    history: status.history,
    heartbeatSeconds: status.heartbeat_seconds,
    serverTime: status.server_time,
    clockOffsetMs: null,
    data: status.data,
  }
}
