// Listens to the app's own debug hook (`window.__rtm.applied`) to time when its frame batches were applied.
import type { Channel } from '@/protocol/contract'
import { CHANNELS } from '@/protocol/contract'
import { frameFlag } from './frameFlag'
import type { Recorder } from './recorder'

/**
 * The app's debug hook pushes each applied id onto `window.__rtm.applied[channel]` inside the frame
 * batch that applies and commits it. The arrays set up here record those ids instead, and stamp
 * them in a microtask, i.e. right after the batch's commit (before Vue renders). No store action
 * is wrapped, so Pinia's own per-action cost is all the app's. Call before the app starts.
 */
export function listenToAppliedIds(recorder: Recorder): void {
  const sink = (): string[] => {
    const ids: string[] = []
    let queued = false
    let inFrame = false
    const array: string[] = []
    array.push = (...pushed: string[]) => {
      ids.push(...pushed)
      if (!queued) {
        queued = true
        inFrame = frameFlag.inside
        queueMicrotask(() => {
          queued = false
          const at = performance.timeOrigin + performance.now()
          for (const id of ids) recorder.markApplied(id, at)
          ids.length = 0
          recorder.batchDone(inFrame)
        })
      }
      return 0
    }
    return array
  }
  const applied = Object.fromEntries(CHANNELS.map((channel) => [channel, sink()])) as Record<
    Channel,
    string[]
  >
  window.__rtm = { applied }
}
