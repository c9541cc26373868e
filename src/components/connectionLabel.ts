// What a person reads for a connection state: a short label, a tone for the dot, and whether it may look live.
import type { ChannelStatus } from '@/realtime/channelDiagnostics'
import type { ConnectionState } from '@/realtime/connectionState'
import { isReceiving, rejectingText, type OverallConnection } from '@/stores/connectionModel'
import { formatDuration, secondsSince, secondsUntil } from './format'

/** `ok` is the only tone drawn green; it is given to live states only. */
export type Tone = 'ok' | 'warn' | 'bad' | 'idle'

export interface StateLabel {
  text: string
  tone: Tone
  /** Longer explanation for a tooltip / screen readers. */
  detail?: string
}

/** The label of one channel's state at `now`. */
export function channelStateLabel(state: ConnectionState, now: number): StateLabel {
  switch (state.phase) {
    case 'open':
      return { text: 'live', tone: 'ok' }
    case 'polling':
      return { text: 'polling', tone: 'warn', detail: state.reason }
    case 'stale':
      return {
        text: `stale · silent ${formatDuration(secondsSince(state.silentSince, now))}`,
        tone: 'warn',
      }
    case 'backoff':
      return {
        text: `reconnecting in ${formatDuration(secondsUntil(state.retryAt, now))}`,
        tone: 'warn',
        detail: `attempt ${state.attempt}: ${state.reason}`,
      }
    case 'connecting':
      return { text: 'connecting…', tone: 'warn', detail: `attempt ${state.attempt}` }
    case 'offline':
      return { text: 'offline', tone: 'bad', detail: 'the browser reports no network' }
    case 'failed':
      return { text: 'failed', tone: 'bad', detail: state.reason }
    case 'closed':
      return { text: 'closed', tone: 'bad', detail: state.reason }
    case 'idle':
      return { text: 'not subscribed', tone: 'idle' }
  }
}

/** The label of a channel from its whole status: "data rejected" outranks "live". */
export function channelLabel(status: ChannelStatus | undefined, now: number): StateLabel {
  const rejected = rejectedText(status)
  if (rejected !== null) return { text: 'data rejected', tone: 'bad', detail: rejected }
  return channelStateLabel(status?.state ?? { phase: 'connecting', attempt: 1 }, now)
}

/** While bytes arrive but every event is rejected: how many, why and what to fix; else null. */
export function rejectedText(status: ChannelStatus | undefined): string | null {
  const rejecting = status?.rejecting
  return rejecting && isReceiving(status.state) ? rejectingText(rejecting) : null
}

/** The label of the header's summary of all channels. */
export function overallLabel(overall: OverallConnection, now: number): StateLabel {
  switch (overall.phase) {
    case 'live':
      return { text: 'live', tone: 'ok' }
    case 'reconnecting':
      return {
        text:
          overall.retryAt === undefined
            ? 'reconnecting'
            : `reconnecting in ${formatDuration(secondsUntil(overall.retryAt, now))}`,
        tone: 'warn',
        detail: overall.reason,
      }
    case 'stale':
      return { text: 'stale', tone: 'warn', detail: 'no data or keepalive for a while' }
    case 'connecting':
      return { text: 'connecting…', tone: 'warn' }
    case 'polling':
      return { text: 'polling', tone: 'warn', detail: overall.reason }
    case 'offline':
      return { text: 'offline', tone: 'bad' }
    case 'failed':
      return { text: 'failed', tone: 'bad', detail: overall.reason }
    case 'rejecting':
      return { text: 'data rejected', tone: 'bad', detail: overall.reason }
    case 'closed':
      return { text: 'closed', tone: 'bad', detail: overall.reason }
    case 'idle':
      return { text: 'starting…', tone: 'idle' }
  }
}
