// The one clock for all drawing: a per-frame budget, charts redrawn round-robin at a bounded rate,
// only while visible, and a redraw interval that stretches (and says so) when the page falls behind.

import { longFrameSource } from './longFrames'

/** Our drawing work per frame, ms: about half of a 16.7 ms frame, the rest is the browser's. */
export const FRAME_BUDGET_MS = 8
/** A task waiting longer than this is drawn even if the frame's budget is spent (one per frame). */
export const MAX_WAIT_MS = 2000
/** The redraw interval the page can stretch to under overload, ms. */
export const MAX_INTERVAL_MS = 2000
/** At or above this interval (fewer than 4 redraws a second) the page says it is behind. */
export const BEHIND_INTERVAL_MS = 250
/** Load is judged over windows of this many ms of running frames. */
const WINDOW_MS = 1000
/** Frames keep being watched this long after the last change, so the load is judged while data flows. */
const ACTIVE_MS = 1000
/** Frames per second under which a window counts as overloaded, and at or above which as idle. */
const OVERLOADED_FPS = 30
const IDLE_FPS = 45
/** Time spent in long frames beyond their first 50 ms, per window, that counts as overloaded. */
const OVERLOADED_LONG_MS = 100
/** A window this bad says "behind" at once, not after a few seconds of stretching. */
const SWAMPED_FPS = 10
const SWAMPED_LONG_MS = 500
/**
 * A heavy task (a chart) may take about this share of the main thread: it is drawn at most every
 * `cost / share` ms, so a chart costing 12 ms draws 4 times a second, not 10, while one costing 3 ms
 * still draws every 100 ms. Never less often than every KEEP_UP_INTERVAL_MS for this reason alone.
 */
const HEAVY_SHARE = 0.05
/** "Every chart at least 4 times a second when the page keeps up." */
const KEEP_UP_INTERVAL_MS = 250
/**
 * The page's start, from when the scheduler begins to watch: every channel's first data mounts its
 * panel's rows and cards, and the charts build their canvases. Long frames then are not load.
 */
const START_UP_MS = 3000
/** Set-ups remembered to tell them from load (the page has a handful of charts). */
const SET_UPS_KEPT = 16

/**
 * What a draw may say about itself: 'set-up' when it built its canvas (a chart's first real draw),
 * a one-off that is neither the task's usual cost nor a sign of load.
 */
export type DrawKind = 'set-up' | void

export interface RenderTaskOptions {
  /** Draws the task's current state; called inside an animation frame by the scheduler only. */
  draw: () => DrawKind
  /** A heavy task (a chart): at most one is drawn per frame. */
  heavy?: boolean
  /** Least time between two draws of this task, ms, whatever the load (default 0). */
  minIntervalMs?: number
  /** Whether the task starts out needing a draw (default true). */
  dirty?: boolean
}

export interface RenderTask {
  /** Something changed: draw at the task's next turn. */
  invalidate(): void
  /** Off screen (IntersectionObserver) tasks wait, dirty, until they are visible again. */
  setVisible(visible: boolean): void
  /** Draws now if the task may draw (visible, page shown); true when it drew. */
  drawNow(): boolean
  readonly dirty: boolean
  dispose(): void
}

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

export interface SchedulerEnvironment {
  now(): number
  requestFrame(callback: (time: number) => void): number
  cancelFrame(handle: number): void
  /** True while the document is hidden (no frames, nothing to draw). */
  hidden(): boolean
  /** Calls `listener` when `hidden()` may have changed; returns the unsubscribe. */
  onVisibilityChange(listener: () => void): () => void
  /** Calls `listener` with the start (`now()` clock) and duration of each long animation frame (or long task), ms. */
  onLongFrame?(listener: (startTime: number, durationMs: number) => void): () => void
  /**
   * Runs `callback` in a task of its own right after the current frame is painted; absent where
   * heavy draws must stay inside the frame callback.
   */
  afterFrame?(callback: () => void): void
}

