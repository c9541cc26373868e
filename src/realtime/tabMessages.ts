// Messages between the tabs of one browser that share a stream, over a BroadcastChannel.
import type { ChannelStatus } from './channelDiagnostics'
import * as v from 'valibot'
import { CHANNELS, type Channel, type ChannelEvent } from '@/protocol/contract'
import type { TransportMode } from './realtimeSource'

export type TabMessage =
  /** Every tab, every second and on change: the channels it shows. */
  | { type: 'want'; tab: string; channels: Channel[] }
  | { type: 'bye'; tab: string }
  /** The leader's heartbeat. */
  | { type: 'leader'; tab: string }
  /** Validated events in stream order, and every cursor that moved with them. */
  | {
      type: 'events'
      tab: string
      events: ChannelEvent[]
      cursors: Record<string, string>
      /** The leader's id epoch of each channel in `events`. */
      epochs: Partial<Record<Channel, number>>
    }
  | {
      type: 'status'
      tab: string
      statuses: Partial<Record<Channel, ChannelStatus>>
      mode: TransportMode | null
    }
  /** A follower asks the leader to retry now. */
  | { type: 'retry'; tab: string }

const tab = v.string()
const channel = v.picklist(CHANNELS)

/**
 * What a tab accepts from another. Events were validated by the leader before relaying, so the
 * shape is checked here, not every payload again (that would cost each follower the leader's work).
 */
const TabMessageSchema = v.variant('type', [
  v.object({ type: v.literal('want'), tab, channels: v.array(channel) }),
  v.object({ type: v.literal('bye'), tab }),
  v.object({ type: v.literal('leader'), tab }),
  v.object({
    type: v.literal('events'),
    tab,
    events: v.array(
      v.object({
        channel,
        event: v.string(),
        id: v.nullable(v.string()),
        data: v.record(v.string(), v.unknown()),
      }),
    ),
    cursors: v.record(v.string(), v.string()),
    epochs: v.record(v.string(), v.number()),
  }),
  v.object({
    type: v.literal('status'),
    tab,
    statuses: v.record(
      v.string(),
      v.looseObject({ channel, state: v.looseObject({ phase: v.string() }) }),
    ),
    mode: v.nullable(v.picklist(['multiplexed', 'per-channel'])),
  }),
  v.object({ type: v.literal('retry'), tab }),
])

export class TabChannel {
  private readonly channel: BroadcastChannel

  constructor(name: string, onMessage: (message: TabMessage) => void) {
    this.channel = new BroadcastChannel(name)
    this.channel.onmessage = (event: MessageEvent<unknown>) => {
      // Same origin, same build: a message that fails this is from another version of the app.
      const parsed = v.safeParse(TabMessageSchema, event.data)
      // The schema checks the shape; the payloads inside were checked by the leader's decoder.
      if (parsed.success) onMessage(parsed.output as TabMessage)
    }
  }

  post(message: TabMessage): void {
    try {
      this.channel.postMessage(message)
    } catch {
      // A closed channel (the tab is going away) has nobody left to tell.
    }
  }

  close(): void {
    this.channel.close()
  }
}
