// The multiplexer: one stream for every subscribed channel when the backend allows it, else one per channel.
import { resolveEndpoint } from '@/config/resolveUrl'
import { fetchCapabilities, UNKNOWN_BACKEND, type BackendCapabilities } from './backendStatus'
import { ChannelDiagnostics, type ChannelStatus } from './channelDiagnostics'
import type { ConnectionObserver, ConnectionReport, ConnectionState } from './connectionState'
import type { InvalidEvent } from './eventDecoder'
import { browserNetwork } from './network'
import {
  DEFAULT_TRANSPORT,
  type ChannelListener,
  type RealtimeSource,
  type TokenProvider,
  type TransportMode,
  type TransportOptions,
} from './realtimeSource'
import { RecentIds } from './recentIds'
import { CHANNELS, type Channel } from '@/protocol/contract'
import {
  browserSessionStorage,
  createClientId,
  createSessionCursors,
  type StorageLike,
} from './sessionCursors'
import { describeError, type FetchLike } from './sseTransport'
import {
  StreamConnection,
  type CursorStore,
  type NetworkMonitor,
  type StreamConnectionOptions,
} from './streamConnection'

export interface RealtimeClientOptions {
  baseUrl: string
  transport?: Partial<TransportOptions>
  token?: TokenProvider
  fetch?: FetchLike
  storage?: StorageLike | null
  network?: NetworkMonitor
  /** Where cursors live (default: sessionStorage under the base URL). */
  cursors?: CursorStore & { flush(): void }
  clientId?: string
  random?: () => number
}

export {
  DEFAULT_TRANSPORT,
  type ChannelListener,
  type RealtimeSource,
  type TokenProvider,
  type TransportMode,
  type TransportOptions,
} from './realtimeSource'

const STATUS_PATH = '/api/v1/sse/status'

export class RealtimeClient implements RealtimeSource {
  readonly clientId: string
  readonly transport: TransportOptions
  private readonly fetchFn: FetchLike
  private readonly network: NetworkMonitor
  private readonly cursors: CursorStore & { flush(): void }
  private readonly listeners = new Map<Channel, Set<ChannelListener>>()
  private readonly diagnostics = new Map<Channel, ChannelDiagnostics>()
  private readonly statusListeners = new Set<(channel: Channel) => void>()
  private readonly connections = new Map<string, StreamConnection>()
  private readonly invalidLog: InvalidEvent[] = []
  private capabilities: BackendCapabilities | null = null
  private capabilitiesPending: Promise<BackendCapabilities> | null = null
  private lastProbe = 0
  private reprobing = false
  /** Channels whose recent history this page has already shown (once per page life). */
  private readonly contextClaimed = new Set<Channel>()
  private readonly recent = new Map<Channel, RecentIds>()
  private reconcileQueued = false
  private paused = false
  private lastToken: string | null = null
  private renewals = 0
  private closed = false

  constructor(private readonly options: RealtimeClientOptions) {
    this.transport = { ...DEFAULT_TRANSPORT, ...options.transport }
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.network = options.network ?? browserNetwork()
    const storage = options.storage === undefined ? browserSessionStorage() : options.storage
    this.cursors =
      options.cursors ?? createSessionCursors(storage, options.baseUrl || 'same-origin')
    this.clientId = options.clientId ?? createClientId(storage)
    for (const channel of CHANNELS) this.diagnostics.set(channel, new ChannelDiagnostics(channel))
  }

