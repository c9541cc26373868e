// The multiplexer: one stream for every subscribed channel when the backend allows it, else one per channel.
import { resolveEndpoint } from '@/protocol/endpoints'
import { CHANNELS, type Channel } from '@/protocol/contract'
import { BackendProbe, fetchCapabilities, type BackendCapabilities } from './backendStatus'
import type { ChannelStatus } from './channelDiagnostics'
import { ChannelSubscription } from './channelSubscription'
import type { ConnectionObserver, ConnectionReport, ConnectionState } from './connectionState'
import { historyReader, type HistoryReader } from './historyClient'
import { browserNetwork, type NetworkMonitor } from './network'
import { DEFAULT_TRANSPORT, type TokenProvider, type TransportOptions } from '@/protocol/transport'
import {
  BearerAuth,
  type ChannelListener,
  type EngineInfo,
  type RealtimeSource,
  type TransportMode,
} from './realtimeSource'
import { createClientId, createSessionCursors, type CursorStore } from './sessionCursors'
import { describeError } from './describeError'
import type { FetchLike } from './sseTransport'
import { StreamConnection, type StreamConnectionOptions } from './streamConnection'

export interface RealtimeClientOptions {
  baseUrl: string
  transport?: Partial<TransportOptions>
  token?: TokenProvider
  fetch?: FetchLike
  network?: NetworkMonitor
  /** Default: in memory only (the page keeps them, see HandedCursors). */
  cursors?: CursorStore & { flush(): void }
  clientId?: string
  backpressure?: () => Promise<void> | null
  /** False: the page shows its channels already (a new engine for live tabs), default true. */
  restoreContext?: boolean
}

export class RealtimeClient implements RealtimeSource {
  readonly clientId: string
  readonly transport: TransportOptions
  private readonly fetchFn: FetchLike
  private readonly network: NetworkMonitor
  private readonly cursors: CursorStore & { flush(): void }
  private readonly subscriptions = new Map<Channel, ChannelSubscription>()
  private readonly statusListeners = new Set<(channel: Channel) => void>()
  private readonly connections = new Map<string, StreamConnection>()
  private readonly backend: BackendProbe
  private readonly history: HistoryReader
  private reconcileQueued = false
  /** Where the last multiplexed stream of this engine stopped (ids are one space across channels). */
  private muxCursor: string | null = null
  private readonly auth: BearerAuth
  private closed = false

  constructor(private readonly options: RealtimeClientOptions) {
    this.auth = new BearerAuth(options.token)
    this.backend = new BackendProbe(
      async () => fetchCapabilities(this.fetchFn, options.baseUrl, await this.auth.headers()),
      (before, after) => this.capabilitiesChanged(before, after),
    )
    this.transport = { ...DEFAULT_TRANSPORT, ...options.transport }
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.network = options.network ?? browserNetwork()
    this.cursors = options.cursors ?? createSessionCursors(null, '')
    this.clientId = options.clientId ?? createClientId(null, '')
    this.history = historyReader({
      ...this.transport,
      baseUrl: options.baseUrl,
      fetch: this.fetchFn,
      headers: () => this.auth.headers(),
    })
    for (const channel of CHANNELS) {
      const notify = () => this.notify(channel)
      this.subscriptions.set(channel, new ChannelSubscription(channel, this.cursors, notify))
      if (options.restoreContext === false) this.subscription(channel).claimContext()
    }
  }

  subscription(channel: Channel): ChannelSubscription {
    return this.subscriptions.get(channel) as ChannelSubscription
  }

  subscribe(channel: Channel, listener: ChannelListener): () => void {
    const remove = this.subscription(channel).addListener(listener)
    this.queueReconcile()
    return () => {
      remove()
      this.queueReconcile()
    }
  }

  status(channel: Channel): ChannelStatus {
    return this.subscription(channel).diagnostics.snapshot()
  }

