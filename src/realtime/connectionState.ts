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
  | { phase: 'failed'; reason: string }
  | { phase: 'closed'; reason: string }

export type ConnectionPhase = ConnectionState['phase']

/** A stretch of a channel where events may be missing. */
export interface Gap {
  since: number
  reason: string
  /** Nothing proves events were lost, but nothing rules it out either. */
  uncertain: boolean
}

/** Everything about one channel goes to its subscription instead. */
export type ConnectionReport =
  /** An invalid event of a channel this stream does not carry. */
  | { type: 'invalid'; value: InvalidEvent }
  | { type: 'error'; message: string }
  | { type: 'reconnect' }

export interface ConnectionObserver {
  onState(state: ConnectionState): void
  onReport(report: ConnectionReport): void
}

export function isLive(state: ConnectionState): boolean {
  return state.phase === 'open' || state.phase === 'polling'
}
