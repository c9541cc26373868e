// A wall clock for countdowns and ages ("reconnecting in 4 s", "no update for 12 s"), shared per interval.
import { useIntervalFn } from '@vueuse/core'
import { effectScope, shallowRef, type ShallowRef } from 'vue'

const clocks = new Map<number, ShallowRef<number>>()

/**
 * Epoch ms, advanced every `intervalMs`. One timer per interval for the whole app, started on first
 * use and kept (the page lives all day; a one-second timer is cheap).
 */
export function useNow(intervalMs = 1000): Readonly<ShallowRef<number>> {
  let clock = clocks.get(intervalMs)
  if (!clock) {
    const now = shallowRef(Date.now())
    // Detached: the timer must not die with the first component that asked for it.
    effectScope(true).run(() => useIntervalFn(() => (now.value = Date.now()), intervalMs))
    clocks.set(intervalMs, now)
    clock = now
  }
  return clock
}
