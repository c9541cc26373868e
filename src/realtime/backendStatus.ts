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
  /** 0: no history endpoint. */
  history: number
  heartbeatSeconds: number | null
  serverTime: string | null
  /** Server minus client clock, ms. */
  clockOffsetMs: number | null
  /** `demo`: the backend's events are invented (its simulator). */
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
    const offset =
      found.serverTime === null ? null : clockOffset(found.serverTime, sentAt, receivedAt)
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

/** The status is read again this often: the server's clock drifts and laptops sleep. */
const STATUS_REFRESH_MS = 5 * 60_000

/** Read again after a reconnect: a restarted backend may serve other data (demo → live). */
export class BackendProbe {
  private known: BackendCapabilities | null = null
  private pending: Promise<BackendCapabilities> | null = null
  private lastRead = 0
  private reading = false
  private stale = false
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    private readonly read: () => Promise<BackendCapabilities>,
    private readonly changed: (before: BackendCapabilities, after: BackendCapabilities) => void,
  ) {
    this.timer = setInterval(() => {
      this.stale = true
      void this.refresh()
    }, STATUS_REFRESH_MS)
  }

  /** Null before the first answer. */
  get current(): BackendCapabilities | null {
    return this.known
  }

  load(): Promise<BackendCapabilities> {
    if (this.known) return Promise.resolve(this.known)
    this.pending ??= this.readNow().then((found) => {
      this.known = found
      this.pending = null
      return found
    })
    return this.pending
  }

  markStale(): void {
    this.stale = true
  }

  /** Reads again when the last answer failed (at most once a second) or is stale. */
  async refresh(): Promise<void> {
    const known = this.known
    if (known === null || this.reading) return
    if (known.reachable ? !this.stale : Date.now() - this.lastRead < 1000) return
    this.reading = true
    const found = await this.readNow().finally(() => (this.reading = false))
    if (!found.reachable) return
    this.known = found
    this.changed(known, found)
  }

  close(): void {
    clearInterval(this.timer)
  }

  private async readNow(): Promise<BackendCapabilities> {
    this.lastRead = Date.now()
    this.stale = false
    try {
      return await this.read()
    } catch {
      return UNKNOWN_BACKEND
    }
  }
}