/**
 * A task right after the frame (a posted message runs once the frame's rendering task is done).
 * Only where the browser really renders frames: jsdom (tests) has MessageChannel but no
 * requestIdleCallback, and draws there stay inside the (stubbed) frame callback.
 */
function afterFrameTask(): SchedulerEnvironment['afterFrame'] {
  if (typeof MessageChannel === 'undefined' || typeof requestIdleCallback !== 'function')
    return undefined
  const queue: (() => void)[] = []
  const channel = new MessageChannel()
  channel.port1.onmessage = () => queue.shift()?.()
  return (callback) => {
    queue.push(callback)
    channel.port2.postMessage(0)
  }
}

interface TaskState {
  options: RenderTaskOptions
  dirty: boolean
  visible: boolean
  lastDraw: number
  dirtySince: number
  /** Smoothed cost of a draw, ms (a guess until `measured`). */
  costMs: number
  measured: boolean
  disposed: boolean
}

/** The browser's frames and visibility, looked up at call time (tests stub the globals). */
export const browserEnvironment: SchedulerEnvironment = {
  now: () => performance.now(),
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  hidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
  onVisibilityChange(listener) {
    if (typeof document === 'undefined') return () => {}
    document.addEventListener('visibilitychange', listener)
    return () => document.removeEventListener('visibilitychange', listener)
  },
  afterFrame: afterFrameTask(),
  onLongFrame(listener) {
    const type = longFrameSource()
    if (type === null) return () => {}
    try {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) listener(entry.startTime, entry.duration)
      })
      observer.observe({ type })
      return () => observer.disconnect()
    } catch {
      return () => {}
    }
  },
}

export class RenderScheduler {
  private readonly tasks = new Set<TaskState>()
  private frame: number | null = null
  private intervalMs = 0
  private behind = false
  private readonly listeners = new Set<(stats: RenderStats) => void>()
  private stopVisibility: (() => void) | null = null
  // The current load window: frames seen, our drawing time, when it started.
  private windowStart: number | null = null
  private windowFrames = 0
  private windowDrawMs = 0
  private lastFps: number | null = null
  private lastDrawMsPerSecond: number | null = null
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private lastChange = -Infinity
  private windowLongMs = 0
  private lastLongFrame = -Infinity
  /** A heavy task picked in the last frame, drawn in the task right after it. */
  private afterFrame: TaskState | null = null
  private stopLongFrames: (() => void) | null = null
  /** Since when long frames are watched (see START_UP_MS). */
  private watchedSince = Infinity
  /** When tasks set themselves up (a chart's first real draw), [start, end], newest last, a few kept. */
  private readonly setUps: [number, number][] = []
  /** Whether the last load window was overloaded. */
  private lastWindowOverloaded = true

  /** `startUpMs`: how long the page's start lasts (see START_UP_MS; tests shorten it). */
  constructor(
    private readonly env: SchedulerEnvironment = browserEnvironment,
    private readonly startUpMs = START_UP_MS,
  ) {}

  register(options: RenderTaskOptions): RenderTask {
    if (!this.stopVisibility) this.stopVisibility = this.env.onVisibilityChange(() => this.wake())
    // Long frames say the page is behind even when frames still come at a fair rate.
    if (!this.stopLongFrames) {
      this.watchedSince = this.env.now()
      this.stopLongFrames =
        this.env.onLongFrame?.((start, duration) => this.onLongFrame(start, duration)) ?? null
    }
    const state: TaskState = {
      options,
      dirty: options.dirty ?? true,
      visible: true,
      lastDraw: -Infinity,
      dirtySince: this.env.now(),
      costMs: options.heavy ? 4 : 0.5,
      measured: false,
      disposed: false,
    }
    this.tasks.add(state)
    return {
      invalidate: () => {
        if (state.disposed) return
        const now = this.env.now()
        if (!state.dirty) state.dirtySince = now
        state.dirty = true
        this.lastChange = now
        this.wake()
      },
      setVisible: (visible) => {
        state.visible = visible
        if (visible) this.wake()
      },
      drawNow: () => {
        if (state.disposed || !state.visible || this.env.hidden()) return false
        this.run(state)
        return true
      },
      get dirty() {
        return state.dirty
      },
      dispose: () => {
        state.disposed = true
        this.tasks.delete(state)
        if (this.tasks.size === 0) this.stop()
      },
    }
  }

