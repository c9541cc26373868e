// The realtime engine's host: one RealtimeClient for every tab connected over a port. It routes each
// channel's validated events to the tabs that want it in batches (one message per tab per frame's
// worth of time), keeps each channel's recent events so a new tab paints at once, holds the
// cursors and hands them to the tabs (which keep them for a reload), and stops reading the socket
// while a tab says its frames are behind. Knows nothing of Vue or of where it runs.
import { CHANNELS, type Channel, type ChannelEvent } from '@/protocol/contract'
import {
  BATCH_MS,
  type EngineHello,
  type EngineMessage,
  type PageMessage,
  type PortLike,
} from './enginePort'
import { manualNetwork } from './network'
import { RealtimeClient } from './realtimeClient'
import { TokenRequests } from './tokenRequests'
import { HandedCursors } from './sessionCursors'

/**
 * Recent events kept per channel for a tab that connects while the engine is live, so it paints
 * what the others show: the dashboard's hour of snapshots (7,200 points), the alerts list (500
 * rows, kept with room for repeats that fold into them), and for training and backtests the newest
 * 20,000 progress events (an hour of five runs reporting every second; an older start of a long
 * curve is not replayed).
 */
export const RECENT_WINDOW: Record<Channel, number> = {
  dashboard: 7200,
  alerts: 2000,
  training: 20_000,
  backtest: 20_000,
}
/** Counters in a channel's status are sent along with its events at most this often. */
const STATUS_EVERY_MS = 1000
/** A tab that said it is behind and then went silent (hung, closed) stops holding the engine back. */
const BEHIND_EXPIRES_MS = 3000
/**
 * Events in one message at most: a tab joining a live engine gets tens of thousands of recent
 * events, which one message would make one long task on its page (structured clone is read at
 * once); the rest follows a frame later.
 */
const MAX_BATCH = 2000

interface Tab {
  port: PortLike
  id: string
  channels: Set<Channel>
  pending: ChannelEvent[]
  behindSince: number | null
  visible: boolean
  focused: boolean
  voice: boolean
}

export class EngineHost {
  private engine: RealtimeClient | null = null
  private readonly tabs = new Set<Tab>()
  private readonly stops = new Map<Channel, () => void>()
  private readonly recent = new Map<Channel, ChannelEvent[]>()
  private cursors: HandedCursors | null = null
  private readonly statusDue = new Set<Channel>()
  private readonly statusSentAt = new Map<Channel, number>()
  private readonly network = manualNetwork(true)
  private readonly tokens = new TokenRequests()
  private lastActive: Tab | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastFlush = -Infinity
  private caughtUp: (() => void)[] = []

  constructor(private readonly version: string) {}

  get tabCount(): number {
    return this.tabs.size
  }

  connect(port: PortLike): void {
    const tab: Tab = {
      port,
      id: '',
      channels: new Set(),
      pending: [],
      behindSince: null,
      visible: true,
      focused: false,
      voice: false,
    }
    port.addEventListener('message', (event: MessageEvent<PageMessage>) => {
      this.lastActive = tab
      this.onMessage(tab, event.data)
    })
    port.start?.()
    this.post(tab, { t: 'ready', version: this.version })
  }

  private onMessage(tab: Tab, message: PageMessage): void {
    switch (message.t) {
      case 'hello':
        tab.id = message.tab
        this.tabs.add(tab)
        this.network.set(message.online)
        this.start(message)
        this.sendTabCount()
        this.pickVoice(tab)
        return
      case 'subscribe':
        tab.channels.add(message.channel)
        this.replayRecent(tab, message.channel)
        this.want(message.channel)
        this.post(tab, this.statusMessage(message.channel))
        return
      case 'unsubscribe':
        tab.channels.delete(message.channel)
        this.release(message.channel)
        return
      case 'retry':
        this.engine?.retryNow()
        return
      case 'handler-error':
        this.engine?.reportHandlerError(message.channel, new Error(message.message))
        return
      case 'behind':
        tab.behindSince = message.behind ? Date.now() : null
        if (!message.behind) this.releaseReaders()
        return
      case 'network':
        this.network.set(message.online)
        return
      case 'presence':
        tab.visible = message.visible
        tab.focused = message.focused
        this.pickVoice()
        return
      case 'token':
        this.tokens.answer(message.request, message.token)
        return
      case 'bye':
        this.drop(tab)
        return
    }
  }

  /** The first tab's hello starts the engine with the cursors that tab kept. */
  private start(hello: EngineHello): void {
    if (this.engine) return
    const cursors = new HandedCursors(
      hello.cursors,
      () => this.schedule(),
      () => this.flush(),
    )
    this.cursors = cursors
    this.engine = new RealtimeClient({
      baseUrl: hello.baseUrl,
      transport: hello.transport,
      token: hello.auth ? () => this.requestToken() : undefined,
      storage: null,
      cursors,
      clientId: hello.clientId,
      network: this.network,
      backpressure: () => this.backpressure(),
    })
    this.engine.onStatusChange((channel) => {
      this.statusDue.add(channel)
      this.schedule()
    })
  }

  private want(channel: Channel): void {
    if (!this.engine || this.stops.has(channel)) return
    this.stops.set(
      channel,
      this.engine.subscribe(channel, (event) => this.route(event)),
    )
  }

