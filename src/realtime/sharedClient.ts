// One stream per browser: a leader tab (Web Locks) holds the connection and relays it to the others.
import { ChannelDiagnostics, type ChannelStatus } from './channelDiagnostics'
import type { InvalidEvent } from './eventDecoder'
import { CHANNELS, type Channel, type ChannelEvent } from '@/protocol/contract'
import { resolveEndpoint } from '@/config/resolveUrl'
import { fetchHistory } from './historyClient'
import {
  DEFAULT_TRANSPORT,
  RealtimeClient,
  type ChannelListener,
  type RealtimeClientOptions,
  type RealtimeSource,
  type TransportMode,
} from './realtimeClient'
import { RecentIds } from './recentIds'
import { browserSessionStorage, createSessionCursors } from './sessionCursors'
import type { CursorStore } from './streamConnection'
import { TabChannel, type TabMessage } from './tabMessages'

export type TabRole = 'solo' | 'leader' | 'follower'

/** How often the leader says it is alive, and how long followers wait before taking over. */
const LEADER_BEAT_MS = 500
const LEADER_TIMEOUT_MS = 2000
/** How often every tab repeats which channels it wants; wants older than this ×3 expire. */
const WANT_BEAT_MS = 1000

/** True where tabs can share one stream (Web Locks and BroadcastChannel). */
export function canShareAcrossTabs(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.locks?.request === 'function' &&
    typeof BroadcastChannel === 'function'
  )
}

export class SharedRealtimeClient implements RealtimeSource {
  readonly tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  private roleNow: TabRole = 'follower'
  private inner: RealtimeClient | null = null
  private readonly bus: TabChannel
  private readonly cursors: CursorStore & { flush(): void }
  private readonly listeners = new Map<Channel, Set<ChannelListener>>()
  private readonly innerSubscriptions = new Map<Channel, () => void>()
  private readonly wants = new Map<string, { channels: Channel[]; at: number }>()
  private readonly recent = new Map<Channel, RecentIds>()
  /** Channels whose recent history this tab has read, and relayed events held meanwhile. */
  private readonly restored = new Set<Channel>()
  private readonly held = new Map<Channel, ChannelEvent[]>()
  private readonly statusListeners = new Set<(channel: Channel) => void>()
  private statuses: Partial<Record<Channel, ChannelStatus>> = {}
  private remoteMode: TransportMode | null = null
  private localError: { channel: Channel; message: string } | null = null
  private outbox: { events: ChannelEvent[]; cursors: Record<string, string> } | null = null
  private statusQueued = false
  private leaderTab: string | null = null
  private lastLeaderBeat = 0
  private lockRequest: AbortController | null = null
  private releaseLock: (() => void) | null = null
  private readonly timers: Array<ReturnType<typeof setInterval>> = []
  private closed = false

  constructor(private readonly options: RealtimeClientOptions) {
    const storage = options.storage === undefined ? browserSessionStorage() : options.storage
    const local = options.cursors ?? createSessionCursors(storage, options.baseUrl || 'same-origin')
    // Every cursor the leader moves is relayed, so any tab can take over exactly where it stopped.
    this.cursors = {
      get: (key) => local.get(key),
      set: (key, value) => {
        local.set(key, value)
        if (this.relaying()) this.queueOutbox().cursors[key] = value
      },
      flush: () => local.flush(),
    }
    this.bus = new TabChannel(`rtm:${options.baseUrl || 'same-origin'}`, (message) => this.onMessage(message))
    this.timers.push(setInterval(() => this.beat(), LEADER_BEAT_MS))
    this.timers.push(setInterval(() => this.announceWants(), WANT_BEAT_MS))
    this.requestLeadership(false)
    this.announceWants()
  }

  get role(): TabRole {
    return this.roleNow
  }

  get mode(): TransportMode | null {
    return this.inner ? this.inner.mode : this.remoteMode
  }

