// A stream's watchdog: silence past 1.5 heartbeats is "stale", past 2 the link is taken for dead.

export class Watchdog {
  private lastAt = Date.now()
  private lastMono = performance.now()
  private readonly timer: ReturnType<typeof setInterval>
  /** Why the link was given up, once it was. */
  reason: string | null = null

  constructor(
    heartbeatMs: number,
    /** Called again while it lasts. */
    onStale: (silentSince: number) => void,
    onDead: () => void,
  ) {
    const every = Math.max(50, Math.min(1000, heartbeatMs / 4))
    this.timer = setInterval(() => {
      // The wall clock jumps ahead over a sleep; the monotonic one survives a step back.
      const silent = Math.max(Date.now() - this.lastAt, performance.now() - this.lastMono)
      if (silent > 2 * heartbeatMs) {
        this.reason = `no data for ${Math.round(silent / 1000)} s (heartbeat lost)`
        onDead()
      } else if (silent > 1.5 * heartbeatMs) onStale(this.lastAt)
    }, every)
  }

  /** Returns the wall-clock time. */
  touch(): number {
    this.lastAt = Date.now()
    this.lastMono = performance.now()
    return this.lastAt
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