  /** Stops a channel no tab wants any more. */
  private release(channel: Channel): void {
    if ([...this.tabs].some((tab) => tab.channels.has(channel))) return
    this.stops.get(channel)?.()
    this.stops.delete(channel)
    this.recent.delete(channel)
  }

  private drop(tab: Tab): void {
    this.tabs.delete(tab)
    if (this.lastActive === tab) this.lastActive = null
    for (const channel of tab.channels) this.release(channel)
    tab.channels.clear()
    this.releaseReaders()
    this.sendTabCount()
    this.pickVoice()
  }

  /**
   * Tells the tabs whose voice changed (see speakingTab), and a tab that just said hello whether
   * it speaks, even if it does not: before it knows, it would follow the Web Lock instead.
   */
  private pickVoice(hello: Tab | null = null): void {
    const best = speakingTab(this.tabs)
    for (const tab of this.tabs) {
      const voice = tab === best
      if (tab.voice === voice && tab !== hello) continue
      tab.voice = voice
      this.post(tab, { t: 'voice', voice })
    }
  }

  private route(event: ChannelEvent): void {
    let kept = this.recent.get(event.channel)
    if (!kept) this.recent.set(event.channel, (kept = []))
    kept.push(event)
    const limit = RECENT_WINDOW[event.channel]
    if (kept.length > limit * 1.25) kept.splice(0, kept.length - limit)
    for (const tab of this.tabs) if (tab.channels.has(event.channel)) tab.pending.push(event)
    this.schedule()
  }

  /** A tab that starts watching a live channel gets what the others see now, with no request. */
  private replayRecent(tab: Tab, channel: Channel): void {
    const kept = this.recent.get(channel)
    if (kept) for (const event of kept.slice(-RECENT_WINDOW[channel])) tab.pending.push(event)
    this.schedule()
  }

  /**
   * Events leave at once after a quiet spell, and at most once every BATCH_MS under a flood: a
   * trickle gets no added wait, a flood no more than one message per tab per frame.
   */
  private schedule(): void {
    if (this.timer !== undefined) return
    const wait = Math.max(0, this.lastFlush + BATCH_MS - performance.now())
    this.timer = setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.lastFlush = performance.now()
    const cursors = this.cursors?.takeMoved() ?? null
    const now = Date.now()
    for (const tab of this.tabs) {
      if (tab.pending.length === 0 && cursors === null) continue
      const events = tab.pending.splice(0, MAX_BATCH)
      for (const event of events) {
        const sent = this.statusSentAt.get(event.channel) ?? 0
        if (now - sent >= STATUS_EVERY_MS) this.statusDue.add(event.channel)
      }
      this.post(tab, { t: 'batch', events, cursors })
      if (tab.pending.length > 0) this.schedule()
    }
    for (const channel of this.statusDue) {
      this.statusSentAt.set(channel, now)
      const message = this.statusMessage(channel)
      for (const tab of this.tabs) this.post(tab, message)
    }
    this.statusDue.clear()
  }

  private statusMessage(channel: Channel): EngineMessage {
    const engine = this.engine as RealtimeClient
    return {
      t: 'status',
      status: engine.status(channel),
      mode: engine.mode,
      tabs: this.tabs.size,
      clockOffsetMs: engine.clockOffsetMs,
    }
  }

  private sendTabCount(): void {
    for (const channel of CHANNELS) if (this.stops.has(channel)) this.statusDue.add(channel)
    this.schedule()
  }

  private post(tab: Tab, message: EngineMessage): void {
    try {
      tab.port.postMessage(message)
    } catch {
      this.drop(tab) // a port that cannot take messages any more belongs to a gone tab
    }
  }

  /** Null while every tab keeps up; else resolves once none is behind (or a silent one expired). */
  private backpressure(): Promise<void> | null {
    const now = Date.now()
    const behind = [...this.tabs].some(
      (tab) => tab.behindSince !== null && now - tab.behindSince < BEHIND_EXPIRES_MS,
    )
    if (!behind) return null
    return new Promise((resolve) => {
      this.caughtUp.push(resolve)
      setTimeout(() => this.releaseReaders(), BEHIND_EXPIRES_MS)
    })
  }

  private releaseReaders(): void {
    const waiting = this.caughtUp
    this.caughtUp = []
    for (const resolve of waiting) resolve()
  }

  /** Asks the tab heard from last for a token (storage and the host page's function live there). */
  private requestToken(): Promise<string | null> {
    const tab = this.lastActive ?? [...this.tabs][0]
    return this.tokens.ask(
      tab ? (request) => this.post(tab, { t: 'token-request', request }) : null,
    )
  }
}

/**
 * One tab of the browser speaks for alerts: the focused visible one, else a visible one, else
 * any; among equals the one that speaks already, then the first connected (no flapping).
 */
function speakingTab(tabs: Iterable<Tab>): Tab | null {
  const rank = (tab: Tab) => (tab.visible ? 2 : 0) + (tab.visible && tab.focused ? 1 : 0)
  let best: Tab | null = null
  for (const tab of tabs) {
    if (!best || rank(tab) > rank(best) || (rank(tab) === rank(best) && tab.voice)) best = tab
  }
  return best
}