  subscribe(channel: Channel, listener: ChannelListener): () => void {
    let set = this.listeners.get(channel)
    if (!set) this.listeners.set(channel, (set = new Set()))
    set.add(listener)
    this.queueReconcile()
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(channel)
      this.queueReconcile()
    }
  }

  status(channel: Channel): ChannelStatus {
    return (this.diagnostics.get(channel) as ChannelDiagnostics).snapshot()
  }

  onStatusChange(listener: (channel: Channel) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  /** The newest invalid events across channels, newest last. */
  invalidEvents(): readonly InvalidEvent[] {
    return this.invalidLog
  }

  get mode(): TransportMode | null {
    if (!this.capabilities) return null
    return this.useMultiplex() ? 'multiplexed' : 'per-channel'
  }

  pause(): void {
    this.paused = true
    for (const connection of this.connections.values()) connection.pause()
  }

  resume(): void {
    this.paused = false
    for (const connection of this.connections.values()) connection.resume()
  }

  /** Skips any backoff wait and tries every connection now (also after an auth failure). */
  retryNow(): void {
    this.renewals = 0
    for (const connection of this.connections.values()) connection.retryNow()
  }

  /** A store handler threw on one of `channel`'s events: shown in diagnostics, the stream goes on. */
  reportHandlerError(channel: Channel, error: unknown): void {
    this.updateDiagnostics([channel], (d) => d.setError(`handler failed: ${describeError(error)}`))
  }

  /** Writes pending cursors to storage now (the page is being hidden or unloaded). */
  flushCursors(): void {
    this.cursors.flush()
  }

  close(): void {
    this.closed = true
    for (const connection of this.connections.values()) connection.close()
    this.connections.clear()
    this.cursors.flush()
  }

  private queueReconcile(): void {
    if (this.reconcileQueued || this.closed) return
    this.reconcileQueued = true
    queueMicrotask(() => {
      this.reconcileQueued = false
      void this.reconcile()
    })
  }

  private async reconcile(): Promise<void> {
    const capabilities = await this.loadCapabilities()
    if (this.closed || capabilities !== this.capabilities) return
    const wanted = CHANNELS.filter((channel) => this.listeners.has(channel))
    const desired = new Map<string, readonly Channel[]>()
    if (this.useMultiplex() && wanted.length > 0) desired.set(`mux:${wanted.join(',')}`, wanted)
    else if (!this.useMultiplex()) for (const channel of wanted) desired.set(channel, [channel])

    for (const [key, connection] of this.connections) {
      if (desired.has(key)) continue
      this.connections.delete(key)
      connection.close('unsubscribed')
    }
    for (const channel of CHANNELS) {
      if (!wanted.includes(channel))
        this.updateDiagnostics([channel], (d) => d.setState({ phase: 'idle' }, null))
    }
    for (const [key, channels] of desired) {
      if (this.connections.has(key)) continue
      const connection = new StreamConnection(this.connectionOptions(key, channels, capabilities))
      this.connections.set(key, connection)
      if (this.paused) connection.pause()
      connection.start()
    }
  }

  private useMultiplex(): boolean {
    return this.transport.multiplex === 'auto' && this.capabilities?.multiplex === true
  }

  private loadCapabilities(): Promise<BackendCapabilities> {
    if (this.capabilities) return Promise.resolve(this.capabilities)
    this.capabilitiesPending ??= this.probe().then((found) => {
      this.capabilities = found
      this.capabilitiesPending = null
      return found
    })
    return this.capabilitiesPending
  }

  private async probe(): Promise<BackendCapabilities> {
    this.lastProbe = Date.now()
    const url = resolveEndpoint(this.options.baseUrl, STATUS_PATH)
    try {
      return await fetchCapabilities(this.fetchFn, url, await this.authHeaders())
    } catch {
      return UNKNOWN_BACKEND
    }
  }

  /** The backend was unreachable when the mode was chosen: ask again once a stream works. */
  private async reprobe(): Promise<void> {
    if (
      this.capabilities?.reachable !== false ||
      this.reprobing ||
      Date.now() - this.lastProbe < 1000
    )
      return
    this.reprobing = true
    const found = await this.probe().finally(() => (this.reprobing = false))
    if (!found.reachable || this.closed) return
    const changed =
      found.multiplex !== this.capabilities.multiplex || found.history !== this.capabilities.history
    this.capabilities = found
    if (!changed) return
    for (const connection of this.connections.values()) connection.close('switching transport')
    this.connections.clear()
    this.queueReconcile()
  }

  private connectionOptions(
    key: string,
    channels: readonly Channel[],
    capabilities: BackendCapabilities,
  ): StreamConnectionOptions {
    const { baseUrl } = this.options
    const multiplexed = key.startsWith('mux:')
    const transport = this.transport
    const mode: TransportMode = multiplexed ? 'multiplexed' : 'per-channel'
    const path = multiplexed ? '/api/v1/sse/stream' : `/api/v1/sse/${channels[0]}`
    return {
      key: multiplexed ? 'mux' : (channels[0] as string),
      channels,
      multiplexed,
      streamUrl: (lastEventId) =>
        resolveEndpoint(baseUrl, path, {
          channels: multiplexed ? channels : undefined,
          client_id: this.clientId,
          last_event_id: transport.lastEventIdQuery ? lastEventId : undefined,
        }),
      historyUrl:
        capabilities.history > 0
          ? (channel, query) =>
              resolveEndpoint(baseUrl, `/api/v1/sse/${channel}/history`, {
                after: query.after,
                limit: query.limit,
              })
          : null,
      headers: () => this.authHeaders(),
      renewAuth: () => this.renewAuth(),
      fetch: this.fetchFn,
      cursors: this.cursors,
      network: this.network,
      observer: this.observerFor(key, channels, mode),
      heartbeatMs: (capabilities.heartbeatSeconds ?? transport.heartbeatSeconds) * 1000,
      backoff: { baseMs: transport.backoffBaseMs, maxMs: transport.backoffMaxMs },
      healthyAfterMs: transport.healthyAfterMs,
      pollAfterFailures: transport.pollAfterFailures,
      pollIntervalMs: transport.pollIntervalMs,
      backfillLimit: capabilities.history > 0 ? transport.backfillLimit : 0,
      recentIds: (channel) => {
        let recent = this.recent.get(channel)
        if (!recent) this.recent.set(channel, (recent = new RecentIds()))
        return recent
      },
      claimContext: (channel) => {
        if (this.contextClaimed.has(channel)) return false
        this.contextClaimed.add(channel)
        return true
      },
      maxEventChars: transport.maxEventChars,
      resumeConfirmed: capabilities.history > 0,
      random: this.options.random,
    }
  }

  private observerFor(
    key: string,
    channels: readonly Channel[],
    mode: TransportMode,
  ): ConnectionObserver {
    // A retired connection's late reports must not touch the channels it no longer carries.
    const current = () => this.connections.has(key) && !this.closed
    return {
      onEvent: (event) => {
        if (!current()) return
        this.diagnostics.get(event.channel)?.countEvent(event.id)
        const set = this.listeners.get(event.channel)
        if (!set) return
        for (const listener of set) listener(event)
      },
      onState: (state: ConnectionState) => {
        if (!current()) return
        this.updateDiagnostics(channels, (d) => d.setState(state, mode))
        if (state.phase === 'open') {
          this.renewals = 0
          void this.reprobe()
        }
      },
      onReport: (report: ConnectionReport) => {
        if (current()) this.applyReport(channels, report)
      },
    }
  }

  private applyReport(channels: readonly Channel[], report: ConnectionReport): void {
    switch (report.type) {
      case 'duplicate':
        this.diagnostics.get(report.channel)?.countDuplicate()
        return
      case 'invalid':
        this.invalidLog.push(report.value)
        if (this.invalidLog.length > 100) this.invalidLog.shift()
        this.updateDiagnostics(report.value.channel ? [report.value.channel] : channels, (d) =>
          d.addInvalid(report.value),
        )
        return
      case 'unknown':
        this.updateDiagnostics(report.channel ? [report.channel] : channels, (d) =>
          d.countUnknown(),
        )
        return
      case 'gap':
        this.updateDiagnostics([report.channel], (d) => d.setGap(report.gap))
        return
      case 'error':
        this.updateDiagnostics(channels, (d) => d.setError(report.message))
        return
      case 'reconnect':
        this.updateDiagnostics(channels, (d) => d.countReconnect())
        return
    }
  }

  private updateDiagnostics(
    channels: readonly Channel[],
    change: (d: ChannelDiagnostics) => void,
  ): void {
    for (const channel of channels) {
      const diagnostics = this.diagnostics.get(channel)
      if (!diagnostics) continue
      change(diagnostics)
      for (const listener of this.statusListeners) listener(channel)
    }
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (!this.options.token) return {}
    const token = await this.options.token()
    this.lastToken = token
    return token ? { Authorization: `Bearer ${token}` } : {}
  }

  /** After a 401/403: one more attempt only if the provider now hands out a different token. */
  private async renewAuth(): Promise<boolean> {
    if (!this.options.token || this.renewals >= 1) return false
    const used = this.lastToken
    const fresh = await this.options.token()
    if (!fresh || fresh === used) return false
    this.renewals += 1
    return true
  }
}
