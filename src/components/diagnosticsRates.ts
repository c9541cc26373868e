// Events per second per channel that arrive on the wire (applied or not), sampled about once a second.
import type { ChannelStatus } from '@/realtime/channelDiagnostics'
import type { Channel } from '@/protocol/contract'

export interface Sample {
  at: number
  received: number
}

/** Rate between two samples; null until there are two, or when the counter went back (a new client). */
export function eventsPerSecond(previous: Sample | undefined, current: Sample): number | null {
  if (!previous) return null
  const dt = (current.at - previous.at) / 1000
  const delta = current.received - previous.received
  if (dt <= 0 || delta < 0) return null
  return delta / dt
}

/** Keeps the last sample per channel and turns each new snapshot set into rates. */
export class RateMeter {
  private readonly last = new Map<Channel, Sample>()

  update(statuses: readonly ChannelStatus[], at: number): Map<Channel, number | null> {
    const rates = new Map<Channel, number | null>()
    for (const status of statuses) {
      // Arrivals, not applied events: a channel whose events are all rejected still shows its rate.
      const sample = { at, received: status.arrived }
      rates.set(status.channel, eventsPerSecond(this.last.get(status.channel), sample))
      this.last.set(status.channel, sample)
    }
    return rates
  }
}
