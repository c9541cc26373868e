// The connection state machine's states and what a connection reports besides events.
import type { InvalidEvent } from './eventDecoder'

export type ConnectionState =
  | { phase: 'idle' }
  | { phase: 'connecting'; attempt: number }
  | { phase: 'open'; since: number }
  | { phase: 'stale'; silentSince: number }
  | { phase: 'backoff'; attempt: number; retryAt: number; reason: string }
  | { phase: 'polling'; since: number; reason: string }
  | { phase: 'offline' }
  | { phase: 'paused' }
  | { phase: 'failed'; reason: string }
  | { phase: 'closed'; reason: string }

export type ConnectionPhase = ConnectionState['phase']

/** A stretch of a channel where events may be missing, and whether history filled it. */
export interface Gap {
  since: number
  reason: string
  /** True when nothing proves events were lost, but nothing rules it out either. */
  uncertain: boolean
}

/** What a stream reports besides its state; everything about one channel goes to its subscription. */
export type ConnectionReport =
  /** An invalid event of a channel this stream does not carry. */
  | { type: 'invalid'; value: InvalidEvent }
  | { type: 'error'; message: string }
  | { type: 'reconnect' }

export interface ConnectionObserver {
  onState(state: ConnectionState): void
  onReport(report: ConnectionReport): void
}

/** True for the phases in which data is flowing and may be shown at full strength. */
export function isLive(state: ConnectionState): boolean {
  return state.phase === 'open' || state.phase === 'polling'
}
