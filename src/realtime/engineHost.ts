// The realtime engine's host: one RealtimeClient for every tab connected over a port. Knows nothing
// of Vue or of where it runs (docs/engine.md).
import { CHANNELS, type Channel, type ChannelEvent } from '@/protocol/contract'
import {
  BATCH_MS,
  holdLock,
  tabLock,
  untilNextBatch,
  whenGone,
  type EngineHello,
  type FramePhase,
  type EngineMessage,
  type PageMessage,
  type PortLike,
} from './enginePort'
import { manualNetwork } from './network'
import { RecentEvents } from './recentEvents'
import { RealtimeClient } from './realtimeClient'
import { TokenRequests } from './tokenRequests'
import { HandedCursors } from './sessionCursors'

/** Counters in a channel's status are sent along with its events at most this often. */
const STATUS_EVERY_MS = 1000
/** A message is cloned in one task on the page: a new tab's replay goes over several frames. */
const MAX_BATCH = 2000

class Tab {
  id = ''
  readonly channels = new Set<Channel>()
  /** Each event as JSON text, encoded once however many tabs want it. */
  pending: string[] = []
  behindSince: number | null = null
  visible = true
  focused = false
  voice = false
  /** A tab that shows events already (a new engine's, after the last one died): its cursors. */
  shows: Record<string, string> | null = null

  constructor(readonly port: PortLike) {}
}

export class EngineHost {
  private engine: RealtimeClient | null = null
  private readonly tabs = new Set<Tab>()
  private readonly stops = new Map<Channel, () => void>()
  private readonly recent = new RecentEvents()
  private cursors: HandedCursors | null = null
  private readonly statusDue = new Set<Channel>()
  /** Channels that had events since the last flush. */
  private readonly routed = new Set<Channel>()
  private readonly statusSentAt = new Map<Channel, number>()
  private readonly network = manualNetwork(true)
  private readonly tokens = new TokenRequests()
  private lastActive: Tab | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Epoch ms, as frame phases are. */
  private lastFlush = -Infinity
  private frame: FramePhase | null = null
  private readonly readers = new ReadersHold()

  connect(port: PortLike, hello: EngineHello): void {
    const tab = new Tab(port)
    port.addEventListener('message', (event: MessageEvent<PageMessage>) => {
      this.lastActive = tab
      this.onMessage(tab, event.data)
    })
    this.onMessage(tab, hello)
  }

  private onMessage(tab: Tab, message: PageMessage): void {
    switch (message.t) {
      case 'hello':
        tab.id = message.tab
        tab.shows = message.fresh ? null : message.cursors
        this.tabs.add(tab)
        whenGone(tabLock(tab.id), () => this.drop(tab))
        this.network.set(message.online)
        this.start(message)
        this.sendTabCount()
        this.pickVoice(tab)
        return
      case 'subscribe':
        // Together, so the engine opens one stream for them all.
        for (const channel of message.channels) {
          tab.channels.add(channel)
          // What the others see now, with no request to the backend; after what it shows, if any.
          for (const text of this.recent.of(channel, tab.shows?.[`channel:${channel}`]))
            tab.pending.push(text)
          this.want(channel)
          this.post(tab, this.statusMessage(channel))
        }
        this.schedule()
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
        if (!message.behind) this.readers.release()
        return
      case 'network':
        this.network.set(message.online)
        return
      case 'presence':
        tab.visible = message.visible
        tab.focused = message.focused
        this.pickVoice()
        return
      case 'frame':
        // Tabs of one browser share the display's frame clock: the last one heard is kept.
        if (message.every >= 4 && message.every <= 50) this.frame = message
        return
      case 'token':
        this.tokens.answer(message.request, message.token)
        return
      case 'bye':
        this.drop(tab)
        return
    }
  }

