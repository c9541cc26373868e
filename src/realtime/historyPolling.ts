// History standing in for a stream that keeps failing: read every few seconds, and shown as
// "polling" only while those reads work and the stream is not open.
import type { ConnectionState } from './connectionState'

export class HistoryPolling {
  private active = false
  /** Only while the last read worked is "polling" shown. */
  private ok = false
  private since = 0
  private reason = ''

  constructor(
    private readonly pollOnce: (current: () => boolean) => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly changed: () => void,
    private readonly stopped: () => boolean,
  ) {}

  start(reason: string): void {
    if (this.active) return
    this.active = true
    this.reason = reason
    void this.loop()
  }

  stop(): void {
    this.active = false
    this.ok = false
  }

  shown(stream: ConnectionState): ConnectionState | null {
    if (!this.active || !this.ok || stream.phase === 'open') return null
    return { phase: 'polling', since: this.since, reason: this.reason }
  }

  private async loop(): Promise<void> {
    while (this.active && !this.stopped()) {
      const ok = await this.pollOnce(() => !this.stopped())
      if (!this.active || this.stopped()) return
      if (ok !== this.ok) {
        this.ok = ok
        this.since = Date.now()
        this.changed()
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs))
    }
  }
}