  onStatusChange(listener: (channel: Channel) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  get clockOffsetMs(): number | null {
    return this.backend.current?.clockOffsetMs ?? null
  }

  get engine(): EngineInfo {
    return { host: 'in-process', tabs: 1 }
  }

  get mode(): TransportMode | null {
    if (!this.backend.current) return null
    return this.useMultiplex() ? 'multiplexed' : 'per-channel'
  }

  /** Before any channel is wanted: the first stream need not wait for the status. */
  probe(): void {
    void this.backend.load()
  }

  retryNow(): void {
    this.auth.reset()
    for (const connection of this.connections.values()) connection.retryNow()
  }

  reportHandlerError(channel: Channel, error: unknown): void {
    this.subscription(channel).reportError(`handler failed: ${describeError(error)}`)
  }

  flushCursors(): void {
    this.cursors.flush()
  }

  close(): void {
    this.closed = true
    this.backend.close()
    for (const [key, connection] of this.connections) this.retire(key, connection, 'closed')
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

  /** Closes a stream; a multiplexed one leaves its position to the next. */
  private retire(key: string, connection: StreamConnection, reason: string): void {
    this.connections.delete(key)
    connection.close(reason)
    if (key.startsWith('mux:') && connection.wireCursor !== undefined)
      this.muxCursor = connection.wireCursor
  }

  private async reconcile(): Promise<void> {
    const capabilities = await this.backend.load()
    if (this.closed || capabilities !== this.backend.current) return
    const wanted = CHANNELS.filter((channel) => this.subscription(channel).hasListeners)
    const desired = new Map<string, readonly Channel[]>()
    if (this.useMultiplex() && wanted.length > 0) desired.set(`mux:${wanted.join(',')}`, wanted)
    else if (!this.useMultiplex()) for (const channel of wanted) desired.set(channel, [channel])
    for (const [key, connection] of this.connections)
      if (!desired.has(key)) this.retire(key, connection, 'unsubscribed')
    const idle = CHANNELS.filter((channel) => !wanted.includes(channel))
    this.updateDiagnostics(idle, (d) => d.setState({ phase: 'idle' }, null))
    for (const [key, channels] of desired) {
      if (this.connections.has(key)) continue
      const connection = new StreamConnection(this.connectionOptions(key, channels, capabilities))
      this.connections.set(key, connection)
      connection.start()
    }
  }

  private useMultiplex(): boolean {
    return this.transport.multiplex === 'auto' && this.backend.current?.multiplex === true
  }

  private capabilitiesChanged(known: BackendCapabilities, found: BackendCapabilities): void {
    if (this.closed) return
    if (found.data !== known.data || found.clockOffsetMs !== known.clockOffsetMs)
      this.updateDiagnostics(CHANNELS, (d) => d.setDataSource(found.data))
    if (found.multiplex === known.multiplex && found.history === known.history) return
    for (const [key, connection] of this.connections)
      this.retire(key, connection, 'switching transport')
    this.queueReconcile()
  }

  private connectionOptions(
    key: string,
    channels: readonly Channel[],
    capabilities: BackendCapabilities,
  ): StreamConnectionOptions {
    const { baseUrl } = this.options
    const transport = this.transport
    const multiplexed = key.startsWith('mux:')
    const path = multiplexed ? '/api/v1/sse/stream' : `/api/v1/sse/${channels[0]}`
    const subscriptions = channels.map((channel) => this.subscription(channel))
    return {
      subscriptions,
      multiplexed,
      transport,
      // The multiplexed stream resumes where the last one of this engine's life stopped; the
      // first sends no id, and each channel reads what it missed from history (docs/protocol.md).
      resumeCursor: () => (multiplexed ? this.muxCursor : (subscriptions[0]?.cursor ?? null)),
      streamUrl: (lastEventId, inQuery) =>
        resolveEndpoint(baseUrl, path, {
          channels: multiplexed ? channels : undefined,
          client_id: this.clientId,
          last_event_id: transport.lastEventIdQuery || inQuery ? lastEventId : undefined,
        }),
      history: capabilities.history > 0 ? this.history : null,
      resumeConfirmed: capabilities.history > 0,
      heartbeatMs: (capabilities.heartbeatSeconds ?? transport.heartbeatSeconds) * 1000,
      headers: () => this.auth.headers(),
      renewAuth: () => this.auth.renew(),
      fetch: this.fetchFn,
      network: this.network,
      observer: this.observerFor(key, channels, multiplexed ? 'multiplexed' : 'per-channel'),
      backpressure: this.options.backpressure,
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
      onState: (state: ConnectionState) => {
        if (!current()) return
        const data = this.backend.current?.data ?? null
        this.updateDiagnostics(channels, (d) => {
          d.setState(state, mode)
          d.setDataSource(data)
        })
        if (state.phase === 'open') {
          this.auth.reset()
          void this.backend.refresh()
        }
      },
      onReport: (report: ConnectionReport) => {
        if (current()) this.applyReport(channels, report)
      },
    }
  }

  private applyReport(channels: readonly Channel[], report: ConnectionReport): void {
    switch (report.type) {
      case 'invalid':
        this.subscription(report.value.channel ?? (channels[0] as Channel)).reject(
          report.value,
          'live',
        )
        return
      case 'error':
        this.updateDiagnostics(channels, (d) => d.setError(report.message))
        return
      case 'reconnect':
        this.backend.markStale()
        this.updateDiagnostics(channels, (d) => d.count('reconnects'))
        return
    }
  }

  private updateDiagnostics(
    channels: readonly Channel[],
    change: (d: ChannelSubscription['diagnostics']) => void,
  ): void {
    for (const channel of channels) {
      change(this.subscription(channel).diagnostics)
      this.notify(channel)
    }
  }

  private notify(channel: Channel): void {
    for (const listener of this.statusListeners) listener(channel)
  }
}
