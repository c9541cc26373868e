// History standing in for a stream that keeps failing: read every few seconds, and shown as
// "polling" only while those reads work and the stream is not open.
import type { ConnectionState } from './connectionState'

export class HistoryPolling {
  private active = false
  /** True while the last history read worked: only then is "polling" shown. */
  private ok = false
  private since = 0
  private reason = ''

  constructor(
    /** Reads history once; `current` says whether the answer is still wanted. */
    private readonly pollOnce: (current: () => boolean) => Promise<boolean>,
    private readonly intervalMs: number,
    /** Told when what is shown may have changed. */
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

  /** The state to show instead of the stream's own, or null. */
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
