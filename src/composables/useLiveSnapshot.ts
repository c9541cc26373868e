// What a panel draws: the store's data at its latest version, frozen while "Pause live" is on.
import { tryOnScopeDispose } from '@vueuse/core'
import { shallowRef, watch, type ShallowRef } from 'vue'
import { renderScheduler } from '@/render/scheduler'
import { useConnectionStore } from '@/stores/connectionStore'

/**
 * Re-reads `read()` on every store version bump (the stores commit once per frame, so this is the
 * latest snapshot per frame) unless the display is paused; on resume it reads at once, which jumps
 * to the live edge. While the page is behind, the re-read waits for the render scheduler's turn,
 * so panels are redrawn as often as the charts and no more. `read` runs untracked.
 */
export function useLiveSnapshot<T>(read: () => T, version: () => number): Readonly<ShallowRef<T>> {
  const connection = useConnectionStore()
  const snapshot = shallowRef<T>(read())
  const task = renderScheduler.register({
    dirty: false,
    draw: () => {
      if (!connection.paused) snapshot.value = read()
    },
  })
  watch([version, () => connection.paused], () => {
    if (connection.paused) return
    if (renderScheduler.stats().behind) task.invalidate()
    else snapshot.value = read()
  })
  tryOnScopeDispose(() => task.dispose())
  return snapshot
}
