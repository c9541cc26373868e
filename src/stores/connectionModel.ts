// One summary of all channels' connection states for the header, and merged diagnostics.
import type { ChannelStatus } from '../realtime/channelDiagnostics'
import type { ConnectionState } from '../realtime/connectionState'
import type { InvalidEvent } from '../realtime/eventDecoder'

export type OverallPhase =
  | 'live'
  | 'stale'
  | 'reconnecting'
  | 'connecting'
  | 'polling'
  | 'offline'
  | 'paused'
  | 'failed'
  | 'closed'
  | 'idle'

export interface OverallConnection {
  phase: OverallPhase
  /** Earliest planned retry among reconnecting channels (epoch ms). */
  retryAt?: number
  reason?: string
}

export type Transport = 'multiplexed' | 'per-channel'

/** Worst first; idle never counts. */
const SEVERITY: Record<Exclude<OverallPhase, 'idle'>, number> = {
  failed: 8,
  offline: 7,
  reconnecting: 6,
  stale: 5,
  connecting: 4,
  polling: 3,
  paused: 2,
  closed: 1,
  live: 0,
}

function phaseOf(state: ConnectionState): OverallPhase {
  switch (state.phase) {
    case 'open':
      return 'live'
    case 'backoff':
      return 'reconnecting'
    default:
      return state.phase
  }
}

function summaryOf(state: ConnectionState): OverallConnection {
  switch (state.phase) {
    case 'backoff':
      return { phase: 'reconnecting', retryAt: state.retryAt, reason: state.reason }
    case 'failed':
    case 'closed':
    case 'polling':
      return { phase: phaseOf(state), reason: state.reason }
    default:
      return { phase: phaseOf(state) }
  }
}

/** The worst state among subscribed (non-idle) channels; among reconnecting ones, the earliest retry. */
export function summarize(states: readonly ConnectionState[]): OverallConnection {
  let worst: OverallConnection = { phase: 'idle' }
  for (const state of states) {
    if (state.phase === 'idle') continue
    const next = summaryOf(state)
    if (worst.phase === 'idle') {
      worst = next
      continue
    }
    const diff =
      SEVERITY[next.phase as Exclude<OverallPhase, 'idle'>] -
      SEVERITY[worst.phase as Exclude<OverallPhase, 'idle'>]
    const earlierRetry =
      diff === 0 &&
      next.retryAt !== undefined &&
      worst.retryAt !== undefined &&
      next.retryAt < worst.retryAt
    if (diff > 0 || earlierRetry) worst = next
  }
  return worst
}

/** 'multiplexed' if any subscribed channel rides the multiplexed stream, else 'per-channel' if any, else null. */
export function transportOf(statuses: readonly ChannelStatus[]): Transport | null {
  let found: Transport | null = null
  for (const status of statuses) {
    if (status.state.phase === 'idle' || status.transport === null) continue
    if (status.transport === 'multiplexed') return 'multiplexed'
    found = status.transport
  }
  return found
}

/** All channels' rejected events, newest first. */
export function mergeInvalidEvents(statuses: readonly ChannelStatus[]): InvalidEvent[] {
  return statuses.flatMap((status) => status.invalidEvents).sort((a, b) => b.at - a.at)
}
