// Collects items and hands them over at most once per animation frame (or a timer where frames stop).
// Every batcher of the page shares one frame callback: the channels' stores commit together and
// Vue renders once per frame, not once per channel (each render in between would make the next
// one's layout reads force a synchronous layout).

export interface FrameBatcher<T> {
  push(item: T): void
  /** Hands over what is pending now. */
  flush(): void
  dispose(): void
}

/** Frames stop in hidden tabs; this timer still drains the queues so memory stays bounded. */
const FALLBACK_MS = 250

/** Flushes of the batchers that wait for the next frame, in the order they asked. */
const due = new Set<() => void>()
let frame: number | undefined
let timer: ReturnType<typeof setTimeout> | undefined

function runDue(): void {
  if (frame !== undefined) cancelAnimationFrame(frame)
  clearTimeout(timer)
  frame = undefined
  timer = undefined
  const flushes = [...due]
  due.clear()
  for (const flush of flushes) {
    try {
      flush()
    } catch (error) {
      // One channel's failure must not keep the others' batches waiting; still surfaced.
      queueMicrotask(() => {
        throw error
      })
    }
  }
}

function requestRun(flush: () => void): void {
  due.add(flush)
  if (timer !== undefined) return
  const hasFrames = typeof requestAnimationFrame === 'function'
  if (hasFrames) frame = requestAnimationFrame(runDue)
  timer = setTimeout(runDue, hasFrames ? FALLBACK_MS : 16)
}

export function createFrameBatcher<T>(deliver: (items: T[]) => void): FrameBatcher<T> {
  let pending: T[] = []

  function flush() {
    due.delete(flush)
    if (pending.length === 0) return
    const items = pending
    pending = []
    deliver(items)
  }

  return {
    push(item) {
      pending.push(item)
      if (pending.length === 1) requestRun(flush)
    },
    flush,
    dispose() {
      pending = []
      due.delete(flush)
    },
  }
}
