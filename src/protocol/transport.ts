// How a client speaks the contract: transport options with their defaults, and where tokens come
// from. Read from config.json (src/config) and used by the engine (src/realtime).
import { CLIENT_MAX_EVENT_CHARS } from './limits'

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
