// What the app needs of a realtime client, and the transport options every client takes.
import type { ChannelStatus } from './channelDiagnostics'
import type { InvalidEvent } from './eventDecoder'
import type { Channel, ChannelEvent } from '@/protocol/contract'
import { CLIENT_MAX_EVENT_CHARS } from '@/protocol/limits'

export interface TransportOptions {
  /** 'auto' follows the status endpoint; 'off' always opens one stream per channel. */
  multiplex: 'auto' | 'off'
  /** Also send the resume cursor as `last_event_id` in the URL (for proxies that drop headers). */
  lastEventIdQuery: boolean
  /** Keepalive interval assumed when the status endpoint does not say. */
  heartbeatSeconds: number
  backoffBaseMs: number
  backoffMaxMs: number
  healthyAfterMs: number
  pollAfterFailures: number
  pollIntervalMs: number
  backfillLimit: number
  maxEventChars: number
  /** Run the engine in a SharedWorker that every tab of this browser shares (else a Worker per tab). */
  shareAcrossTabs: boolean
  /** Decode payloads that are Python dict text (`str(dict)` from sse-starlette) instead of JSON. */
  pythonLiterals: boolean
}

export const DEFAULT_TRANSPORT: TransportOptions = {
  multiplex: 'auto',
  lastEventIdQuery: false,
  heartbeatSeconds: 15,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  healthyAfterMs: 5000,
  pollAfterFailures: 3,
  pollIntervalMs: 2000,
  backfillLimit: 200,
  maxEventChars: CLIENT_MAX_EVENT_CHARS,
  shareAcrossTabs: true,
  pythonLiterals: true,
}

/** Supplies a bearer token for each attempt; null means none. */
export type TokenProvider = () => string | null | Promise<string | null>

/** The request headers that carry `token`, if there is one. */
export function bearerHeaders(token: string | null | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {}
}

export type ChannelListener = (event: ChannelEvent) => void
export type TransportMode = 'multiplexed' | 'per-channel'

/** What the app needs of a realtime client: the engine itself, or the page's proxy of it. */
export interface RealtimeSource {
  readonly mode: TransportMode | null
  /** Server minus client clock, ms, as the backend's status said; null until known. */
  readonly clockOffsetMs: number | null
  /** Delivers `channel`'s validated events to `listener` until the returned function is called. */
  subscribe(channel: Channel, listener: ChannelListener): () => void
  status(channel: Channel): ChannelStatus
  /** Calls back when a channel's state, gap, error or diagnostics change (not on every event). */
  onStatusChange(listener: (channel: Channel) => void): () => void
  invalidEvents(): readonly InvalidEvent[]
  reportHandlerError(channel: Channel, error: unknown): void
  retryNow(): void
  flushCursors(): void
  close(): void
}
