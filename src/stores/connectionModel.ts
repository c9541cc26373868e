// One summary of all channels' connection states for the header, and merged diagnostics.
import type { ChannelStatus, Rejecting } from '../realtime/channelDiagnostics'
import type { ConnectionState } from '../realtime/connectionState'
import type { InvalidEvent } from '../realtime/eventDecoder'

export type OverallPhase =
  | 'live'
  | 'stale'
  | 'reconnecting'
  | 'connecting'
  | 'polling'
  | 'offline'
  | 'failed'
  | 'rejecting'
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
  failed: 9,
  offline: 8,
  rejecting: 7,
  reconnecting: 6,
  stale: 5,
  connecting: 4,
  polling: 3,
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
  return worstOf(states.filter((state) => state.phase !== 'idle').map(summaryOf))
}

/**
 * Like `summarize`, from whole statuses: a channel whose data arrives but is all rejected counts
 * as "rejecting", worse than any state but failed and offline, never as live.
 */
export function summarizeStatuses(statuses: readonly ChannelStatus[]): OverallConnection {
  const summaries: OverallConnection[] = []
  for (const status of statuses) {
    if (status.state.phase === 'idle') continue
    const rejecting = status.rejecting
    summaries.push(
      rejecting && RECEIVING.has(status.state.phase)
        ? { phase: 'rejecting', reason: `${status.channel}: ${rejectingText(rejecting)}` }
        : summaryOf(status.state),
    )
  }
  return worstOf(summaries)
}

/** "31 of 31 events rejected: data is not JSON (…) — send JSON …": what happens and what to fix. */
export function rejectingText(rejecting: Rejecting): string {
  const count = rejecting.all
    ? `${rejecting.rejected} of ${rejecting.rejected} events rejected`
    : `the last ${rejecting.rejected} events were rejected`
  return `${count}: ${rejecting.reason}${fixFor(rejecting.reason)}`
}

function fixFor(reason: string): string {
  if (reason.startsWith('data is not JSON'))
    return ' — the backend must send JSON: `json.dumps(data)` in sse-starlette handlers'
  if (
    reason.startsWith('data is not a JSON object') ||
    reason.startsWith('data is a Python literal')
  )
    return ' — each event’s data must be one JSON object'
  return ' — the backend sends payloads that do not match the wire contract'
}

/** True when bytes arrive in this state (where rejected data matters more than the state). */
export function isReceiving(state: ConnectionState): boolean {
  return RECEIVING.has(state.phase)
}

const RECEIVING: ReadonlySet<ConnectionState['phase']> = new Set(['open', 'stale', 'polling'])

function worstOf(summaries: readonly OverallConnection[]): OverallConnection {
  let worst: OverallConnection = { phase: 'idle' }
  for (const next of summaries) {
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

/** Live data arriving this much later than usual makes the page say it is behind real time. */
export const LATE_AFTER_MS = 2000
/** A lateness sample counts this long: through a reconnect's wait, the last data's delay stands. */
export const LATENESS_COUNTS_MS = 10_000

/**
 * How late the stream's live data arrives, ms, or null while it is on time. The least late of
 * the channels sampled lately: on one multiplexed stream, a channel whose events arrive on time
 * shows the stream is on time, and one backend's old timestamps on some events do not count.
 */
export function streamLateness(statuses: readonly ChannelStatus[], now: number): number | null {
  let least: number | null = null
  for (const status of statuses) {
    const late = status.late
    if (late === null) continue
    // Held back: what the channel shows grows older by the second until the catch-up ends.
    const ms = late.growing ? late.ms + Math.max(0, now - late.at) : late.ms
    if (!late.growing && now - late.at > LATENESS_COUNTS_MS) continue
    least = least === null ? ms : Math.min(least, ms)
  }
  return least !== null && least >= LATE_AFTER_MS ? least : null
}
