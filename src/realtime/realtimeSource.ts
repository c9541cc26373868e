// What the app needs of a realtime client: the engine itself, or the page's proxy of it.
import type { ChannelStatus } from './channelDiagnostics'
import type { Channel, ChannelEvent } from '@/protocol/contract'
import type { TokenProvider } from '@/protocol/transport'

export type ChannelListener = (event: ChannelEvent) => void
export type TransportMode = 'multiplexed' | 'per-channel'

/** Where the engine runs and how many tabs share it (docs/engine.md). */
export interface EngineInfo {
  /** 'shared-worker', 'worker', 'page', 'in-process' (no proxy: the engine itself), 'none' yet. */
  host: string
  tabs: number
}

export interface RealtimeSource {
  readonly mode: TransportMode | null
  readonly engine: EngineInfo
  /** Server minus client clock, ms, as the backend's status said; null until known. */
  readonly clockOffsetMs: number | null
  subscribe(channel: Channel, listener: ChannelListener): () => void
  /** Null until the engine has said anything of the channel. */
  status(channel: Channel): ChannelStatus | null
  /** A channel's state, gap, error or diagnostics changed (not on every event). */
  onStatusChange(listener: (channel: Channel) => void): () => void
  reportHandlerError(channel: Channel, error: unknown): void
  retryNow(): void
  flushCursors(): void
  close(): void
}

export class BearerAuth {
  private lastToken: string | null = null
  private renewals = 0

  constructor(private readonly token: TokenProvider | undefined) {}

  async headers(): Promise<Record<string, string>> {
    if (!this.token) return {}
    const token = await this.token()
    this.lastToken = token
    return token ? { Authorization: `Bearer ${token}` } : {}
  }

  async renew(): Promise<boolean> {
    if (!this.token || this.renewals >= 1) return false
    const used = this.lastToken
    const fresh = await this.token()
    if (!fresh || fresh === used) return false
    this.renewals += 1
    return true
  }

  /** A stream opened, or the user asked to retry: renewal is allowed again. */
  reset(): void {
    this.renewals = 0
  }
}
