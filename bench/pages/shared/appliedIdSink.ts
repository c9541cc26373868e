// Listens to the app's own debug hook (`window.__rtm`) to time when its events were applied to the
// stores and when they were published for Vue to render.
import type { Channel } from '@/protocol/contract'
import { CHANNELS } from '@/protocol/contract'
import { frameFlag } from './frameFlag'
import type { Recorder } from './recorder'

/**
 * The app's debug hook pushes each applied id onto `window.__rtm.applied[channel]` inside the frame
 * batch that applies it, and calls `window.__rtm.published(channel)` when the store publishes what
 * it applied (in the same frame while the page keeps up; at the render scheduler's turn while it is
 * behind). The arrays set up here stamp "applied" in a microtask right after the batch (before Vue
 * renders); an event's paint stamp waits for its channel's publication and then for the frame
 * after it, so "painted" includes any time the page held the event back. No store action is
 * wrapped, so Pinia's own per-action cost is all the app's. Call before the app starts.
 */
export function listenToAppliedIds(recorder: Recorder): void {
  /** Applied but not yet published, per channel (indexes into the recorder). */
  const unpublished = new Map<string, number[]>()
  /** Applied ids not stamped yet, in push order (the stamping microtask is queued at the first). */
  const fresh: [string, string][] = []
  let stamping = false
  const stamp = () => {
    stamping = false
    const at = performance.timeOrigin + performance.now()
    for (const [channel, id] of fresh) {
      const index = recorder.markApplied(id, at, false)
      if (index === null) continue
      let list = unpublished.get(channel)
      if (!list) unpublished.set(channel, (list = []))
      list.push(index)
    }
    fresh.length = 0
  }
  const sink = (channel: string): string[] => {
    const array: string[] = []
    array.push = (...pushed: string[]) => {
      for (const id of pushed) fresh.push([channel, id])
      if (!stamping) {
        stamping = true
        queueMicrotask(stamp)
      }
      return 0
    }
    return array
  }
  const published = (channel: string) => {
    const inFrame = frameFlag.inside
    // After the stamping microtask of the ids pushed before this call (queued earlier).
    queueMicrotask(() => {
      const list = unpublished.get(channel)
      if (!list || list.length === 0) return
      unpublished.delete(channel)
      recorder.awaitPaint(list)
      recorder.batchDone(inFrame)
    })
  }
  const applied = Object.fromEntries(CHANNELS.map((channel) => [channel, sink(channel)])) as Record<
    Channel,
    string[]
  >
  window.__rtm = { applied, published }
}
