// One tab per browser speaks (sound, desktop notification). Where every tab shares the realtime
// engine (a SharedWorker), the engine picks it: the focused visible tab first, then a visible one.
// Elsewhere the tabs hold a Web Lock and its holder speaks, handed over when it closes; without
// Web Locks every tab speaks, as a tab alone would.
import { tryOnScopeDispose } from '@vueuse/core'
import { computed, inject, shallowRef, toValue, type MaybeRefOrGetter } from 'vue'
import type { EngineInfo } from '@/realtime/realtimeSource'
import { REALTIME_CLIENT } from './useRealtimeClient'

/** What a realtime source may say about the voice (the page's proxy of a shared engine does). */
interface VoiceSource {
  readonly engine?: EngineInfo
  readonly voice?: boolean | null
  onVoiceChange?(listener: (voice: boolean) => void): () => void
}

export function useTabVoice(
  name: MaybeRefOrGetter<string>,
  source: VoiceSource | null = inject(REALTIME_CLIENT, null),
) {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  const holdsLock = shallowRef(!locks)
  /** The shared engine's choice; null until it made one, or where the engine is not shared. */
  const chosen = shallowRef<boolean | null>(null)
  const controller = typeof AbortController === 'undefined' ? null : new AbortController()
  let release: (() => void) | null = null

  if (locks && controller) {
    locks
      .request(toValue(name), { signal: controller.signal }, () => {
        holdsLock.value = true
        // Held until the tab goes away or the scope ends; the browser then hands it to another tab.
        return new Promise<void>((resolve) => (release = resolve))
      })
      .catch(() => {
        // Aborted before it was granted: nothing held, nothing to do.
      })
  }
  const follow = (voice: boolean) => {
    chosen.value = source?.engine?.host === 'shared-worker' ? voice : null
  }
  const stopFollowing = source?.onVoiceChange?.(follow)
  if (typeof source?.voice === 'boolean') follow(source.voice)

  tryOnScopeDispose(() => {
    stopFollowing?.()
    controller?.abort()
    release?.()
    holdsLock.value = false
  })

  /** True while this tab is the one that speaks. */
  const isVoice = computed(() => chosen.value ?? holdsLock.value)
  return { isVoice }
}
