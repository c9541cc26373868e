// What a panel draws: every version while in view, at most one read a second out of view (the last
// version always read, at a heavy turn of the render scheduler), at once when it comes into view,
// nothing while paused.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, shallowRef } from 'vue'
import { OFFSCREEN_REFRESH_MS, useLiveSnapshot } from '@/composables/useLiveSnapshot'
import { useConnectionStore } from '@/stores/connectionStore'

let scope = effectScope()
/** Animation frames asked for and not run yet (jsdom draws no frames: the test runs them). */
let frames: FrameRequestCallback[] = []
function runFrame(): void {
  const due = frames
  frames = []
  for (const callback of due) callback(performance.now())
}
beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
  frames = []
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback))
  vi.stubGlobal('cancelAnimationFrame', () => {})
  scope = effectScope()
})
afterEach(() => {
  scope.stop()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

/** A store stand-in: its data and the version that moves with each commit. */
function setup(initiallyInView: boolean) {
  const data = { value: 0 }
  const version = shallowRef(0)
  const inView = shallowRef(initiallyInView)
  let reads = 0
  const snapshot = scope.run(() =>
    useLiveSnapshot(
      () => {
        reads += 1
        return data.value
      },
      () => version.value,
      inView,
    ),
  )!
  const commit = async (value: number) => {
    data.value = value
    version.value += 1
    await nextTick()
  }
  return { snapshot, inView, commit, reads: () => reads }
}

describe('useLiveSnapshot', () => {
  it('reads every version while the panel is in view', async () => {
    const { snapshot, commit } = setup(true)
    for (let value = 1; value <= 5; value += 1) {
      await commit(value)
      expect(snapshot.value).toBe(value)
    }
  })

  it('out of view, reads at most once a second and always ends on the newest version', async () => {
    const { snapshot, commit, reads } = setup(false)
    vi.advanceTimersByTime(OFFSCREEN_REFRESH_MS)
    await commit(1)
    // A second has passed since the first read: this version is read at the next frame.
    runFrame()
    expect(snapshot.value).toBe(1)
    const before = reads()
    for (let value = 2; value <= 30; value += 1) {
      vi.advanceTimersByTime(20)
      await commit(value)
      runFrame()
    }
    // 29 versions over 580 ms: none read yet, the panel still shows version 1.
    expect(reads()).toBe(before)
    expect(snapshot.value).toBe(1)
    vi.advanceTimersByTime(OFFSCREEN_REFRESH_MS)
    runFrame()
    expect(reads()).toBe(before + 1)
    expect(snapshot.value).toBe(30)
  })

  it('out of view, two panels due at once read in different frames, and each once', async () => {
    const first = setup(false)
    const second = setup(false)
    vi.advanceTimersByTime(OFFSCREEN_REFRESH_MS)
    await first.commit(1)
    await second.commit(1)
    const before = [first.reads(), second.reads()]
    runFrame()
    // One heavy turn per frame: one panel re-rendered, the other waits for the next frame.
    expect(first.reads() + second.reads()).toBe(before[0]! + before[1]! + 1)
    runFrame()
    expect([first.snapshot.value, second.snapshot.value]).toEqual([1, 1])
    expect([first.reads(), second.reads()]).toEqual([before[0]! + 1, before[1]! + 1])
    runFrame()
    expect([first.reads(), second.reads()]).toEqual([before[0]! + 1, before[1]! + 1])
  })

  it('a turn that comes after the panel came into view reads nothing again', async () => {
    const { snapshot, inView, commit, reads } = setup(false)
    vi.advanceTimersByTime(OFFSCREEN_REFRESH_MS)
    await commit(1)
    inView.value = true
    await nextTick()
    expect(snapshot.value).toBe(1)
    const before = reads()
    runFrame()
    expect(reads()).toBe(before)
  })

  it('reads at once when the panel comes into view', async () => {
    const { snapshot, inView, commit } = setup(false)
    await commit(1)
    await commit(2)
    expect(snapshot.value).toBe(0)
    inView.value = true
    await nextTick()
    expect(snapshot.value).toBe(2)
    await commit(3)
    expect(snapshot.value).toBe(3)
  })

  it('reads nothing while paused, on or off screen, and the newest version on resume', async () => {
    const { snapshot, inView, commit } = setup(false)
    const connection = useConnectionStore()
    connection.setPaused(true)
    await commit(1)
    vi.advanceTimersByTime(5 * OFFSCREEN_REFRESH_MS)
    inView.value = true
    await commit(2)
    expect(snapshot.value).toBe(0)
    connection.setPaused(false)
    await nextTick()
    expect(snapshot.value).toBe(2)
  })
})
