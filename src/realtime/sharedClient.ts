// One stream per browser: a leader tab (Web Locks) holds the connection and relays it to the others.
import { CHANNELS, type Channel, type ChannelEvent } from '@/protocol/contract'
import { ChannelDiagnostics, type ChannelStatus } from './channelDiagnostics'
import { ChannelSubscription } from './channelSubscription'
import type { InvalidEvent } from './eventDecoder'
import { historyReader } from './historyClient'
import { RealtimeClient, type RealtimeClientOptions } from './realtimeClient'
import {
  bearerHeaders,
  DEFAULT_TRANSPORT,
  type ChannelListener,
  type RealtimeSource,
  type TransportMode,
} from './realtimeSource'
import { browserSessionStorage, createSessionCursors, type CursorStore } from './sessionCursors'
import { describeError } from './sseTransport'
import { TabChannel, type TabMessage } from './tabMessages'
import { TabRoster } from './tabRoster'

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
  /** This tab's subscription objects: they outlive leadership changes, so cursors and filters do. */
  private readonly subscriptions = new Map<Channel, ChannelSubscription>()
  /** The leader's relay listener per channel some tab wants. */
  private readonly relays = new Map<Channel, () => void>()
  /** Other tabs and the channels they want. */
  private readonly roster = new TabRoster(WANT_BEAT_MS * 3)
  /** The leader's id epoch per channel, as last relayed: a change means its ids restarted. */
  private readonly relayedEpochs = new Map<Channel, { tab: string; epoch: number }>()
  private readonly statusListeners = new Set<(channel: Channel) => void>()
  private statuses: Partial<Record<Channel, ChannelStatus>> = {}
  private remoteMode: TransportMode | null = null
  private localError: { channel: Channel; message: string } | null = null
  private outbox: Outbox | null = null
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
    for (const channel of CHANNELS) {
      this.subscriptions.set(
        channel,
        new ChannelSubscription(channel, this.cursors, () => this.notify(channel)),
      )
    }
    this.bus = new TabChannel(`rtm:${options.baseUrl || 'same-origin'}`, (message) =>
      this.onMessage(message),
    )
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
    const subscription = this.subscription(channel)
    const remove = subscription.addListener(listener)
    if (this.roleNow !== 'leader' && subscription.claimContext())
      void this.restoreContext(subscription)
    this.wantsChanged()
    return () => {
      remove()
      this.wantsChanged()
    }
  }

  private subscription(channel: Channel): ChannelSubscription {
    return this.subscriptions.get(channel) as ChannelSubscription
  }

  private wanted(): Channel[] {
    return CHANNELS.filter((channel) => this.subscription(channel).hasListeners)
  }

  status(channel: Channel): ChannelStatus {
    const base = this.inner
      ? this.inner.status(channel)
      : (this.statuses[channel] ?? waitingStatus(channel))
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
    this.localError = { channel, message: `handler failed: ${describeError(error)}` }
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
    this.inner = new RealtimeClient({
      ...this.options,
      cursors: this.cursors,
      subscriptions: (channel) => this.subscription(channel),
    })
    this.inner.onStatusChange((channel) => this.notify(channel))
    this.beat()
    this.reconcile()
    for (const channel of CHANNELS) this.notify(channel)
  }

  private stepDown(): void {
    if (this.roleNow !== 'leader') return
    this.flushOutbox()
    this.roleNow = 'follower'
    this.relays.forEach((off) => off())
    this.relays.clear()
    this.inner?.close()
    this.inner = null
    this.leaderTab = null
    this.releaseLock?.()
    this.releaseLock = null
  }

  /**
   * The leader's streams carry the union of what all tabs want: this tab's listeners sit on the
   * subscription objects; other tabs' wants get one relay listener per channel. The relay adds
   * nothing of its own: events arrive already validated, filtered and in order.
   */
  private reconcile(): void {
    if (!this.inner) return
    const others = this.roster.wantedChannels()
    for (const [channel, off] of this.relays) {
      if (others.has(channel)) continue
      off()
      this.relays.delete(channel)
    }
    for (const channel of others) {
      if (this.relays.has(channel)) continue
      const subscription = this.subscription(channel)
      this.relays.set(
        channel,
        subscription.addListener((event) => {
          if (!this.relaying()) return
          const outbox = this.queueOutbox()
          outbox.events.push(event)
          outbox.epochs[channel] = subscription.epoch
        }),
      )
    }
    this.inner.refreshSubscriptions()
  }

  /**
   * A follower only hears what the leader relays from now on; its stores start empty, so it reads
   * the channel's recent history itself (the same catch-up as a stream's), holding relayed events
   * until that is applied.
   */
  private async restoreContext(subscription: ChannelSubscription): Promise<void> {
    const limit = this.options.transport?.backfillLimit ?? DEFAULT_TRANSPORT.backfillLimit
    if (limit <= 0) return
    const read = historyReader({
      baseUrl: this.options.baseUrl,
      fetch: this.options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      headers: async () => bearerHeaders(await this.options.token?.()),
      backfillLimit: limit,
    })
    const { channel } = subscription
    await subscription.catchUp(
      { read: (after) => read(channel, after), current: () => !this.closed },
      null,
    )
  }

  /** Relaying costs a copy per event: only worth it while another tab has said it is there. */
  private relaying(): boolean {
    return this.roleNow === 'leader' && this.roster.anyone
  }

  private queueOutbox(): Outbox {
    if (!this.outbox) {
      this.outbox = { events: [], cursors: {}, epochs: {} }
      queueMicrotask(() => this.flushOutbox())
    }
    return this.outbox
  }

  private flushOutbox(): void {
    const outbox = this.outbox
    this.outbox = null
    if (outbox && this.roleNow === 'leader')
      this.bus.post({ type: 'events', tab: this.tabId, ...outbox })
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
    if (this.leaderTab === null || Date.now() - this.lastLeaderBeat <= LEADER_TIMEOUT_MS) return
    // The leader stopped beating but holds the lock (hung). Among the tabs heard from lately, the
    // silent leader left out (see firstInLine), the one with the smallest id takes it over.
    if (!this.roster.firstInLine(this.tabId, this.leaderTab)) return
    this.leaderTab = null
    this.requestLeadership(true)
  }

  private wantsChanged(): void {
    this.announceWants()
    if (this.inner) this.reconcile()
  }

  private announceWants(): void {
    if (this.closed) return
    this.bus.post({ type: 'want', tab: this.tabId, channels: this.wanted() })
  }

  private onMessage(message: TabMessage): void {
    switch (message.type) {
      case 'want':
        this.roster.heard(message.tab, message.channels)
        if (this.inner) this.reconcile()
        return
      case 'bye':
        this.roster.left(message.tab)
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
        for (const [channel, epoch] of Object.entries(message.epochs) as [Channel, number][]) {
          // The same leader's ids restarted (a new epoch there): this tab's filter forgets too.
          // A first epoch, or another leader's numbering, says nothing of the kind: the filter
          // keeps what history and earlier relays brought, so their overlap is not applied twice.
          const known = this.relayedEpochs.get(channel)
          if (known && known.tab === message.tab && known.epoch !== epoch) {
            this.subscription(channel).startEpoch()
          }
          this.relayedEpochs.set(channel, { tab: message.tab, epoch })
        }
        for (const event of message.events) this.subscription(event.channel).deliver(event, 'relay')
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
    if (this.roleNow === 'leader') this.queueStatusBroadcast()
  }
}

interface Outbox {
  events: ChannelEvent[]
  cursors: Record<string, string>
  epochs: Partial<Record<Channel, number>>
}

/** What a follower shows before the leader's first status: nothing yet, connecting. */
function waitingStatus(channel: Channel): ChannelStatus {
  return {
    ...new ChannelDiagnostics(channel).snapshot(),
    state: { phase: 'connecting', attempt: 0 },
  }
}
