// What a panel draws: the store's data at its latest version, frozen while "Pause live" is on.
import { shallowRef, watch, type ShallowRef } from 'vue'
import { useConnectionStore } from '@/stores/connectionStore'

/**
 * Re-reads `read()` on every store version bump unless the display is paused; on resume it reads
 * at once, which jumps to the live edge. Versions move once per frame at most, and at the render
 * scheduler's pace while the page is behind (see useChannelFeeds). `read` runs untracked.
 */
export function useLiveSnapshot<T>(read: () => T, version: () => number): Readonly<ShallowRef<T>> {
  const connection = useConnectionStore()
  const snapshot = shallowRef<T>(read())
  watch([version, () => connection.paused], () => {
    if (!connection.paused) snapshot.value = read()
  })
  return snapshot
}
