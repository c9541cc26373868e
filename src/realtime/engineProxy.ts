// The page's side of the realtime engine: the same interface as an in-page RealtimeClient, over a
// port to wherever the engine runs. It keeps the cursors it receives, so a reload resumes.
import type { Channel, ChannelEvent } from '@/protocol/contract'
import type { ChannelStatus } from './channelDiagnostics'
import { holdLock, tabLock, whenGone } from './enginePort'
import type { EngineMessage, FramePhase, PageMessage, PortLike } from './enginePort'
import type { NetworkMonitor } from './network'
import type { TokenProvider, TransportOptions } from '@/protocol/transport'
import type { ChannelListener, EngineInfo, RealtimeSource, TransportMode } from './realtimeSource'
import type { CursorStore } from './sessionCursors'
import { describeError } from './describeError'

/** `open` resolves null where the host cannot start; `failed`: it could not after all. */
export interface EngineHostOption {
  kind: string
  open(failed: () => void): Promise<PortLike | null>
}

export interface PresenceMonitor {
  now(): { visible: boolean; focused: boolean }
  subscribe(listener: () => void): () => void
}

export interface EngineProxyOptions {
  baseUrl: string
  transport: Partial<TransportOptions>
  token?: TokenProvider
  hosts: readonly EngineHostOption[]
  cursors: CursorStore & { flush(): void; entries(): Record<string, string> }
  clientId: string
  network: NetworkMonitor
  /** `whenFits`: null while the page's frames keep up; else resolves once they have caught up. */
  backlog?: { whenFits(): Promise<void> | null }
  frames?: { phase(): FramePhase | null }
  presence?: PresenceMonitor
}

const READY_TIMEOUT_MS = 10_000
/** Said again this often while behind: a silent "behind" expires in the engine. */
const BEHIND_REPEAT_MS = 1000
/** Told again this often while batches come: the display's clock drifts. */
const PHASE_EVERY_MS = 1000

export class EngineProxy implements RealtimeSource {
  readonly tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  private port: PortLike | null = null
  private hostKind = 'none'
  private readonly listeners = new Map<Channel, Set<ChannelListener>>()
  private readonly statusListeners = new Set<(channel: Channel) => void>()
  private statuses: Partial<Record<Channel, ChannelStatus>> = {}
  /** Mode, tab count and clock offset come with every status. */
  private lastStatus: Extract<EngineMessage, { t: 'status' }> | null = null
  private behind = false
  private wanted: Set<Channel> | null = null
  private phaseSentAt = 0
  private closed = false
  private shown = false
  private voiceNow: boolean | null = null
  private readonly voiceListeners = new Set<(voice: boolean) => void>()
  private readonly stopNetwork: () => void
  private readonly stopPresence: () => void

  constructor(private readonly options: EngineProxyOptions) {
    this.stopNetwork = options.network.subscribe((online) => this.send({ t: 'network', online }))
    this.stopPresence = options.presence?.subscribe(() => this.sendPresence()) ?? (() => {})
    void holdLock(tabLock(this.tabId)).then(() => this.attach(0))
  }

  get engine(): EngineInfo {
    return { host: this.hostKind, tabs: this.lastStatus?.tabs ?? 0 }
  }

  get mode(): TransportMode | null {
    return this.lastStatus?.mode ?? null
  }

  /** Null where the engine does not choose the tab that speaks for alerts. */
  get voice(): boolean | null {
    return this.voiceNow
  }

  onVoiceChange(listener: (voice: boolean) => void): () => void {
    this.voiceListeners.add(listener)
    return () => this.voiceListeners.delete(listener)
  }

  get clockOffsetMs(): number | null {
    return this.lastStatus?.clockOffsetMs ?? null
  }

