// Per-channel counters and findings for the diagnostics drawer; counters are cheap, snapshots on demand.
import type { DataSource } from './backendStatus'
import type { ConnectionState, Gap } from './connectionState'
import type { InvalidEvent } from './eventDecoder'
import type { Channel } from '@/protocol/contract'
import { parseTimestamp } from '@/protocol/timestamp'

export interface GapRecord extends Gap {
  /** When history filled the gap (null while open or when it could not be filled). */
  closedAt: number | null
}

export interface ChannelStatus {
  channel: Channel
  state: ConnectionState
  transport: 'multiplexed' | 'per-channel' | null
  lastEventId: string | null
  lastEventAt: number | null
  /** Events of this channel that came on the wire: applied, rejected, repeated or unknown. */
  arrived: number
  /** Events applied to the stores. */
  received: number
  invalid: number
  unknown: number
  duplicates: number
  reconnects: number
  lastError: string | null
  lastErrorAt: number | null
  /** The open gap, if any: shown on the channel's panel. */
  gap: Gap | null
  /** Gaps seen this session, newest last. */
  gaps: readonly GapRecord[]
  invalidEvents: readonly InvalidEvent[]
  /** Set while events arrive but every one since the last applied event was rejected. */
  rejecting: Rejecting | null
  /** Things about this backend worth telling once (e.g. its payloads are Python text). */
  notices: readonly string[]
  /** How much later than usual the newest sampled live event arrived; null before one. */
  late: Lateness | null
  /** What the backend's status says of its events: `demo` (invented) or `live`; null: not said. */
  data: DataSource | null
}

/** Measured against the least delay seen (docs/protocol.md, "Payload timestamps"). */
export interface Lateness {
  /** Arrival delay beyond the least seen on this channel, ms. */
  ms: number
  /** When it was sampled (client clock, epoch ms). */
  at: number
  /** While live events are held (a catch-up): `ms` is the delay when holding began. */
  growing?: boolean
}

export const LATENESS_SAMPLE_MS = 250
/** Long enough that a flood is not the usual delay at once, short enough to forget a clock step. */
export const LEAST_DELAY_WINDOW_MS = 10 * 60_000
const LEAST_DELAY_BUCKET_MS = 60_000

export interface Rejecting {
  /** Events rejected in a row, since the last applied one (or since the start). */
  rejected: number
  /** The newest rejection's reason. */
  reason: string
  since: number
  /** True when nothing was ever applied on this channel: every event so far was rejected. */
  all: boolean
}

/** Rejected events in a row that make a channel "rejecting" once it has applied anything. */
export const REJECTING_AFTER = 3

const KEEP_INVALID = 50
const KEEP_GAPS = 20

/** The counters of ChannelStatus, each counted with `count`. */
export type Counter = 'arrived' | 'received' | 'invalid' | 'unknown' | 'duplicates' | 'reconnects'

export class ChannelDiagnostics {
  /** What a snapshot copies as it is. */
  private readonly current: Omit<
    ChannelStatus,
    'channel' | 'gaps' | 'invalidEvents' | 'rejecting' | 'notices' | 'late'
  > = {
    state: { phase: 'idle' },
    transport: null,
    lastEventId: null,
    lastEventAt: null,
    arrived: 0,
    received: 0,
    invalid: 0,
    unknown: 0,
    duplicates: 0,
    reconnects: 0,
    lastError: null,
    lastErrorAt: null,
    gap: null,
    data: null,
  }
  private everApplied = false
  private rejectedRun = 0
  private rejectedSince = 0
  private lastRejectReason = ''
  private readonly notices: string[] = []
  private readonly gaps: GapRecord[] = []
  private readonly invalidEvents: InvalidEvent[] = []
  /** [minute start, least delay], oldest first. */
  private readonly leastDelays: [number, number][] = []
  private late: Lateness | null = null
  private holdingSince: number | null = null

  constructor(readonly channel: Channel) {}

  setState(state: ConnectionState, transport: ChannelStatus['transport']): void {
    this.current.state = state
    if (transport) this.current.transport = transport
  }

  setDataSource(data: DataSource | null): void {
    this.current.data = data
  }

  count(counter: Counter): void {
    this.current[counter] += 1
  }

  /** One applied event; `timestamp` only for live ones, whose delay is sampled. */
  countEvent(id: string | null, timestamp: string | null = null): void {
    const now = Date.now()
    this.current.received += 1
    this.everApplied = true
    this.rejectedRun = 0
    this.current.lastEventAt = now
    if (id !== null) this.current.lastEventId = id
    if (timestamp !== null) this.sampleDelay(timestamp, now)
  }

  private leastDelay(now: number, delay: number): number {
    const buckets = this.leastDelays
    const last = buckets[buckets.length - 1]
    if (last && now - last[0] < LEAST_DELAY_BUCKET_MS) last[1] = Math.min(last[1], delay)
    else buckets.push([now, delay])
    while (buckets.length > 0 && now - (buckets[0] as [number, number])[0] >= LEAST_DELAY_WINDOW_MS)
      buckets.shift()
    return Math.min(delay, ...buckets.map(([, least]) => least))
  }

  setHolding(holding: boolean): void {
    this.holdingSince = holding ? Date.now() : null
  }

  /** Sampled a few times a second: one timestamp parse per sample. */
  sampleDelay(timestamp: string, now = Date.now()): void {
    if (this.late !== null && now - this.late.at < LATENESS_SAMPLE_MS) return
    const at = parseTimestamp(timestamp)
    if (at === null) return
    const delay = now - at
    this.late = { ms: delay - this.leastDelay(now, delay), at: now }
  }

  /** True when it is new. */
  addNotice(text: string): boolean {
    if (this.notices.includes(text)) return false
    this.notices.push(text)
    return true
  }

  setError(message: string): void {
    this.current.lastError = message
    this.current.lastErrorAt = Date.now()
  }

  addInvalid(event: InvalidEvent): void {
    this.current.invalid += 1
    if (this.rejectedRun === 0) this.rejectedSince = event.at
    this.rejectedRun += 1
    this.lastRejectReason = event.reason
    this.invalidEvents.push(event)
    if (this.invalidEvents.length > KEEP_INVALID) this.invalidEvents.shift()
  }

  setGap(gap: Gap | null): void {
    this.current.gap = gap
    if (gap) {
      this.gaps.push({ ...gap, closedAt: null })
      if (this.gaps.length > KEEP_GAPS) this.gaps.shift()
      return
    }
    const open = this.gaps[this.gaps.length - 1]
    if (open && open.closedAt === null) open.closedAt = Date.now()
  }

  private rejecting(): Rejecting | null {
    const run = this.rejectedRun
    if (run === 0 || (this.everApplied && run < REJECTING_AFTER)) return null
    const { lastRejectReason: reason, rejectedSince: since } = this
    return { rejected: run, reason, since, all: !this.everApplied }
  }

  snapshot(): ChannelStatus {
    return {
      ...this.current,
      channel: this.channel,
      gaps: this.gaps.map((gap) => ({ ...gap })),
      invalidEvents: [...this.invalidEvents],
      rejecting: this.rejecting(),
      notices: [...this.notices],
      late:
        this.holdingSince === null
          ? this.late
          : { ms: this.late?.ms ?? 0, at: this.holdingSince, growing: true },
    }
  }
}
