// Collects items and hands them over at most once per animation frame (or a timer where frames stop).

export interface FrameBatcher<T> {
  push(item: T): void
  /** Hands over what is pending now. */
  flush(): void
  dispose(): void
}

/** Frames stop in hidden tabs; this timer still drains the queue so memory stays bounded. */
const FALLBACK_MS = 250

export function createFrameBatcher<T>(deliver: (items: T[]) => void): FrameBatcher<T> {
  let pending: T[] = []
  let frame: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const hasFrames = typeof requestAnimationFrame === 'function'

  function flush() {
    if (frame !== undefined) cancelAnimationFrame(frame)
    clearTimeout(timer)
    frame = undefined
    timer = undefined
    if (pending.length === 0) return
    const items = pending
    pending = []
    deliver(items)
  }

  return {
    push(item) {
      pending.push(item)
      if (timer !== undefined) return
      if (hasFrames) frame = requestAnimationFrame(flush)
      timer = setTimeout(flush, hasFrames ? FALLBACK_MS : 16)
    },
    flush,
    dispose() {
      pending = []
      if (frame !== undefined) cancelAnimationFrame(frame)
      clearTimeout(timer)
      frame = undefined
      timer = undefined
    },
  }
}
