// What a panel draws: the store's data at its latest version, frozen while "Pause live" is on.
import { shallowRef, watch, type ShallowRef } from 'vue'
import { useConnectionStore } from '@/stores/connectionStore'

/**
 * Re-reads `read()` on every store version bump unless the display is paused; on resume it reads at
 * once, which jumps to the live edge. `read` runs untracked: only `version` drives updates.
 */
export function useLiveSnapshot<T>(read: () => T, version: () => number): Readonly<ShallowRef<T>> {
  const connection = useConnectionStore()
  const snapshot = shallowRef<T>(read())
  watch([version, () => connection.paused], () => {
    if (!connection.paused) snapshot.value = read()
  })
  return snapshot
}
