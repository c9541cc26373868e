// What crosses the port between a page and the realtime engine (in a SharedWorker, a Worker or the
// page itself): a small typed protocol, validated events in batches one way, commands the other.
import type { Channel, ChannelEvent } from '@/protocol/contract'
import type { ChannelStatus } from './channelDiagnostics'
import type { TransportOptions } from '@/protocol/transport'
import type { TransportMode } from './realtimeSource'

/** Either end of a MessagePort, or a dedicated worker's global scope, which acts as one. */
export interface PortLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  start?(): void
  close?(): void
}

/** What a tab tells the engine when it connects: the first tab's values start the engine. */
export interface EngineHello {
  t: 'hello'
  tab: string
  baseUrl: string
  transport: Partial<TransportOptions>
  /** Whether the page has a token provider: the engine then asks the page before every attempt. */
  auth: boolean
  /** The cursors this tab kept (sessionStorage), for an engine that starts without any. */
  cursors: Record<string, string>
  clientId: string
  online: boolean
}

export type PageMessage =
  | EngineHello
  | { t: 'subscribe'; channel: Channel }
  | { t: 'unsubscribe'; channel: Channel }
  | { t: 'retry' }
  | { t: 'handler-error'; channel: Channel; message: string }
  /** The page's frames are behind (true) or caught up (false): the engine stops reading meanwhile. */
  | { t: 'behind'; behind: boolean }
  | { t: 'network'; online: boolean }
  /** Whether this tab is visible and focused: the engine picks the tab that speaks for alerts. */
  | { t: 'presence'; visible: boolean; focused: boolean }
  /** When this page's frames start (epoch ms) and how far apart: the engine sends just before one. */
  | { t: 'frame'; at: number; every: number }
  | { t: 'token'; request: number; token: string | null }
  | { t: 'bye' }

export type EngineMessage =
  | { t: 'ready'; version: string }
  /** Validated events of every channel this tab wants, in order, and the cursors they moved. */
  | { t: 'batch'; events: ChannelEvent[]; cursors: Record<string, string> | null }
  | {
      t: 'status'
      status: ChannelStatus
      mode: TransportMode | null
      tabs: number
      clockOffsetMs: number | null
    }
  | { t: 'token-request'; request: number }
  /** This tab is (or is no longer) the one of the browser that speaks for alerts. */
  | { t: 'voice'; voice: boolean }

/** Until a page says when its frames start, batches leave at most this often (about one frame). */
export const BATCH_MS = 16
/** A batch leaves this long before the page's next frame, so the page has it when the frame starts. */
export const SEND_BEFORE_FRAME_MS = 4

/** A page's frame clock as the engine knows it: a frame start (epoch ms) and the interval. */
export interface FramePhase {
  at: number
  every: number
}

/**
 * How long to wait, from `now` (epoch ms), before the next batch: until just before the page's
 * next frame, at once when that moment has passed but the frame has not started yet, and one
 * frame later when a batch already went since the last frame (one message per frame).
 */
export function untilNextBatch(phase: FramePhase, now: number, lastSent: number): number {
  let next = Math.floor((now - phase.at) / phase.every) + 1
  if (lastSent > phase.at + (next - 1) * phase.every) next += 1
  return Math.max(0, phase.at + next * phase.every - SEND_BEFORE_FRAME_MS - now)
}
