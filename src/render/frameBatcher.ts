// Collects items and hands them over at most once per animation frame (or a timer where frames stop),
// a backlog over several frames.
// Every batcher of the page shares one frame callback: the channels' stores commit together and
// Vue renders once per frame, not once per channel (each render in between would make the next
// one's layout reads force a synchronous layout).

export interface FrameBatcher<T> {
  push(item: T): void
  /** Hands over what is pending now, all of it. */
  flush(): void
  dispose(): void
}

/** Frames stop in hidden tabs; this timer still drains the queues so memory stays bounded. */
const FALLBACK_MS = 250
/**
 * Applying batches in a frame stops after about this long, ms, and the rest waits for the next
 * frame: a backlog (history after a reconnect, held events released) is applied over several
 * frames instead of in one long task. Steady input is far below it (1,000 events a second is a
 * few dozen per frame).
 */
export const FRAME_APPLY_MS = 12
/** Items handed over at a time once a batch is larger: the budget is checked between them. */
export const APPLY_CHUNK = 256

/**
 * Items waiting in all batchers together beyond which the page's readers should stop taking more
 * (`whenBacklogFits`): frames apply FRAME_APPLY_MS of it each, and a reader that kept parsing
 * while frames were starved once piled up hundreds of thousands of events (seconds of applying,
 * hundreds of megabytes) instead of leaving them in the socket, where the server sees a slow
 * client. About 65 ms of applying at the measured 6.5 µs an event; steady input stays far below.
 */
export const BACKLOG_LIMIT = 10_000

type Flush = (deadline: number) => void

/** Flushes of the batchers that wait for the next frame, in the order they asked. */
const due = new Set<Flush>()
let frame: number | undefined
let timer: ReturnType<typeof setTimeout> | undefined
/** Items pending in all batchers. */
let backlog = 0
/** Readers waiting for the backlog to come down to half the limit. */
let waiting: (() => void)[] = []

/**
 * Null while the batchers' backlog is within BACKLOG_LIMIT; past it, a promise that resolves once
 * frames (or, in a hidden tab, the timer) have applied it down to half the limit.
 */
export function whenBacklogFits(): Promise<void> | null {
  if (backlog <= BACKLOG_LIMIT) return null
  return new Promise((resolve) => waiting.push(resolve))
}

/** Items waiting in all batchers. */
export function frameBacklog(): number {
  return backlog
}

function releaseWaiting(): void {
  if (waiting.length === 0 || backlog > BACKLOG_LIMIT / 2) return
  const resolved = waiting
  waiting = []
  for (const resolve of resolved) resolve()
}

/** Frame starts, epoch ms: one long ago and the newest; and the interval between frames. */
let anchorFrame = 0
let newestFrame = 0
let frameEvery = 0

/**
 * When this page's frames start and how far apart, for the realtime engine to send its batches
 * just before one; null until two frames ran back to back.
 */
export function framePhase(): { at: number; every: number } | null {
  return frameEvery > 0 ? { at: newestFrame, every: frameEvery } : null
}

/** Frames back to back give the interval; it is refined over the span since the anchor frame. */
function noteFrame(time: number): void {
  const at = performance.timeOrigin + time
  const gap = at - newestFrame
  if (gap > 3 && gap < 40 && (frameEvery === 0 || gap < frameEvery * 0.75)) {
    frameEvery = gap
    anchorFrame = newestFrame
  } else if (frameEvery > 0) {
    const frames = Math.round((at - anchorFrame) / frameEvery)
    if (frames > 0) frameEvery = (at - anchorFrame) / frames
  }
  newestFrame = at
}

function runDue(fromFrame: boolean): void {
  if (frame !== undefined) cancelAnimationFrame(frame)
  clearTimeout(timer)
  frame = undefined
  timer = undefined
  // A hidden tab has no frames to keep: its timer drains everything.
  const deadline = fromFrame ? performance.now() + FRAME_APPLY_MS : Infinity
  const flushes = [...due]
  due.clear()
  for (const flush of flushes) {
    try {
      flush(deadline)
    } catch (error) {
      // One channel's failure must not keep the others' batches waiting; still surfaced.
      queueMicrotask(() => {
        throw error
      })
    }
  }
}

function requestRun(flush: Flush): void {
  due.add(flush)
  if (timer !== undefined) return
  const hasFrames = typeof requestAnimationFrame === 'function'
  if (hasFrames)
    frame = requestAnimationFrame((time) => {
      noteFrame(time)
      runDue(true)
    })
  timer = setTimeout(() => runDue(false), hasFrames ? FALLBACK_MS : 16)
}

export function createFrameBatcher<T>(deliver: (items: T[]) => void): FrameBatcher<T> {
  let pending: T[] = []

  /**
   * Off the backlog before the handler runs: a batch whose handler throws is not counted again.
   * Readers waiting for the backlog to fit are let go where it falls (they resume in a microtask,
   * after this frame's or flush's work).
   */
  function handOver(items: T[]) {
    backlog -= items.length
    releaseWaiting()
    deliver(items)
  }

  /** Hands over pending items, in chunks once past `deadline`'s reach; the rest asks for a frame. */
  function flush(deadline: number) {
    due.delete(flush)
    if (pending.length === 0) return
    const items = pending
    pending = []
    if (items.length <= APPLY_CHUNK || deadline === Infinity) {
      handOver(items)
      return
    }
    let at = 0
    try {
      // Each batcher hands over at least one chunk per frame, so none of them waits on the others.
      do {
        const chunk = items.slice(at, at + APPLY_CHUNK)
        // Counted before it is handed over: a chunk whose handler throws is not handed over again.
        at += APPLY_CHUNK
        handOver(chunk)
      } while (at < items.length && performance.now() < deadline)
    } finally {
      if (at < items.length) {
        // Items pushed meanwhile (none in a frame callback, but a handler may push) stay after.
        pending = items.slice(at).concat(pending)
        requestRun(flush)
      }
    }
  }

  return {
    push(item) {
      pending.push(item)
      backlog += 1
      if (pending.length === 1) requestRun(flush)
    },
    flush: () => flush(Infinity),
    dispose() {
      backlog -= pending.length
      pending = []
      due.delete(flush)
      releaseWaiting()
    },
  }
}
