// Messages between the tabs of one browser that share a stream, over a BroadcastChannel.
import type { ChannelStatus } from './channelDiagnostics'
import type { Channel, ChannelEvent } from '@/protocol/contract'
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
  | { type: 'status'; tab: string; statuses: Partial<Record<Channel, ChannelStatus>>; mode: TransportMode | null }
  /** A follower asks the leader to retry now. */
  | { type: 'retry'; tab: string }

const TYPES = new Set<TabMessage['type']>(['want', 'bye', 'leader', 'events', 'status', 'retry'])

export class TabChannel {
  private readonly channel: BroadcastChannel

  constructor(name: string, onMessage: (message: TabMessage) => void) {
    this.channel = new BroadcastChannel(name)
    this.channel.onmessage = (event: MessageEvent<unknown>) => {
      const data = event.data
      if (typeof data === 'object' && data !== null && TYPES.has((data as TabMessage).type)) {
        onMessage(data as TabMessage)
      }
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