  subscribe(channel: Channel, listener: ChannelListener): () => void {
    let set = this.listeners.get(channel)
    if (!set) this.listeners.set(channel, (set = new Set()))
    set.add(listener)
    if (set.size === 1) this.want(channel)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.send({ t: 'unsubscribe', channel })
    }
  }

  /** Channels wanted in one task leave in one message (a view's stores subscribe together). */
  private want(channel: Channel): void {
    if (this.wanted) return void this.wanted.add(channel)
    this.wanted = new Set([channel])
    queueMicrotask(() => {
      const channels = [...(this.wanted ?? [])].filter((c) => this.listeners.get(c)?.size)
      this.wanted = null
      if (channels.length > 0) this.send({ t: 'subscribe', channels })
    })
  }

  status(channel: Channel): ChannelStatus | null {
    return this.statuses[channel] ?? null
  }

  onStatusChange(listener: (channel: Channel) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  reportHandlerError(channel: Channel, error: unknown): void {
    this.send({ t: 'handler-error', channel, message: describeError(error) })
  }

  retryNow(): void {
    this.send({ t: 'retry' })
  }

  flushCursors(): void {
    this.options.cursors.flush()
  }

  close(): void {
    if (this.closed) return
    this.send({ t: 'bye' })
    this.closed = true
    this.port?.close?.()
    this.port = null
    this.stopNetwork()
    this.stopPresence()
    this.options.cursors.flush()
  }

  /** Hello and wanted channels go before `ready`: a starting worker queues them (docs/engine.md). */
  private async attach(index: number): Promise<void> {
    const option = this.options.hosts[index]
    if (!option || this.closed) return
    let failed = (): void => {}
    const port = await option.open(() => failed()).catch(() => null)
    if (!port) return this.attach(index + 1)
    const ready = new Promise<boolean>((resolve) => {
      failed = () => resolve(false)
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
      port.addEventListener('message', (event: MessageEvent<EngineMessage>) => {
        if (event.data.t === 'ready') {
          clearTimeout(timer)
          resolve(true)
          if (event.data.life) whenGone(event.data.life, () => this.engineGone(port))
        } else if (this.port === port) this.onMessage(event.data)
      })
      port.start?.()
    })
    this.port = port
    this.hostKind = option.kind
    const { baseUrl, transport, token, cursors, clientId, network } = this.options
    this.send({
      t: 'hello',
      tab: this.tabId,
      baseUrl,
      transport,
      auth: token !== undefined,
      cursors: cursors.entries(),
      clientId,
      online: network.isOnline(),
      fresh: !this.shown,
    })
    for (const channel of this.listeners.keys()) this.want(channel)
    this.sendPresence()
    if ((await ready) || this.closed) return
    if (this.port === port) this.port = null
    port.close?.()
    return this.attach(index + 1)
  }

  /** Its worker died (a crashed process): start or join a new one from the cursors kept here. */
  private engineGone(port: PortLike): void {
    // After the batches the dead engine sent, which are queued ahead of this timer.
    setTimeout(() => {
      if (this.port !== port || this.closed) return
      this.port = null
      port.close?.()
      void this.attach(0)
    })
  }

  private sendPresence(): void {
    const presence = this.options.presence?.now()
    if (presence) this.send({ t: 'presence', ...presence })
  }

  private onMessage(message: EngineMessage): void {
    switch (message.t) {
      case 'batch':
        for (const [key, value] of Object.entries(message.cursors ?? {}))
          this.options.cursors.set(key, value)
        for (const event of JSON.parse(message.events) as ChannelEvent[]) {
          this.shown = true
          for (const listener of this.listeners.get(event.channel) ?? []) listener(event)
        }
        this.checkBehind()
        this.sendPhase()
        return
      case 'status':
        this.statuses = { ...this.statuses, [message.status.channel]: message.status }
        this.lastStatus = message
        for (const listener of this.statusListeners) listener(message.status.channel)
        return
      case 'token-request':
        void this.answerToken(message.request)
        return
      case 'voice':
        this.voiceNow = message.voice
        for (const listener of this.voiceListeners) listener(message.voice)
        return
    }
  }

  private async answerToken(request: number): Promise<void> {
    let token: string | null = null
    try {
      token = (await this.options.token?.()) ?? null
    } catch {
      token = null // the engine reports the failed attempt; a token function must not break the tab
    }
    this.send({ t: 'token', request, token })
  }

  private sendPhase(): void {
    const phase = this.options.frames?.phase()
    if (!phase || phase.at - this.phaseSentAt < PHASE_EVERY_MS) return
    this.phaseSentAt = phase.at
    this.send({ t: 'frame', ...phase })
  }

  private checkBehind(): void {
    if (this.behind) return
    const fits = this.options.backlog?.whenFits()
    if (!fits) return
    this.behind = true
    this.send({ t: 'behind', behind: true })
    const repeat = setInterval(() => this.send({ t: 'behind', behind: true }), BEHIND_REPEAT_MS)
    void fits.then(() => {
      clearInterval(repeat)
      this.behind = false
      this.send({ t: 'behind', behind: false })
    })
  }

  private send(message: PageMessage): void {
    if (!this.port || this.closed) return
    this.port.postMessage(message)
  }
}
