// What crosses the port between a page and the realtime engine (in a SharedWorker, a Worker or the
// page itself): a small typed protocol, validated events in batches one way, commands the other.
import type { Channel } from '@/protocol/contract'
import type { ChannelStatus } from './channelDiagnostics'
import type { TransportOptions } from '@/protocol/transport'
import type { TransportMode } from './realtimeSource'

/** A dedicated worker's global scope acts as one. */
export interface PortLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  start?(): void
  close?(): void
}

/** The first tab's hello starts the engine. */
export interface EngineHello {
  t: 'hello'
  tab: string
  baseUrl: string
  transport: Partial<TransportOptions>
  /** The page has a token provider: the engine asks the page before every attempt. */
  auth: boolean
  cursors: Record<string, string>
  clientId: string
  online: boolean
  /** The tab shows nothing yet: a new engine brings back each channel's recent context. */
  fresh: boolean
}

export type PageMessage =
  | EngineHello
  /** Channels this tab now wants: those its stores subscribed in one task go in one message. */
  | { t: 'subscribe'; channels: Channel[] }
  | { t: 'unsubscribe'; channel: Channel }
  | { t: 'retry' }
  | { t: 'handler-error'; channel: Channel; message: string }
  | { t: 'behind'; behind: boolean }
  | { t: 'network'; online: boolean }
  | { t: 'presence'; visible: boolean; focused: boolean }
  | { t: 'frame'; at: number; every: number }
  | { t: 'token'; request: number; token: string | null }
  | { t: 'bye' }

export type EngineMessage =
  /** `life`: a Web Lock the engine holds while it runs (null where there are none). */
  | { t: 'ready'; version: string; life: string | null }
  /**
   * `events`: ChannelEvent[] as JSON text. One JSON.parse on the page costs less than structured
   * clone's rebuilding of the same objects; validated payloads survive it unchanged.
   */
  | { t: 'batch'; events: string; cursors: Record<string, string> | null }
  | {
      t: 'status'
      status: ChannelStatus
      mode: TransportMode | null
      tabs: number
      clockOffsetMs: number | null
    }
  | { t: 'token-request'; request: number }
  | { t: 'voice'; voice: boolean }

/** Held by a tab from its hello on: the engine is granted it once the tab is gone, bye or not. */
export const tabLock = (tab: string): string => `rtm-tab ${tab}`

/** Resolves with `name` once held for good: until this page or worker ends (null: no Web Locks). */
export function holdLock(name: string): Promise<string | null> {
  return new Promise((held) => {
    const hold = () => (held(name), new Promise<never>(() => {}))
    void (globalThis.navigator?.locks?.request(name, hold).catch(() => held(null)) ?? held(null))
  })
}

/** Calls `gone` once the lock `name` is free: whoever held it (a tab, an engine) is gone. */
export function whenGone(name: string, gone: () => void): void {
  void globalThis.navigator?.locks?.request(name, gone).catch(() => {})
}

/** Batches at most this often until a page says when its frames start (about one frame). */
export const BATCH_MS = 16
export const SEND_BEFORE_FRAME_MS = 4

/** A frame start (epoch ms) and the interval. */
export interface FramePhase {
  at: number
  every: number
}

/** Until just before the page's next frame, and never two batches for one frame. */
export function untilNextBatch(phase: FramePhase, now: number, lastSent: number): number {
  let next = Math.floor((now - phase.at) / phase.every) + 1
  if (lastSent > phase.at + (next - 1) * phase.every) next += 1
  return Math.max(0, phase.at + next * phase.every - SEND_BEFORE_FRAME_MS - now)
}
