// One tab per browser speaks (sound, desktop notification): the holder of a Web Lock, handed over
// when it closes. Without Web Locks every tab speaks, as a tab alone would.
import { tryOnScopeDispose } from '@vueuse/core'
import { shallowRef, toValue, type MaybeRefOrGetter } from 'vue'

export function useTabVoice(name: MaybeRefOrGetter<string>) {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  /** True while this tab is the one that speaks. */
  const isVoice = shallowRef(!locks)
  const controller = typeof AbortController === 'undefined' ? null : new AbortController()
  let release: (() => void) | null = null

  if (locks && controller) {
    locks
      .request(toValue(name), { signal: controller.signal }, () => {
        isVoice.value = true
        // Held until the tab goes away or the scope ends; the browser then hands it to another tab.
        return new Promise<void>((resolve) => (release = resolve))
      })
      .catch(() => {
        // Aborted before it was granted: nothing held, nothing to do.
      })
  }

  tryOnScopeDispose(() => {
    controller?.abort()
    release?.()
    isVoice.value = false
  })

  return { isVoice }
}
