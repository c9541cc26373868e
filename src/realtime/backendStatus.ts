// Reads `/api/v1/sse/status` leniently: a failure or a missing field means "not supported", never an error.
import * as v from 'valibot'
import { StatusSchema } from '@/protocol/contract'
import { clockOffset } from '@/protocol/timestamp'
import { resolveEndpoint } from '@/protocol/endpoints'
import type { FetchLike } from './sseTransport'

export interface BackendCapabilities {
  /** False when the status request failed: worth asking again later. */
  reachable: boolean
  multiplex: boolean
  /** 0: no history endpoint. */
  history: number
  heartbeatSeconds: number | null
  /** Server minus client clock, ms. */
  clockOffsetMs: number | null
  /** `demo`: the backend's events are invented (its simulator). */
  data: DataSource | null
}

export type DataSource = 'live' | 'demo'

const STATUS_TIMEOUT_MS = 5000
const UNKNOWN_BACKEND: BackendCapabilities = {
  reachable: false,
  multiplex: false,
  history: 0,
  heartbeatSeconds: null,
  clockOffsetMs: null,
  data: null,
}

export async function fetchCapabilities(
  fetchFn: FetchLike,
  baseUrl: string,
  headers: Record<string, string>,
): Promise<BackendCapabilities> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), STATUS_TIMEOUT_MS)
  try {
    const sentAt = Date.now()
    const response = await fetchFn(resolveEndpoint(baseUrl, '/api/v1/sse/status'), {
      headers: { Accept: 'application/json', ...headers },
      cache: 'no-store',
      signal: controller.signal,
    })
    if (!response.ok) return UNKNOWN_BACKEND
    const parsed = v.safeParse(StatusSchema, await response.json())
    if (!parsed.success) return UNKNOWN_BACKEND
    const status = parsed.output
    const serverTime = status.server_time
    return {
      reachable: true,
      multiplex: status.multiplex,
      history: status.history,
      heartbeatSeconds: status.heartbeat_seconds,
      clockOffsetMs: serverTime === null ? null : clockOffset(serverTime, sentAt, Date.now()),
      data: status.data,
    }
  } catch {
    return UNKNOWN_BACKEND
  } finally {
    clearTimeout(timer)
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
