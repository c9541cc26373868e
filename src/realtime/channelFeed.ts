// The channel side of a stream: cursors, repeats, history catch-up and polling, in stream order.
import type { ConnectionObserver, Gap } from './connectionState'
import type { DecodedMessage } from './eventDecoder'
import { fetchHistory, type HistoryResult } from './historyClient'
import type { Channel, ChannelEvent } from '@/protocol/contract'
import type { RecentIds } from './recentIds'
import { describeError, type FetchLike } from './sseTransport'
import type { CursorStore } from './streamConnection'

export interface ChannelFeedOptions {
  channels: readonly Channel[]
  multiplexed: boolean
  historyUrl: ((channel: Channel, query: { after: string | null; limit: number }) => string) | null
  headers(): Promise<Record<string, string>>
  fetch: FetchLike
  cursors: CursorStore
  observer: ConnectionObserver
  recentIds(channel: Channel): RecentIds
  claimContext(channel: Channel): boolean
  backfillLimit: number
  resumeConfirmed: boolean
  /** Called with each applied id on a per-channel stream, where channel and stream ids are one. */
  onStreamCursor(id: string): void
  /** Changes when the connection it feeds is replaced; late history answers are then dropped. */
  generation(): number
  stopped(): boolean
}

interface ChannelTrack {
  cursor: string | null
  recent: RecentIds
  /** Live events held back while history for this channel is being read. */
  held: ChannelEvent[] | null
}

/** Most events a history page asks for when catching up. */
const CATCH_UP_PAGE = 500

export class ChannelFeed {
  private readonly tracks = new Map<Channel, ChannelTrack>()

  constructor(private readonly options: ChannelFeedOptions) {
    for (const channel of options.channels) {
      const cursor = options.cursors.get(`channel:${channel}`)
      this.tracks.set(channel, { cursor, recent: options.recentIds(channel), held: null })
    }
  }

  /** A stream just delivered its first byte; `sentCursor` is the id it was asked to resume after. */
  opened(sentCursor: string | null): void {
    const { historyUrl, backfillLimit, resumeConfirmed } = this.options
    const history = historyUrl !== null && backfillLimit > 0
    for (const [channel, track] of this.tracks) {
      const firstInPage = history && this.options.claimContext(channel)
      if (track.cursor === null) {
        if (history) void this.catchUp(channel, null, null)
      } else if (firstInPage) {
        // A reload: the stores start empty, so bring back recent context, not only what is new.
        void this.catchUp(channel, null, null, track.cursor)
      } else if (sentCursor === null && historyUrl) {
        // The stream starts fresh but this channel has a cursor (it came from history): fill in.
        void this.catchUp(channel, track.cursor, null)
      } else if (sentCursor === null || !resumeConfirmed) {
        this.reportGap(channel, {
          since: Date.now(),
          reason: 'the backend does not confirm resuming; events may be missing',
          uncertain: true,
        })
      }
    }
  }

  handle(decoded: DecodedMessage, fromHistory: boolean): void {
    const { observer } = this.options
    switch (decoded.kind) {
      case 'event':
        this.deliver(decoded.value, fromHistory)
        return
      case 'invalid':
        if (this.seenBefore(decoded.value.channel, decoded.value.id)) return
        observer.onReport({ type: 'invalid', value: decoded.value })
        return
      case 'unknown':
        if (this.seenBefore(decoded.channel, decoded.id)) return
        observer.onReport({ type: 'unknown', channel: decoded.channel, event: decoded.event })
        return
      case 'reset':
        for (const channel of decoded.channels) {
          this.reportGap(channel, { since: Date.now(), reason: decoded.reason, uncertain: false })
          const track = this.tracks.get(channel)
          if (track && this.options.historyUrl) void this.catchUp(channel, track.cursor, decoded.reason)
        }
        return
      case 'connected':
      case 'ping':
        return
    }
  }

