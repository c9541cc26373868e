// How loaded the page is, judged from its frames: frames per second and long animation frames per
// window of running frames, less the page's one-offs; from that, the redraw interval and "behind".

/** The redraw interval the page can stretch to under overload, ms. */
export const MAX_INTERVAL_MS = 2000
/** At or above this interval (fewer than 4 redraws a second) the page says it is behind. */
export const BEHIND_INTERVAL_MS = 250
/** With nothing to draw and no long frame for this long, the page is not behind any more, ms. */
export const SETTLE_MS = 2000
/** Load is judged over windows of this many ms of running frames. */
const WINDOW_MS = 1000
/** Frames per second under which a window counts as overloaded, and at or above which as idle. */
const OVERLOADED_FPS = 30
const IDLE_FPS = 45
/** Time spent in long frames beyond their first 50 ms, per window, that counts as overloaded. */
const OVERLOADED_LONG_MS = 100
/** A window this bad says "behind" at once, not after a few seconds of stretching. */
const SWAMPED_FPS = 10
const SWAMPED_LONG_MS = 500
/**
 * The page's start, from when frames begin to be watched: every channel's first data mounts its
 * panel's rows and cards, and the charts build their canvases. Long frames then are not load.
 */
const START_UP_MS = 3000
/** Set-ups remembered to tell them from load (the page has a handful of charts). */
const SET_UPS_KEPT = 16

export interface RenderStats {
  /** Least time between two draws of the same chart the scheduler applies now, ms. */
  intervalMs: number
  /** True while the interval is stretched past BEHIND_INTERVAL_MS because frames are missed. */
  behind: boolean
  /** Frames per second over the last window, or null before one was completed. */
  fps: number | null
  /** Our drawing time per second over the last window, ms. */
  drawMsPerSecond: number | null
}

export class RenderLoad {
  private interval = 0
  private behindNow = false
  // The current window: when it started (null while no frames run), frames, drawing, long frames.
  private windowStart: number | null = null
  private windowFrames = 0
  private windowDrawMs = 0
  private windowLongMs = 0
  private lastWindowOverloaded = true
  private lastFps: number | null = null
  private lastDrawMsPerSecond: number | null = null
  private lastLongFrame = -Infinity
  /** Since when long frames are watched (see START_UP_MS). */
  private watchedSince = Infinity
  /** When tasks set themselves up (a chart's first real draw), [start, end], newest last. */
  private readonly setUps: [number, number][] = []

  /** `startUpMs`: how long the page's start lasts (see START_UP_MS; tests shorten it). */
  constructor(private readonly startUpMs = START_UP_MS) {}

  /** The redraw interval the load calls for now, ms. */
  get intervalMs(): number {
    return this.interval
  }

  get behind(): boolean {
    return this.behindNow
  }

  stats(): RenderStats {
    return {
      intervalMs: Math.round(this.interval),
      behind: this.behindNow,
      fps: this.lastFps,
      drawMsPerSecond: this.lastDrawMsPerSecond,
    }
  }

  /** Long frames are watched from `now` on (the page's start begins). */
  watch(now: number): void {
    this.watchedSince = now
  }

  /** Nothing is watched any more: a later `watch` starts afresh. */
  unwatch(): void {
    this.watchedSince = Infinity
    this.pause()
  }

  /** No frames run (nothing to draw, or the tab is hidden): the next frame opens a new window. */
  pause(): void {
    this.windowStart = null
  }

  /** A draw of `cost` ms that began at `start`; a set-up is remembered as a one-off. */
  drew(start: number, cost: number, setUp: boolean): void {
    this.windowDrawMs += cost
    if (!setUp) return
    this.setUps.push([start, start + cost])
    if (this.setUps.length > SET_UPS_KEPT) this.setUps.shift()
  }

  /**
   * A long frame: counted into the current window. One far over the limit while no frames run
   * (the page janks with nothing to draw) stretches the interval at once: true then. One-offs are
   * not load: a frame of the page's start (before watching, or in its first START_UP_MS), or one
   * that holds a task's set-up (a chart building its canvas later, say when scrolled into view).
   */
  longFrame(start: number, duration: number, now: number): boolean {
    if (start < this.watchedSince + this.startUpMs) return false
    if (this.setUps.some(([from, to]) => from >= start && to <= start + duration)) return false
    const excess = Math.max(0, duration - 50)
    this.windowLongMs += excess
    this.lastLongFrame = now
    if (this.windowStart !== null || excess <= OVERLOADED_LONG_MS) return false
    this.interval = Math.min(MAX_INTERVAL_MS, Math.max(2 * BEHIND_INTERVAL_MS, this.interval * 1.6))
    this.behindNow = true
    return true
  }

  /** Nothing drawn for a while: true when no long frame came either, and the page is not behind. */
  settle(now: number): boolean {
    // Still janking with nothing to draw (the data path is busy): stay behind a while longer.
    if (now - this.lastLongFrame < SETTLE_MS) return false
    this.interval = 0
    this.behindNow = false
    return true
  }

  /** A frame ran at `now`: once per window, the load is judged; true then (fresh stats). */
  frame(now: number): boolean {
    if (this.windowStart === null) {
      this.openWindow(now)
      return false
    }
    this.windowFrames += 1
    const elapsed = now - this.windowStart
    if (elapsed < WINDOW_MS) return false
    const fps = (this.windowFrames * 1000) / elapsed
    this.lastFps = Math.round(fps)
    this.lastDrawMsPerSecond = Math.round((this.windowDrawMs * 1000) / elapsed)
    const overloaded = fps < OVERLOADED_FPS || this.windowLongMs > OVERLOADED_LONG_MS
    if (overloaded) {
      // Frames are missed: draw less often, so the thread goes to the data and the input. Swamped
      // (a frame rate in single figures, or half the second in long frames): behind at once.
      const swamped = fps < SWAMPED_FPS || this.windowLongMs > SWAMPED_LONG_MS
      const least = swamped ? 2 * BEHIND_INTERVAL_MS : 100
      this.interval = Math.min(MAX_INTERVAL_MS, Math.max(least, this.interval * 1.6))
    } else if (fps >= IDLE_FPS && this.windowLongMs === 0 && !this.lastWindowOverloaded) {
      // A whole second at full frame rate without one long frame, after one that was not
      // overloaded either: the page keeps up now, whatever stretched the interval before. (After a
      // single good second, a page that is behind by turns would say so on and off.)
      this.interval = 0
    } else {
      // Keeping up: relax quickly when frames come at full rate, slowly in between.
      const relaxed = this.interval * (fps >= IDLE_FPS ? 0.7 : 0.85)
      this.interval = relaxed <= 20 ? 0 : relaxed
    }
    this.lastWindowOverloaded = overloaded
    this.behindNow = this.interval >= BEHIND_INTERVAL_MS
    this.openWindow(now)
    return true
  }

  private openWindow(now: number): void {
    this.windowStart = now
    this.windowFrames = 0
    this.windowDrawMs = 0
    this.windowLongMs = 0
  }
}