  stats(): RenderStats {
    return {
      intervalMs: Math.round(this.intervalMs),
      behind: this.behind,
      fps: this.lastFps,
      drawMsPerSecond: this.lastDrawMsPerSecond,
    }
  }

  /** Called with fresh stats after each load window and whenever `behind` changes. */
  onStats(listener: (stats: RenderStats) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private waiting(state: TaskState): boolean {
    return state.dirty && state.visible && !state.disposed
  }

  /** Asks for a frame when a task waits or, with `watch`, while data changed in the last second. */
  private wake(watch = false): void {
    if (this.frame !== null || this.env.hidden()) return
    const active = watch && this.env.now() - this.lastChange < ACTIVE_MS
    if (!active && ![...this.tasks].some((state) => this.waiting(state))) return
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    this.frame = this.env.requestFrame((time) => this.onFrame(time))
  }

  /** Nothing left to draw: after a quiet spell the page is not behind any more. */
  private idle(): void {
    this.windowStart = null
    if (this.intervalMs === 0 || this.idleTimer !== undefined) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.frame !== null) return
      // Still janking with nothing to draw (the data path is busy): stay behind a while longer.
      if (this.env.now() - this.lastLongFrame < MAX_WAIT_MS) return this.idle()
      this.intervalMs = 0
      this.behind = false
      this.emit()
    }, MAX_WAIT_MS)
  }

  /**
   * A long frame: counted into the current load window; one far over the limit stretches the
   * interval at once, even when no chart is waiting (the loop may be idle while the page janks).
   * One-offs are not load: a frame of the page's start (before the scheduler watched, or in its
   * first START_UP_MS), or one that holds a task's set-up (a chart building its canvas later, say
   * when scrolled into view).
   */
  private onLongFrame(start: number, duration: number): void {
    if (start < this.watchedSince + this.startUpMs) return
    if (this.setUps.some(([from, to]) => from >= start && to <= start + duration)) return
    const excess = Math.max(0, duration - 50)
    this.windowLongMs += excess
    this.lastLongFrame = this.env.now()
    if (this.windowStart !== null || excess <= OVERLOADED_LONG_MS) return
    this.intervalMs = Math.min(
      MAX_INTERVAL_MS,
      Math.max(2 * BEHIND_INTERVAL_MS, this.intervalMs * 1.6),
    )
    if (!this.behind) {
      this.behind = true
      this.emit()
    }
    this.idle()
  }

  private emit(): void {
    const stats = this.stats()
    for (const listener of this.listeners) listener(stats)
  }

  private stop(): void {
    if (this.frame !== null) this.env.cancelFrame(this.frame)
    this.frame = null
    this.windowStart = null
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    this.stopVisibility?.()
    this.stopVisibility = null
    this.stopLongFrames?.()
    this.stopLongFrames = null
    this.watchedSince = Infinity
  }

  private run(state: TaskState): number {
    const started = this.env.now()
    let kind: DrawKind = undefined
    state.dirty = false
    state.lastDraw = started
    try {
      kind = state.options.draw()
    } catch (error) {
      // One chart's failure must not stop the others from drawing.
      console.error('render task failed', error)
    } finally {
      const cost = this.env.now() - started
      this.windowDrawMs += cost
      if (kind === 'set-up') {
        this.setUps.push([started, started + cost])
        if (this.setUps.length > SET_UPS_KEPT) this.setUps.shift()
      } else {
        state.costMs = state.measured ? state.costMs * 0.7 + cost * 0.3 : cost
        state.measured = true
      }
    }
    return this.env.now() - started
  }

  private drawAfterFrame(): void {
    const state = this.afterFrame
    this.afterFrame = null
    if (!state || state.disposed || !state.visible || this.env.hidden()) return
    this.run(state)
  }

  private onFrame(_time: number): void {
    this.frame = null
    if (this.env.hidden()) {
      // No frames come while hidden; start a fresh load window when the page shows again.
      this.windowStart = null
      return
    }
    const start = this.env.now()
    this.countFrame(start)
    const due = [...this.tasks]
      .filter(
        (state) =>
          this.waiting(state) &&
          start - state.lastDraw >= Math.max(this.floorOf(state), this.intervalMs),
      )
      // Round-robin: the task drawn longest ago goes first.
      .sort((a, b) => a.lastDraw - b.lastDraw)
    let spent = 0
    // A chart picked last frame and not drawn yet still has this frame's turn.
    let heavyDrawn = this.afterFrame !== null
    for (const state of due) {
      const heavy = state.options.heavy ?? false
      if (heavy && heavyDrawn) continue
      const starved = start - state.dirtySince >= MAX_WAIT_MS
      // The first task of a frame always draws: a chart costlier than the budget still gets turns.
      if (spent > 0 && spent + state.costMs > FRAME_BUDGET_MS && !starved) continue
      if (heavy && this.env.afterFrame) {
        // Drawn in its own task once this frame is painted: the frame's data and DOM updates
        // are not held up by a chart, and no single task carries both.
        this.afterFrame = state
        this.env.afterFrame(() => this.drawAfterFrame())
        spent += state.costMs
      } else {
        spent += this.run(state)
      }
      if (heavy) heavyDrawn = true
    }
    // Frames go on between changes while data flows: the load window sees every frame.
    this.wake(true)
    if (this.frame === null) this.idle()
  }

  /** The least time between two draws of a task, whatever the page's load, ms. */
  private floorOf(state: TaskState): number {
    const floor = state.options.minIntervalMs ?? 0
    if (!state.options.heavy || !state.measured) return floor
    return Math.max(floor, Math.min(KEEP_UP_INTERVAL_MS, state.costMs / HEAVY_SHARE))
  }

  /** Judges the load once per window of running frames and adapts the redraw interval. */
  private countFrame(now: number): void {
    if (this.windowStart === null) {
      this.windowStart = now
      this.windowFrames = 0
      this.windowDrawMs = 0
      this.windowLongMs = 0
      return
    }
    this.windowFrames += 1
    const elapsed = now - this.windowStart
    if (elapsed < WINDOW_MS) return
    const fps = (this.windowFrames * 1000) / elapsed
    const drawMsPerSecond = (this.windowDrawMs * 1000) / elapsed
    this.lastFps = Math.round(fps)
    this.lastDrawMsPerSecond = Math.round(drawMsPerSecond)
    const overloaded = fps < OVERLOADED_FPS || this.windowLongMs > OVERLOADED_LONG_MS
    if (overloaded) {
      // Frames are missed: draw less often, so the thread goes to the data and the input. Swamped
      // (a frame rate in single figures, or half the second in long frames): behind at once.
      const swamped = fps < SWAMPED_FPS || this.windowLongMs > SWAMPED_LONG_MS
      const least = swamped ? 2 * BEHIND_INTERVAL_MS : 100
      this.intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(least, this.intervalMs * 1.6))
    } else if (fps >= IDLE_FPS && this.windowLongMs === 0 && !this.lastWindowOverloaded) {
      // A whole second at full frame rate without one long frame, after one that was not
      // overloaded either: the page keeps up now, whatever stretched the interval before. (After a
      // single good second, a page that is behind by turns would say so on and off.)
      this.intervalMs = 0
    } else {
      // Keeping up: relax quickly when frames come at full rate, slowly in between.
      const relaxed = this.intervalMs * (fps >= IDLE_FPS ? 0.7 : 0.85)
      this.intervalMs = relaxed <= 20 ? 0 : relaxed
    }
    this.lastWindowOverloaded = overloaded
    const behind = this.intervalMs >= BEHIND_INTERVAL_MS
    this.behind = behind
    this.windowStart = now
    this.windowFrames = 0
    this.windowDrawMs = 0
    this.windowLongMs = 0
    this.emit()
  }
}

/** The page's scheduler: every chart and panel draws through it. */
export const renderScheduler = new RenderScheduler()
