// Frame batching: every channel's batch is handed over in the same frame callback, so stores commit
// together and Vue renders once per frame.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFrameBatcher } from '@/realtime/frameBatcher'

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

function stubFrames() {
  const callbacks: FrameRequestCallback[] = []
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) =>
    callbacks.push(callback),
  )
  vi.stubGlobal('cancelAnimationFrame', () => {})
  return {
    get requested() {
      return callbacks.length
    },
    runFrame() {
      const due = callbacks.splice(0)
      for (const callback of due) callback(0)
    },
  }
}

describe('createFrameBatcher', () => {
  it('hands over every batcher in one frame callback, in the order they first pushed', () => {
    vi.useFakeTimers()
    const frames = stubFrames()
    const delivered: string[] = []
    const a = createFrameBatcher<number>((items) => delivered.push(`a:${items.join(',')}`))
    const b = createFrameBatcher<number>((items) => delivered.push(`b:${items.join(',')}`))
    b.push(1)
    a.push(2)
    b.push(3)
    expect(frames.requested).toBe(1)
    frames.runFrame()
    expect(delivered).toEqual(['b:1,3', 'a:2'])
    a.push(4)
    expect(frames.requested).toBe(1)
    frames.runFrame()
    expect(delivered).toEqual(['b:1,3', 'a:2', 'a:4'])
  })

  it('a batcher that throws does not keep the others waiting', () => {
    vi.useFakeTimers()
    const frames = stubFrames()
    const delivered: number[][] = []
    const failing = createFrameBatcher<number>(() => {
      throw new Error('boom')
    })
    const healthy = createFrameBatcher<number>((items) => delivered.push(items))
    failing.push(1)
    healthy.push(2)
    const surfaced: unknown[] = []
    vi.stubGlobal('queueMicrotask', (task: () => void) => {
      try {
        task()
      } catch (error) {
        surfaced.push(error)
      }
    })
    frames.runFrame()
    expect(delivered).toEqual([[2]])
    expect(surfaced).toHaveLength(1)
  })

  it('drains on a timer where frames do not come (a hidden tab)', () => {
    vi.useFakeTimers()
    stubFrames()
    const delivered: number[][] = []
    const batcher = createFrameBatcher<number>((items) => delivered.push(items))
    batcher.push(1)
    batcher.push(2)
    vi.advanceTimersByTime(300)
    expect(delivered).toEqual([[1, 2]])
  })
})
