// What a bench page records: when each event id was applied and painted, frames, long tasks; read by the runner.
import { frameFlag } from './frameFlag'

/** Query parameters the runner puts on the page URL. */
export interface RecorderParams {
  /** The first id of this run; older ids (history backfill) are counted, not timed. */
  base: number
  /** Ids recorded from `base` on; later ones are counted as overflow. */
  capacity: number
  /** Animation frames kept (about 60 per second of run). */
  frames: number
}

export interface RecorderCounters {
  /** Events applied with an id in [base, base + capacity). */
  recorded: number
  /** Events applied with an id below `base` (history backfill of earlier runs). */
  older: number
  /** Events applied with an id beyond the capacity. */
  overflow: number
  /** An id applied a second time. */
  duplicates: number
  /** Events applied without a numeric id. */
  unnamed: number
}

export interface RecorderSnapshot {
  /** Epoch ms on the page clock, base64 of a Float64Array over ids [from, to]; 0 = not applied. */
  applied: string
  painted: string
  /** rAF timestamps (epoch ms, page clock) of every frame kept. */
  frames: number[]
  /** Long tasks: [start epoch ms, duration ms]. */
  longTasks: [number, number][]
  counters: RecorderCounters
  /** ms after navigation start of the first applied event of any id, and of the first live one. */
  firstAppliedMs: number | null
  firstLiveMs: number | null
  /**
   * ms after navigation start of the first frame that showed data on screen (the first element
   * matching `watchFirstShown`'s selector, painted); null where the page has no such watch.
   */
  firstShownMs?: number | null
  /** Where a cold start spends its time, ms after navigation start. */
  startup: StartupTimes
}

export interface StartupTimes {
  /** The bench page's module started running (its bundle was fetched and compiled); null for the app. */
  scriptMs: number | null
  domContentLoadedMs: number | null
  /** Finished config and API requests (config.json, status, history): [path, start, end]; streams never finish. */
  requests: [string, number, number][]
  /** When the API requests reached the server, whoever made them (the page or its engine's worker): [path, ms]. */
  arrived?: [string, number][]
  /** The page's navigation start (epoch ms), to place server times on its timeline. */
  timeOrigin?: number
}

export interface ClockSample {
  /** Offset to add to page epoch ms to get runner epoch ms. */
  offsetMs: number
  /** Round trip of the sample the offset came from. */
  rttMs: number
}

/** How fast the page answered one click: from the input event to the change on screen. */
export interface ClickResult {
  /** Input event's timestamp → the first task after the frame that showed the button's new state, ms. */
  inputToPaintMs: number | null
  /** Input event's timestamp → the button's new state in the DOM, ms. */
  inputToDomMs: number | null
  /** The Event Timing API's duration of the click (input → next paint), ms; null where absent. */
  eventTimingMs: number | null
}

export interface BenchApi {
  params: RecorderParams
  /** Starts watching the next click on `selector` and the change of its `attribute`. */
  armClick(selector: string, attribute: string): void
  /** The armed click's result once its change was painted, else null. */
  clickResult(): ClickResult | null
  /** True once every channel's stream is open. */
  ready(): boolean
  appliedCount(from: number, to: number): number
  firstLiveMs(): number | null
  snapshot(from: number, to: number): RecorderSnapshot
  calibrate(samples: number): Promise<ClockSample>
}

declare global {
  interface Window {
    __bench?: BenchApi
  }
}

const origin = performance.timeOrigin
export const epochNow = (): number => origin + performance.now()

export function readParams(): RecorderParams {
  const query = new URLSearchParams(location.search)
  const number = (name: string, fallback: number) => {
    const value = Number(query.get(name))
    return Number.isFinite(value) && value > 0 ? value : fallback
  }
  return {
    base: number('base', 1),
    capacity: Math.floor(number('cap', 200_000)),
    frames: Math.floor(number('frames', 4000)),
  }
}

/** The Prioritized Task Scheduling API's postTask (not in TypeScript's DOM types yet). */
type PostTask = (callback: () => void, options: { priority: 'user-blocking' }) => Promise<void>

/**
 * Runs `callback` in the first task after the current frame's rendering (call it inside a frame
 * callback). A user-blocking task (`scheduler.postTask`) runs ahead of tasks the page itself
 * queued for after the frame (the app draws a chart or publishes a panel in one), which would
 * otherwise delay the stamp past the paint it measures; a MessageChannel message where the
 * browser lacks it.
 */
function afterFrameTask(callback: () => void): void {
  const scheduler = (globalThis as { scheduler?: { postTask?: PostTask } }).scheduler
  if (typeof scheduler?.postTask === 'function') {
    void scheduler.postTask(callback, { priority: 'user-blocking' })
    return
  }
  const channel = new MessageChannel()
  channel.port1.onmessage = () => callback()
  channel.port2.postMessage(0)
}