  private start(hello: EngineHello): void {
    if (this.engine) return
    const flush = () => this.flush()
    const cursors = (this.cursors = new HandedCursors(hello.cursors, () => this.schedule(), flush))
    this.engine = new RealtimeClient({
      baseUrl: hello.baseUrl,
      transport: hello.transport,
      token: hello.auth ? () => this.requestToken() : undefined,
      cursors,
      clientId: hello.clientId,
      restoreContext: hello.fresh,
      network: this.network,
      backpressure: () => this.readers.hold(this.tabs),
    })
    // The tab's stores subscribe once its view has loaded: the status read need not wait for that.
    this.engine.probe()
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

  private release(channel: Channel): void {
    if ([...this.tabs].some((tab) => tab.channels.has(channel))) return
    this.stops.get(channel)?.()
    this.stops.delete(channel)
    this.recent.forget(channel)
  }

  private drop(tab: Tab): void {
    if (!this.tabs.delete(tab)) return
    if (this.lastActive === tab) this.lastActive = null
    for (const channel of tab.channels) this.release(channel)
    tab.channels.clear()
    this.readers.release()
    this.sendTabCount()
    this.pickVoice()
  }

  /** A tab that just said hello is told even that it does not speak: else it follows the Web Lock. */
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
    const text = JSON.stringify(event)
    this.recent.add(event.channel, event.id, text)
    this.routed.add(event.channel)
    for (const tab of this.tabs) if (tab.channels.has(event.channel)) tab.pending.push(text)
    this.schedule()
  }

  /** Once per page frame, just before it starts, so the page applies them in that frame. */
  private schedule(): void {
    if (this.timer !== undefined) return
    const now = epochNow()
    const wait = this.frame
      ? untilNextBatch(this.frame, now, this.lastFlush)
      : Math.max(0, this.lastFlush + BATCH_MS - now)
    this.timer = setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.lastFlush = epochNow()
    const cursors = this.cursors?.takeMoved() ?? null
    const now = Date.now()
    for (const tab of this.tabs) {
      if (tab.pending.length === 0 && cursors === null) continue
      const events = `[${tab.pending.splice(0, MAX_BATCH).join(',')}]`
      this.post(tab, { t: 'batch', events, cursors })
      if (tab.pending.length > 0) this.schedule()
    }
    // Counters go with the events of a channel at most once a second: checked per flush, not per event.
    for (const channel of this.routed)
      if (now - (this.statusSentAt.get(channel) ?? 0) >= STATUS_EVERY_MS)
        this.statusDue.add(channel)
    this.routed.clear()
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
      this.drop(tab) // a port that cannot take messages belongs to a gone tab
    }
  }

  private requestToken(): Promise<string | null> {
    const tab = this.lastActive ?? [...this.tabs][0]
    return this.tokens.ask(
      tab ? (request) => this.post(tab, { t: 'token-request', request }) : null,
    )
  }
}

/** One engine per API base URL, so one worker per origin can start before a page reads its config. */
export function acceptTabs(version: string): (port: PortLike) => void {
  const hosts = new Map<string, EngineHost>()
  const life = holdLock(`rtm-engine ${version} ${Math.random().toString(36).slice(2)}`)
  return (port) => {
    const first = (event: MessageEvent<PageMessage>) => {
      if (event.data.t !== 'hello') return
      port.removeEventListener('message', first)
      let host = hosts.get(event.data.baseUrl)
      if (!host) hosts.set(event.data.baseUrl, (host = new EngineHost()))
      host.connect(port, event.data)
    }
    port.addEventListener('message', first)
    port.start?.()
    void life.then((name) =>
      port.postMessage({ t: 'ready', version, life: name } satisfies EngineMessage),
    )
  }
}

/** A tab that said it is behind and then went silent (hung, closed) stops holding the engine back. */
const BEHIND_EXPIRES_MS = 3000

/** The engine's socket readers, held while any tab says its frames are behind. */
class ReadersHold {
  private waiting: (() => void)[] = []

  hold(tabs: Iterable<Tab>): Promise<void> | null {
    const now = Date.now()
    const held = [...tabs].some((tab) => now - (tab.behindSince ?? -Infinity) < BEHIND_EXPIRES_MS)
    if (!held) return null
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      setTimeout(() => this.release(), BEHIND_EXPIRES_MS)
    })
  }

  release(): void {
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
  }
}

/** Milliseconds since the epoch with sub-millisecond steps, comparable across a page and its worker. */
function epochNow(): number {
  return performance.timeOrigin + performance.now()
}

/** Among equals the tab that speaks already, then the first connected: no flapping. */
function speakingTab(tabs: Iterable<Tab>): Tab | null {
  const rank = (tab: Tab) => (tab.visible ? 2 : 0) + (tab.visible && tab.focused ? 1 : 0)
  let best: Tab | null = null
  for (const tab of tabs)
    if (!best || rank(tab) > rank(best) || (rank(tab) === rank(best) && tab.voice)) best = tab
  return best
}
