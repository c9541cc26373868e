// The channel side of one stream: decodes its messages and routes them to the subscriptions it
// carries, and decides what each channel reads from history when the stream opens or polls.
import type { Channel } from '@/protocol/contract'
import type { ChannelSubscription } from './channelSubscription'
import type { ConnectionObserver } from './connectionState'
import type { DecodedMessage, StreamContext } from './eventDecoder'
import type { HistoryReader } from './historyClient'
import { describeError } from './describeError'
import type { TransportOptions } from '@/protocol/transport'

export interface StreamChannelsOptions {
  subscriptions: readonly ChannelSubscription[]
  multiplexed: boolean
  /** Null when the backend has no history. */
  history: HistoryReader | null
  /** Backfill and Python payload text are read from it. */
  transport: TransportOptions
  /** True when the backend is known to resume after Last-Event-ID (or to say `reset`). */
  resumeConfirmed: boolean
  /** Reports what concerns no channel of this stream. */
  observer: ConnectionObserver
}

export class StreamChannels {
  readonly context: StreamContext
  private readonly byChannel = new Map<Channel, ChannelSubscription>()

  constructor(private readonly options: StreamChannelsOptions) {
    for (const subscription of options.subscriptions)
      this.byChannel.set(subscription.channel, subscription)
    this.context = {
      channels: options.subscriptions.map((subscription) => subscription.channel),
      multiplexed: options.multiplexed,
      pythonLiterals: options.transport.pythonLiterals,
    }
  }

  /** The first byte arrived; `sentCursor`: the id the stream was asked to resume after. */
  opened(sentCursor: string | null, current: () => boolean): void {
    const { history, transport, resumeConfirmed } = this.options
    const context = history !== null && transport.backfillLimit > 0
    for (const subscription of this.options.subscriptions) {
      // A backend that does not confirm resuming may have restarted its ids.
      subscription.fingerprinting = !resumeConfirmed
      if (!resumeConfirmed) subscription.startEpoch()
      const firstInPage = context && subscription.claimContext()
      const cursor = subscription.cursor
      const via = history && {
        read: (after: string | null) => history(subscription.channel, after),
        current,
      }
      if (cursor === null) {
        if (via && context) void subscription.catchUp(via, null)
      } else if (via && firstInPage) {
        // A reload: the stores start empty, so bring back recent context, not only what is new.
        void subscription.catchUp(via, null, null, cursor)
      } else if (via && sentCursor === null) {
        // The stream starts fresh but this channel has a cursor (it came from history): fill in.
        void subscription.catchUp(via, cursor)
      } else if (sentCursor === null || !resumeConfirmed) {
        subscription.reportGap({
          since: Date.now(),
          reason: 'the backend does not confirm resuming; events may be missing',
          uncertain: true,
        })
      }
    }
  }

  route(decoded: DecodedMessage, source: 'live' | 'history', current: () => boolean): void {
    switch (decoded.kind) {
      case 'event':
        this.byChannel.get(decoded.value.channel)?.handle(decoded, source)
        return
      case 'invalid': {
        const subscription = this.byChannel.get(decoded.value.channel as Channel)
        if (subscription) subscription.handle(decoded, source)
        else this.options.observer.onReport({ type: 'invalid', value: decoded.value })
        return
      }
      case 'unknown': {
        // On the multiplexed stream an unknown type concerns every channel it carries.
        const named = decoded.channel === null ? undefined : this.byChannel.get(decoded.channel)
        const targets = named ? [named] : decoded.channel === null ? this.options.subscriptions : []
        for (const subscription of targets)
          subscription.handle({ ...decoded, channel: subscription.channel }, source)
        return
      }
      case 'reset': {
        const history = this.options.history
        for (const channel of decoded.channels) {
          const subscription = this.byChannel.get(channel)
          if (!subscription) continue
          subscription.startEpoch()
          subscription.reportGap({ since: Date.now(), reason: decoded.reason, uncertain: false })
          if (history) {
            const via = { read: (after: string | null) => history(channel, after), current }
            void subscription.catchUp(via, subscription.cursor, decoded.reason)
          }
        }
        return
      }
    }
  }

  /** Reads what each channel missed since its cursor; false when a read failed. */
  async pollOnce(current: () => boolean): Promise<boolean> {
    const history = this.options.history
    if (!history) return false
    let ok = true
    for (const subscription of this.options.subscriptions) {
      if (subscription.catchingUp) continue
      try {
        const result = await history(subscription.channel, subscription.cursor)
        if (!current()) return ok
        for (const message of result.messages) this.route(message, 'history', current)
      } catch (error) {
        ok = false
        this.options.observer.onReport({ type: 'error', message: describeError(error) })
      }
    }
    return ok
  }
}
