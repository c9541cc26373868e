// The other tabs of this browser sharing one stream, as heard from lately: which channels each
// wants. A tab that stops repeating its wants (closed, hung, asleep) drops out after a while.
import type { Channel } from '@/protocol/contract'

export class TabRoster {
  private readonly wants = new Map<string, { channels: readonly Channel[]; at: number }>()

  /** `staleAfterMs`: a tab not heard from for longer has gone. */
  constructor(private readonly staleAfterMs: number) {}

  heard(tab: string, channels: readonly Channel[]): void {
    this.wants.set(tab, { channels, at: Date.now() })
  }

  left(tab: string): void {
    this.wants.delete(tab)
  }

  /** True while any other tab is on the roster (relaying to them is worth its cost). */
  get anyone(): boolean {
    return this.wants.size > 0
  }

  /** The channels the tabs heard from lately want. */
  wantedChannels(): Set<Channel> {
    const channels = new Set<Channel>()
    for (const want of this.alive().values())
      want.channels.forEach((channel) => channels.add(channel))
    return channels
  }

  /**
   * Whether `tab` has the smallest id among itself and the tabs heard from lately, leaving out
   * `except`: a leader that stopped beating is not in line to replace itself. Its wants stay here
   * until they go stale, and the tab opened first (the usual leader) has the smallest id, so
   * counting it would hold a takeover back until then.
   */
  firstInLine(tab: string, except: string | null = null): boolean {
    const others = [...this.alive().keys()].filter((other) => other !== except)
    return [tab, ...others].sort()[0] === tab
  }

  /** The tabs heard from lately; those gone stale leave the roster. */
  private alive(): Map<string, { channels: readonly Channel[] }> {
    const now = Date.now()
    for (const [tab, want] of this.wants)
      if (now - want.at > this.staleAfterMs) this.wants.delete(tab)
    return this.wants
  }
}
