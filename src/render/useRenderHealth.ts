// The page's drawing health for the header and the diagnostics drawer: the scheduler's redraw
// interval, whether the page is behind, and its long animation frames over the last minute.
import { createSharedComposable, tryOnScopeDispose } from '@vueuse/core'
import { shallowRef, type ShallowRef } from 'vue'
import { createLongFrameCounter, type LongFrameCounter } from './longFrames'
import { renderScheduler, type RenderScheduler, type RenderStats } from './scheduler'

export interface RenderHealth {
  stats: Readonly<ShallowRef<RenderStats>>
  longFrames: LongFrameCounter
}

/**
 * Once said, "behind" stays at least this long after the page caught up (ms): a page behind by
 * turns shows one steady note, not one that blinks every other second.
 */
export const BEHIND_NOTE_HOLD_MS = 3000

/** Health of `scheduler` (the page's by default); released with the calling scope. */
export function useRenderHealthOf(scheduler: RenderScheduler = renderScheduler): RenderHealth {
  const stats = shallowRef(scheduler.stats())
  let release: ReturnType<typeof setTimeout> | undefined
  const stop = scheduler.onStats((next) => {
    const prev = stats.value
    if (prev.behind && !next.behind) {
      release ??= setTimeout(() => {
        release = undefined
        stats.value = scheduler.stats()
      }, BEHIND_NOTE_HOLD_MS)
      return
    }
    clearTimeout(release)
    release = undefined
    // Only what the header shows moves the ref: a new object per window would re-render it every
    // second (the drawer reads the scheduler's fresh stats on its own clock).
    if (next.behind !== prev.behind || (next.behind && next.intervalMs !== prev.intervalMs))
      stats.value = next
  })
  const longFrames = createLongFrameCounter()
  tryOnScopeDispose(() => {
    stop()
    clearTimeout(release)
    longFrames.dispose()
  })
  return { stats, longFrames }
}

/** One for the page: the header and the drawer read the same counters. */
export const useRenderHealth = createSharedComposable(() => useRenderHealthOf())

/** "drawing every 500 ms": the interval rounded to what a person reads at a glance. */
export function drawingEveryText(intervalMs: number): string {
  const rounded =
    intervalMs >= 1000 ? Math.round(intervalMs / 500) * 500 : Math.round(intervalMs / 50) * 50
  return rounded >= 1000 && rounded % 1000 === 0
    ? `drawing every ${rounded / 1000} s`
    : `drawing every ${rounded} ms`
}

/**
 * The header's note while the display lags: drawing less often than data comes, data arriving late
 * (see streamLateness), or both; null while the page keeps up. `spoken`: the same without the
 * figures, for screen readers (a live region would otherwise announce every new figure).
 */
export function behindText(
  drawingIntervalMs: number | null,
  lateMs: number | null,
  spoken = false,
): string | null {
  const drawing =
    drawingIntervalMs === null
      ? null
      : spoken
        ? 'drawing less often'
        : drawingEveryText(drawingIntervalMs)
  if (lateMs === null) return drawing === null ? null : `${drawing} — the page is behind`
  const late = spoken ? 'data arrives late' : `data arrives ${Math.round(lateMs / 1000)} s late`
  return `${drawing === null ? '' : `${drawing} · `}${late} — the display is behind real time`
}