  subscribe(channel: Channel, listener: ChannelListener): () => void {
    let set = this.listeners.get(channel)
    if (!set) this.listeners.set(channel, (set = new Set()))
    set.add(listener)
    if (!this.restored.has(channel)) void this.restoreContext(channel)
    this.wantsChanged()
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(channel)
      this.wantsChanged()
    }
  }

  status(channel: Channel): ChannelStatus {
    const base = this.inner ? this.inner.status(channel) : (this.statuses[channel] ?? waitingStatus(channel))
    const error = this.localError
    return error && error.channel === channel ? { ...base, lastError: error.message } : base
  }

  onStatusChange(listener: (channel: Channel) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  invalidEvents(): readonly InvalidEvent[] {
    if (this.inner) return this.inner.invalidEvents()
    return CHANNELS.flatMap((channel) => this.statuses[channel]?.invalidEvents ?? [])
  }

  reportHandlerError(channel: Channel, error: unknown): void {
    if (this.inner) return this.inner.reportHandlerError(channel, error)
    this.localError = { channel, message: `handler failed: ${error instanceof Error ? error.message : String(error)}` }
    this.notify(channel)
  }

  pause(): void {
    this.inner?.pause()
  }

  resume(): void {
    this.inner?.resume()
  }

  retryNow(): void {
    if (this.inner) this.inner.retryNow()
    else this.bus.post({ type: 'retry', tab: this.tabId })
  }

  flushCursors(): void {
    this.cursors.flush()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.timers.forEach(clearInterval)
    this.bus.post({ type: 'bye', tab: this.tabId })
    this.stepDown()
    this.lockRequest?.abort()
    this.bus.close()
    this.cursors.flush()
  }

  private requestLeadership(steal: boolean): void {
    if (this.closed) return
    this.lockRequest?.abort()
    const controller = new AbortController()
    this.lockRequest = controller
    const name = `rtm-leader:${this.options.baseUrl || 'same-origin'}`
    const lockOptions: LockOptions = steal ? { steal: true } : { signal: controller.signal }
    navigator.locks
      .request(name, lockOptions, () => {
        if (this.closed || this.lockRequest !== controller) return
        return new Promise<void>((release) => {
          this.releaseLock = release
          this.becomeLeader()
        })
      })
      // The lock was stolen (this tab hung) or the request was withdrawn: follow again.
      .catch(() => {
        if (this.lockRequest !== controller || this.closed) return
        this.stepDown()
        this.requestLeadership(false)
      })
  }

  private becomeLeader(): void {
    this.roleNow = 'leader'
    this.leaderTab = this.tabId
    this.cursors.flush()
    this.inner = new RealtimeClient({ ...this.options, cursors: this.cursors })
    this.inner.onStatusChange((channel) => {
      this.notify(channel)
      this.queueStatusBroadcast()
    })
    this.beat()
    this.reconcile()
    for (const channel of CHANNELS) this.notify(channel)
  }

  private stepDown(): void {
    if (this.roleNow !== 'leader') return
    this.flushOutbox()
    this.roleNow = 'follower'
    this.innerSubscriptions.forEach((off) => off())
    this.innerSubscriptions.clear()
    this.inner?.close()
    this.inner = null
    this.leaderTab = null
    this.releaseLock?.()
    this.releaseLock = null
  }

  /** The leader subscribes the union of what all tabs want; one relay per channel. */
  private reconcile(): void {
    if (!this.inner) return
    const now = Date.now()
    const wanted = new Set<Channel>(this.listeners.keys())
    for (const [tab, want] of this.wants) {
      if (now - want.at > WANT_BEAT_MS * 3) this.wants.delete(tab)
      else want.channels.forEach((channel) => wanted.add(channel))
    }
    for (const [channel, off] of this.innerSubscriptions) {
      if (wanted.has(channel)) continue
      off()
      this.innerSubscriptions.delete(channel)
    }
    for (const channel of wanted) {
      if (this.innerSubscriptions.has(channel)) continue
      const off = (this.inner as RealtimeClient).subscribe(channel, (event) => {
        this.deliverLocal(event)
        if (this.relaying()) this.queueOutbox().events.push(event)
      })
      this.innerSubscriptions.set(channel, off)
    }
  }

  /**
   * A follower only hears what the leader relays from now on; its stores start empty, so it reads
   * the channel's recent history itself, holding relayed events until that is applied.
   */
  private async restoreContext(channel: Channel): Promise<void> {
    this.restored.add(channel)
    const limit = this.options.transport?.backfillLimit ?? DEFAULT_TRANSPORT.backfillLimit
    if (limit <= 0) return
    this.held.set(channel, [])
    try {
      const token = await this.options.token?.()
      const result = await fetchHistory({
        fetch: this.options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
        url: (query) =>
          resolveEndpoint(this.options.baseUrl, `/api/v1/sse/${channel}/history`, { limit: query.limit }),
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        channel,
        after: null,
        limit,
      })
      for (const message of result.messages) if (message.kind === 'event') this.deliverLocal(message.value, true)
    } catch {
      // No history here (an older backend) or it failed: live events alone, as without tabs.
    } finally {
      const held = this.held.get(channel) ?? []
      this.held.delete(channel)
      for (const event of held) this.deliverLocal(event)
    }
  }

  /** Relaying costs a copy per event: only worth it while another tab has said it is there. */
  private relaying(): boolean {
    return this.roleNow === 'leader' && this.wants.size > 0
  }

  private deliverLocal(event: ChannelEvent, bypassHold = false): void {
    const held = this.held.get(event.channel)
    if (held && !bypassHold) {
      held.push(event)
      return
    }
    if (event.id !== null) {
      let recent = this.recent.get(event.channel)
      if (!recent) this.recent.set(event.channel, (recent = new RecentIds()))
      if (!recent.add(event.id)) return
    }
    const set = this.listeners.get(event.channel)
    if (set) for (const listener of set) listener(event)
  }

  private queueOutbox(): { events: ChannelEvent[]; cursors: Record<string, string> } {
    if (!this.outbox) {
      this.outbox = { events: [], cursors: {} }
      queueMicrotask(() => this.flushOutbox())
    }
    return this.outbox
  }

  private flushOutbox(): void {
    const outbox = this.outbox
    this.outbox = null
    if (outbox && this.roleNow === 'leader') this.bus.post({ type: 'events', tab: this.tabId, ...outbox })
  }

  private queueStatusBroadcast(): void {
    if (this.statusQueued) return
    this.statusQueued = true
    setTimeout(() => {
      this.statusQueued = false
      this.broadcastStatus()
    }, 100)
  }

  private broadcastStatus(): void {
    if (!this.inner || this.roleNow !== 'leader') return
    const statuses: Partial<Record<Channel, ChannelStatus>> = {}
    for (const channel of CHANNELS) statuses[channel] = this.inner.status(channel)
    this.bus.post({ type: 'status', tab: this.tabId, statuses, mode: this.inner.mode })
  }

  private beat(): void {
    if (this.roleNow === 'leader') {
      this.bus.post({ type: 'leader', tab: this.tabId })
      this.reconcile()
      this.broadcastStatus()
      return
    }
    const silent = Date.now() - this.lastLeaderBeat
    if (this.leaderTab !== null && silent > LEADER_TIMEOUT_MS && this.isFirstInLine()) {
      // The leader stopped beating but holds the lock (hung): take it over.
      this.leaderTab = null
      this.requestLeadership(true)
    }
  }

  /** Among the tabs heard from lately, the one with the smallest id steals; the others wait. */
  private isFirstInLine(): boolean {
    const now = Date.now()
    const alive = [...this.wants].filter(([, want]) => now - want.at < WANT_BEAT_MS * 3).map(([tab]) => tab)
    return [this.tabId, ...alive].sort()[0] === this.tabId
  }

  private wantsChanged(): void {
    this.announceWants()
    if (this.inner) this.reconcile()
  }

  private announceWants(): void {
    if (this.closed) return
    this.bus.post({ type: 'want', tab: this.tabId, channels: [...this.listeners.keys()] })
  }

  private onMessage(message: TabMessage): void {
    switch (message.type) {
      case 'want':
        this.wants.set(message.tab, { channels: message.channels, at: Date.now() })
        if (this.inner) this.reconcile()
        return
      case 'bye':
        this.wants.delete(message.tab)
        if (this.inner) this.reconcile()
        return
      case 'leader':
        // A tab whose lock was stolen while it hung learns it from its lock request, not from here.
        this.leaderTab = message.tab
        this.lastLeaderBeat = Date.now()
        return
      case 'events':
        if (this.roleNow === 'leader') return
        this.lastLeaderBeat = Date.now()
        for (const [key, value] of Object.entries(message.cursors)) this.cursors.set(key, value)
        for (const event of message.events) this.deliverLocal(event)
        return
      case 'status':
        if (this.roleNow === 'leader') return
        this.statuses = message.statuses
        this.remoteMode = message.mode
        this.lastLeaderBeat = Date.now()
        for (const channel of CHANNELS) this.notify(channel)
        return
      case 'retry':
        this.inner?.retryNow()
        return
    }
  }

  private notify(channel: Channel): void {
    for (const listener of this.statusListeners) listener(channel)
  }
}

/** What a follower shows before the leader's first status: nothing yet, connecting. */
function waitingStatus(channel: Channel): ChannelStatus {
  return { ...new ChannelDiagnostics(channel).snapshot(), state: { phase: 'connecting', attempt: 0 } }
}