  /** Reads what each channel missed since its cursor; false when a read failed. */
  async pollOnce(): Promise<boolean> {
    let ok = true
    for (const [channel, track] of this.tracks) {
      if (track.held) continue
      try {
        const result = await this.read(channel, track.cursor)
        if (this.options.stopped()) return ok
        for (const message of result.messages) this.handle(message, true)
      } catch (error) {
        ok = false
        this.options.observer.onReport({ type: 'error', message: describeError(error) })
      }
    }
    return ok
  }

  private deliver(event: ChannelEvent, fromHistory: boolean, overlap = fromHistory): void {
    const track = this.tracks.get(event.channel)
    if (!track) return
    if (track.held && !fromHistory) {
      track.held.push(event)
      return
    }
    const { observer } = this.options
    if (event.id !== null) {
      if (!track.recent.add(event.id)) {
        // History and the live events held while it was read overlap by design; only a repeat
        // on the live stream says something about the backend.
        if (!overlap) observer.onReport({ type: 'duplicate', channel: event.channel, id: event.id })
        return
      }
      track.cursor = event.id
      this.options.cursors.set(`channel:${event.channel}`, event.id)
      // One channel per stream: its ids are the stream's, whether they came live or from history.
      if (!this.options.multiplexed) this.options.onStreamCursor(event.id)
    }
    try {
      observer.onEvent(event)
    } catch (error) {
      observer.onReport({ type: 'error', message: `handler failed: ${describeError(error)}` })
    }
  }

  /**
   * Reads history after `after` for one channel, holding its live events meanwhile so they land
   * after the older ones. `gapReason` is set when a reset started it: the gap is closed only if
   * the server still had every event after the cursor. With `context` (the channel's cursor after
   * a reload) it reads the newest events, and everything after the cursor if they do not reach it.
   */
  private async catchUp(
    channel: Channel,
    after: string | null,
    gapReason: string | null,
    context: string | null = null,
  ): Promise<void> {
    const track = this.tracks.get(channel)
    if (!track || !this.options.historyUrl || track.held) return
    track.held = []
    const generation = this.options.generation()
    try {
      let result = await this.read(channel, after)
      if (context !== null && !result.messages.some((m) => m.kind === 'event' && m.value.id === context)) {
        result = await this.read(channel, context)
      }
      if (this.options.stopped() || generation !== this.options.generation()) return
      for (const message of result.messages) this.handle(message, true)
      if (gapReason !== null && after !== null && !result.truncated) this.reportGap(channel, null)
      // Held events up to the last one history returned are in history already: drop them by
      // position, which holds however many events history read (the recent-id memory is bounded).
      const last = result.cursor
      const at = last === null ? -1 : (track.held?.findIndex((event) => event.id === last) ?? -1)
      if (at >= 0) track.held?.splice(0, at + 1)
    } catch (error) {
      this.options.observer.onReport({ type: 'error', message: describeError(error) })
    } finally {
      const held = track.held ?? []
      track.held = null
      if (!this.options.stopped()) for (const event of held) this.deliver(event, false, true)
    }
  }

  private async read(channel: Channel, after: string | null): Promise<HistoryResult> {
    const historyUrl = this.options.historyUrl
    if (!historyUrl) throw new Error('this backend has no history')
    return fetchHistory({
      fetch: this.options.fetch,
      url: (query) => historyUrl(channel, query),
      headers: await this.options.headers(),
      channel,
      after,
      limit: after === null ? this.options.backfillLimit : CATCH_UP_PAGE,
    })
  }

  /** The same rejected event may come again from history: it is reported once. */
  private seenBefore(channel: Channel | null, id: string | null): boolean {
    const track = channel ? this.tracks.get(channel) : undefined
    return track !== undefined && id !== null && !track.recent.add(id)
  }

  private reportGap(channel: Channel, gap: Gap | null): void {
    this.options.observer.onReport({ type: 'gap', channel, gap })
  }
}