/**
 * Tells the runner on the console, which it listens to: waiting with a page function instead would
 * evaluate Playwright's injected script in the page, tens of ms in the middle of its start-up.
 */
function announce(what: 'first-live' | 'first-shown'): void {
  console.debug(`__bench:${what}`)
}

export class Recorder {
  readonly params = readParams()
  private readonly applied = new Float64Array(this.params.capacity)
  private readonly painted = new Float64Array(this.params.capacity)
  private readonly frames = new Float64Array(this.params.frames)
  private frameCount = 0
  private readonly longTasks: [number, number][] = []
  private readonly counters: RecorderCounters = {
    recorded: 0,
    older: 0,
    overflow: 0,
    duplicates: 0,
    unnamed: 0,
  }
  private firstApplied: number | null = null
  private firstShown: number | null = null
  private firstLive: number | null = null
  /** Indexes applied since the last paint stamp. */
  private awaitingPaint: number[] = []
  private paintQueued = false
  private readonly scriptMs = performance.now()

  constructor() {
    const onFrame = (time: number) => {
      this.frames[this.frameCount % this.frames.length] = origin + time
      this.frameCount += 1
      requestAnimationFrame(onFrame)
    }
    requestAnimationFrame(onFrame)
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          this.longTasks.push([origin + entry.startTime, entry.duration])
        }
      }).observe({ type: 'longtask', buffered: true })
    } catch {
      // No long-task support: the list stays empty and the report says so by its absence.
    }
  }

  /**
   * Records that the event `id` is in the store now; `at` lets a batch share one stamp. With
   * `paint` false it waits for a paint stamp until `awaitPaint` gets the index returned here.
   */
  markApplied(id: string | null | undefined, at = epochNow(), paint = true): number | null {
    const n = id ? Number(id) : NaN
    if (!Number.isInteger(n)) {
      this.counters.unnamed += 1
      return null
    }
    this.firstApplied ??= at - origin
    const index = n - this.params.base
    if (index < 0) {
      this.counters.older += 1
      return null
    }
    if (index >= this.params.capacity) {
      this.counters.overflow += 1
      return null
    }
    if (this.firstLive === null) {
      this.firstLive = at - origin
      announce('first-live')
    }
    if (this.applied[index] !== 0) {
      this.counters.duplicates += 1
      return null
    }
    this.applied[index] = at
    this.counters.recorded += 1
    if (paint) this.awaitingPaint.push(index)
    return index
  }

  /** Indexes from `markApplied(…, false)` whose events are now on their way to the screen. */
  awaitPaint(indexes: readonly number[]): void {
    for (const index of indexes) this.awaitingPaint.push(index)
  }

  /**
   * Call after a batch was applied: its events get a paint stamp after the frame that shows them.
   * `inFrame`: the batch was applied inside a frame callback (default: we are in one now).
   */
  batchDone(inFrame = frameFlag.inside): void {
    if (this.paintQueued || this.awaitingPaint.length === 0) return
    this.paintQueued = true
    // Inside a frame callback the DOM change renders in this frame; elsewhere in the next one.
    const stamp = () => this.stampPaint()
    if (inFrame) afterFrameTask(stamp)
    else requestAnimationFrame(() => afterFrameTask(stamp))
  }

  private stampPaint(): void {
    this.paintQueued = false
    const at = epochNow()
    for (const index of this.awaitingPaint) this.painted[index] = at
    this.awaitingPaint = []
  }

  /**
   * Stamps the first frame that shows an element matching `selector` (the page's first data on
   * screen): a stored event is not yet something a person sees.
   */
  watchFirstShown(selector: string): void {
    const shown = () => {
      this.firstShown = performance.now()
      announce('first-shown')
    }
    const seen = () => {
      if (!document.querySelector(selector)) return false
      // Added while a frame renders: drawn in that frame; else in the next one.
      if (frameFlag.rendering) afterFrameTask(shown)
      else requestAnimationFrame(() => afterFrameTask(shown))
      return true
    }
    const observer = new MutationObserver(() => {
      if (seen()) observer.disconnect()
    })
    observer.observe(document, { childList: true, subtree: true })
  }

  appliedCount(from: number, to: number): number {
    let count = 0
    const [start, end] = this.range(from, to)
    for (let i = start; i < end; i += 1) if (this.applied[i] !== 0) count += 1
    return count
  }

  snapshot(from: number, to: number): RecorderSnapshot {
    const [start, end] = this.range(from, to)
    const kept = Math.min(this.frameCount, this.frames.length)
    const frames: number[] = []
    for (let i = this.frameCount - kept; i < this.frameCount; i += 1) {
      frames.push(this.frames[i % this.frames.length] as number)
    }
    return {
      applied: toBase64(this.applied.subarray(start, end)),
      painted: toBase64(this.painted.subarray(start, end)),
      frames,
      longTasks: [...this.longTasks],
      counters: { ...this.counters },
      firstAppliedMs: this.firstApplied,
      firstLiveMs: this.firstLive,
      firstShownMs: this.firstShown,
      startup: this.startup(),
    }
  }

  private startup(): StartupTimes {
    const navigation = performance.getEntriesByType('navigation')[0] as
      PerformanceNavigationTiming | undefined
    const requests = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((entry) => entry.name.includes('/api/') || entry.name.endsWith('/config.json'))
      .slice(0, 12)
      .map((entry): [string, number, number] => [
        new URL(entry.name).pathname,
        entry.startTime,
        entry.responseEnd,
      ])
    return {
      scriptMs: this.scriptMs,
      domContentLoadedMs: navigation ? navigation.domContentLoadedEventEnd : null,
      requests,
      timeOrigin: performance.timeOrigin,
    }
  }

  firstLiveMs(): number | null {
    return this.firstLive
  }

  private range(from: number, to: number): [number, number] {
    const cap = this.params.capacity
    const start = Math.max(0, Math.min(cap, from - this.params.base))
    const end = Math.max(start, Math.min(cap, to - this.params.base + 1))
    return [start, end]
  }
}

