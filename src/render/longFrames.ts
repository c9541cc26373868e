// Counts the page's long animation frames (Long Animation Frames API) or, where the browser lacks
// it, long tasks, over a sliding minute: the diagnostics drawer shows how often the page janked.

export type LongFrameSource = 'long-animation-frame' | 'longtask'

/** Entries older than this leave the count, ms. */
export const LONG_FRAME_WINDOW_MS = 60_000

export interface LongFrameCounter {
  /** What is observed; null when the browser reports neither. */
  readonly source: LongFrameSource | null
  /** Long frames (or tasks) that ended in the last minute before `now` (performance.now() ms). */
  perMinute(now: number): number
  /** The longest one in the last minute, ms; null when none. */
  longestMs(now: number): number | null
  /** Adds an entry (the observer does this; tests call it directly). */
  record(startTime: number, duration: number): void
  dispose(): void
}

function supported(type: string): boolean {
  const types =
    typeof PerformanceObserver === 'undefined'
      ? undefined
      : (PerformanceObserver as unknown as { supportedEntryTypes?: readonly string[] })
          .supportedEntryTypes
  return types?.includes(type) ?? false
}

/** The entry type this browser can observe: long animation frames first, long tasks otherwise. */
export function longFrameSource(): LongFrameSource | null {
  if (supported('long-animation-frame')) return 'long-animation-frame'
  if (supported('longtask')) return 'longtask'
  return null
}

export function createLongFrameCounter(source = longFrameSource()): LongFrameCounter {
  // [end time, duration] pairs, oldest first; trimmed as they leave the window.
  const entries: [number, number][] = []
  let observer: PerformanceObserver | null = null

  const trim = (now: number) => {
    while (entries.length > 0 && (entries[0] as [number, number])[0] < now - LONG_FRAME_WINDOW_MS)
      entries.shift()
  }
  const counter: LongFrameCounter = {
    source,
    perMinute(now) {
      trim(now)
      return entries.length
    },
    longestMs(now) {
      trim(now)
      return entries.length === 0 ? null : Math.max(...entries.map(([, duration]) => duration))
    },
    record(startTime, duration) {
      entries.push([startTime + duration, duration])
      // A page that janks all day must not grow this list without bound.
      if (entries.length > 10_000) entries.shift()
    },
    dispose() {
      observer?.disconnect()
      observer = null
    },
  }
  if (source !== null) {
    try {
      observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) counter.record(entry.startTime, entry.duration)
      })
      observer.observe({ type: source, buffered: true })
    } catch {
      observer = null
    }
  }
  return counter
}
