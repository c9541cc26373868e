// The one clock for all drawing: a per-frame budget, charts redrawn round-robin at a bounded rate,
// only while visible, and a redraw interval that stretches (and says so) when the page falls behind
// (how loaded the page is, is RenderLoad's to judge).

import { longFrameSource } from './longFrames'
import { RenderLoad, SETTLE_MS, type RenderStats } from './renderLoad'

export type { RenderStats } from './renderLoad'

/** Our drawing work per frame, ms: about half of a 16.7 ms frame, the rest is the browser's. */
export const FRAME_BUDGET_MS = 8
/** A task waiting longer than this is drawn even if the frame's budget is spent (one per frame). */
export const MAX_WAIT_MS = 2000
/** Frames keep being watched this long after the last change, so the load is judged while data flows. */
const ACTIVE_MS = 1000
/**
 * A heavy task (a chart) may take about this share of the main thread: it is drawn at most every
 * `cost / share` ms, so a chart costing 12 ms draws 4 times a second, not 10, while one costing 3 ms
 * still draws every 100 ms. Never less often than every KEEP_UP_INTERVAL_MS for this reason alone.
 */
const HEAVY_SHARE = 0.05
/** "Every chart at least 4 times a second when the page keeps up." */
const KEEP_UP_INTERVAL_MS = 250
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

type PostTask = (callback: () => void, options: { priority: 'background' }) => Promise<void>

/**
 * A task after the frame (it runs once the frame's rendering task is done). At background priority
 * where the browser has `scheduler.postTask`: the engine's batch for the next frame, a message,
 * then goes ahead of a draw instead of waiting behind it and missing that frame. Only where the
 * browser really renders frames: jsdom (tests) has no requestIdleCallback, and draws there stay
 * inside the (stubbed) frame callback.
 */
function afterFrameTask(): SchedulerEnvironment['afterFrame'] {
  if (typeof requestIdleCallback !== 'function') return undefined
  const scheduler = (globalThis as { scheduler?: { postTask?: PostTask } }).scheduler
  const postTask = scheduler?.postTask?.bind(scheduler)
  return postTask
    ? (callback) => void postTask(callback, { priority: 'background' })
    : (callback) => void setTimeout(callback, 0)
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
  private readonly load: RenderLoad
  private frame: number | null = null
  private readonly listeners = new Set<(stats: RenderStats) => void>()
  private stopVisibility: (() => void) | null = null
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private lastChange = -Infinity
  /** A heavy task picked in the last frame, drawn in the task right after it. */
  private afterFrame: TaskState | null = null
  private stopLongFrames: (() => void) | null = null

  /** `startUpMs`: how long the page's start lasts (see RenderLoad; tests shorten it). */
  constructor(
    private readonly env: SchedulerEnvironment = browserEnvironment,
    startUpMs?: number,
  ) {
    this.load = new RenderLoad(startUpMs)
  }

  register(options: RenderTaskOptions): RenderTask {
    if (!this.stopVisibility) this.stopVisibility = this.env.onVisibilityChange(() => this.wake())
    // Long frames say the page is behind even when frames still come at a fair rate.
    if (!this.stopLongFrames) {
      this.load.watch(this.env.now())
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
    return this.load.stats()
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
    this.load.pause()
    if (this.load.intervalMs === 0 || this.idleTimer !== undefined) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.frame !== null) return
      if (!this.load.settle(this.env.now())) return this.idle()
      this.emit()
    }, SETTLE_MS)
  }

  /** A long frame may stretch the interval at once while nothing is drawn (see RenderLoad). */
  private onLongFrame(start: number, duration: number): void {
    const wasBehind = this.load.behind
    if (!this.load.longFrame(start, duration, this.env.now())) return
    if (!wasBehind) this.emit()
    this.idle()
  }

  private emit(): void {
    const stats = this.stats()
    for (const listener of this.listeners) listener(stats)
  }

  private stop(): void {
    if (this.frame !== null) this.env.cancelFrame(this.frame)
    this.frame = null
    this.load.unwatch()
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    this.stopVisibility?.()
    this.stopVisibility = null
    this.stopLongFrames?.()
    this.stopLongFrames = null
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
      this.load.drew(started, cost, kind === 'set-up')
      if (kind !== 'set-up') {
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
      this.load.pause()
      return
    }
    const start = this.env.now()
    if (this.load.frame(start)) this.emit()
    const due = [...this.tasks]
      .filter(
        (state) =>
          this.waiting(state) &&
          start - state.lastDraw >= Math.max(this.floorOf(state), this.load.intervalMs),
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
}

/** The page's scheduler: every chart and panel draws through it. */
export const renderScheduler = new RenderScheduler()