function toBase64(values: Float64Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(text)
}

/** Offset between this page's clock and the runner's, from the sample with the shortest round trip. */
export async function calibrateClock(samples: number): Promise<ClockSample> {
  let best: ClockSample | null = null
  for (let i = 0; i < samples; i += 1) {
    const url = new URL(`/bench/clock?n=${i}-${Math.random()}`, location.href).href
    const sent = epochNow()
    const response = await fetch(url, { cache: 'no-store' })
    const { now } = (await response.json()) as { now: number }
    const received = epochNow()
    // The network layer's send and first-byte times leave out this thread's scheduling delays.
    const entry = performance.getEntriesByName(url)[0] as PerformanceResourceTiming | undefined
    const [start, end] =
      entry && entry.requestStart > 0 && entry.responseStart > 0
        ? [origin + entry.requestStart, origin + entry.responseStart]
        : [sent, received]
    const rttMs = end - start
    if (!best || rttMs < best.rttMs) best = { offsetMs: now - (start + end) / 2, rttMs }
  }
  return best ?? { offsetMs: 0, rttMs: 0 }
}

/** Times one click on `selector`: input event → DOM change of `attribute` → painted. */
function clickProbe(): Pick<BenchApi, 'armClick' | 'clickResult'> {
  let result: ClickResult | null = null
  let eventTiming: number | null = null
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.name === 'click' || entry.name === 'pointerup' || entry.name === 'mouseup')
          eventTiming = Math.max(eventTiming ?? 0, entry.duration)
      }
    }).observe({ type: 'event', buffered: false, durationThreshold: 16 } as PerformanceObserverInit)
  } catch {
    // No Event Timing API: only the DOM and paint times are reported.
  }
  return {
    armClick(selector, attribute) {
      result = null
      eventTiming = null
      let inputAt: number | null = null
      const target = document.querySelector(selector)
      if (!target) return
      document.addEventListener(
        'click',
        (event) => {
          if (event.target instanceof Node && target.contains(event.target))
            inputAt = event.timeStamp
        },
        { capture: true, once: true },
      )
      const observer = new MutationObserver(() => {
        observer.disconnect()
        const domAt = performance.now()
        const painted = () => {
          const at = performance.now()
          result = {
            inputToPaintMs: inputAt === null ? null : at - inputAt,
            inputToDomMs: inputAt === null ? null : domAt - inputAt,
            eventTimingMs: eventTiming,
          }
        }
        requestAnimationFrame(() => afterFrameTask(painted))
      })
      observer.observe(target, { attributes: true, attributeFilter: [attribute] })
    },
    clickResult: () => (result ? { ...result, eventTimingMs: eventTiming } : null),
  }
}

/** Puts the recorder on `window.__bench` for the runner. */
export function exposeBench(recorder: Recorder, ready: () => boolean): void {
  window.__bench = {
    ...clickProbe(),
    params: recorder.params,
    ready,
    appliedCount: (from, to) => recorder.appliedCount(from, to),
    firstLiveMs: () => recorder.firstLiveMs(),
    snapshot: (from, to) => recorder.snapshot(from, to),
    calibrate: calibrateClock,
  }
}
