// What a panel draws: the store's data at its latest version, frozen while "Pause live" is on, and
// re-read at most once a second while the panel is out of view.
import { tryOnScopeDispose, useElementVisibility, type MaybeElementRef } from '@vueuse/core'
import { shallowRef, watch, type Ref, type ShallowRef } from 'vue'
import { renderScheduler } from '@/render/scheduler'
import { useConnectionStore } from '@/stores/connectionStore'

/**
 * Out of view, a panel's snapshot is re-read at most this often (ms). Updating DOM nobody sees
 * costs as much as updating what is on screen: cards mounting and unmounting below the fold took
 * two thirds of Vue's work at 1,000 ev/s. Once a second keeps find-in-page, screen readers and a
 * scroll into view close to live; coming into view re-reads at once.
 */
export const OFFSCREEN_REFRESH_MS = 1000

/**
 * Re-reads `read()` on every store version bump unless the display is paused; on resume it reads
 * at once, which jumps to the live edge. Versions move once per frame at most, and at the render
 * scheduler's pace while the page is behind (see useChannelFeeds). While `inView` is false, reads
 * are spaced OFFSCREEN_REFRESH_MS apart, the last version always read, and each takes a heavy turn
 * of the render scheduler: a panel re-rendered below the fold (cards mounting, their layout) costs
 * as much as a chart's draw, so it never shares a frame with one, or with another panel's read.
 * `read` runs untracked.
 */
export function useLiveSnapshot<T>(
  read: () => T,
  version: () => number,
  inView?: Readonly<Ref<boolean>>,
): Readonly<ShallowRef<T>> {
  const connection = useConnectionStore()
  const snapshot = shallowRef<T>(read())
  let lastRead = Date.now()
  let readVersion = version()
  let timer: ReturnType<typeof setTimeout> | undefined
  const refresh = () => {
    clearTimeout(timer)
    timer = undefined
    if (connection.paused) return
    lastRead = Date.now()
    readVersion = version()
    snapshot.value = read()
  }
  // The scheduler's turn may come after the panel came into view and read: nothing left to read.
  const offscreenTurn = inView
    ? renderScheduler.register({
        heavy: true,
        dirty: false,
        draw: () => {
          if (version() !== readVersion) refresh()
        },
      })
    : null
  watch([version, () => connection.paused, () => inView?.value ?? true], () => {
    if (connection.paused || !offscreenTurn || inView?.value !== false) return refresh()
    const wait = OFFSCREEN_REFRESH_MS - (Date.now() - lastRead)
    if (wait <= 0) offscreenTurn.invalidate()
    else
      timer ??= setTimeout(() => {
        timer = undefined
        offscreenTurn.invalidate()
      }, wait)
  })
  tryOnScopeDispose(() => {
    clearTimeout(timer)
    offscreenTurn?.dispose()
  })
  return snapshot
}

/**
 * Whether any part of `target` (a panel) is on screen, for `useLiveSnapshot`. True until the
 * first observation, and always where IntersectionObserver is missing.
 */
export function useInView(target: MaybeElementRef): Readonly<Ref<boolean>> {
  return useElementVisibility(target, { initialValue: true })
}
