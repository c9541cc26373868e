// Frame batching: every channel's batch is handed over in the same frame callback, so stores commit
// together and Vue renders once per frame.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  APPLY_CHUNK,
  BACKLOG_LIMIT,
  createFrameBatcher,
  FRAME_APPLY_MS,
  frameBacklog,
  whenBacklogFits,
} from '@/render/frameBatcher'

afterEach(() => {
  vi.restoreAllMocks()
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

  it('applies a backlog over several frames, in order, each frame within its budget', () => {
    vi.useFakeTimers()
    const frames = stubFrames()
    let clock = 0
    vi.spyOn(performance, 'now').mockImplementation(() => clock)
    // Each chunk costs 5 ms: a frame hands over chunks until its budget is spent.
    const costMs = 5
    const perFrame = Math.ceil(FRAME_APPLY_MS / costMs)
    const chunks: number[][] = []
    const batcher = createFrameBatcher<number>((items) => {
      chunks.push(items)
      clock += costMs
    })
    const total = APPLY_CHUNK * (perFrame * 2 + 1)
    for (let i = 0; i < total; i += 1) batcher.push(i)

    frames.runFrame()
    expect(chunks).toHaveLength(perFrame)
    expect(chunks.every((chunk) => chunk.length === APPLY_CHUNK)).toBe(true)
    // What is left asked for the next frame; events pushed meanwhile come after it.
    expect(frames.requested).toBe(1)
    batcher.push(total)
    frames.runFrame()
    expect(chunks).toHaveLength(perFrame * 2)
    frames.runFrame()
    expect(frames.requested).toBe(0)
    expect(chunks.flat()).toEqual(Array.from({ length: total + 1 }, (_, i) => i))
  })

  it('hands a backlog over whole where frames do not come, and on flush()', () => {
    vi.useFakeTimers()
    stubFrames()
    let clock = 0
    vi.spyOn(performance, 'now').mockImplementation(() => clock)
    const delivered: number[][] = []
    const batcher = createFrameBatcher<number>((items) => {
      delivered.push(items)
      clock += 100
    })
    const total = APPLY_CHUNK * 4
    for (let i = 0; i < total; i += 1) batcher.push(i)
    vi.advanceTimersByTime(300)
    expect(delivered.map((items) => items.length)).toEqual([total])
    for (let i = 0; i < total; i += 1) batcher.push(i)
    batcher.flush()
    expect(delivered.map((items) => items.length)).toEqual([total, total])
    // The frame asked for by the pushes still comes (with nothing left to hand over).
    vi.advanceTimersByTime(300)
    expect(delivered).toHaveLength(2)
  })

  it('a chunk whose handler throws is not handed over again; the rest still is', () => {
    vi.useFakeTimers()
    const frames = stubFrames()
    vi.stubGlobal('queueMicrotask', () => {})
    const delivered: number[] = []
    let calls = 0
    const batcher = createFrameBatcher<number>((items) => {
      calls += 1
      if (calls === 1) throw new Error('boom')
      delivered.push(...items)
    })
    const total = APPLY_CHUNK * 2
    for (let i = 0; i < total; i += 1) batcher.push(i)
    for (let frame = 0; frame < 3; frame += 1) frames.runFrame()
    expect(delivered).toEqual(Array.from({ length: APPLY_CHUNK }, (_, i) => APPLY_CHUNK + i))
  })
})

describe('the frames backlog', () => {
  it('past BACKLOG_LIMIT waiting items, a reader is told to wait until frames bring it to half', async () => {
    vi.useFakeTimers()
    const frames = stubFrames()
    // Each look at the clock is a millisecond later: a frame applies FRAME_APPLY_MS chunks at most.
    let now = 0
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 1))
    const applied: number[] = []
    const batcher = createFrameBatcher<number>((items) => applied.push(...items))
    const before = frameBacklog()
    let pushed = 0
    while (whenBacklogFits() === null) batcher.push((pushed += 1))
    expect(frameBacklog()).toBe(before + pushed)
    expect(frameBacklog()).toBe(BACKLOG_LIMIT + 1)

    let resumed = false
    void whenBacklogFits()?.then(() => (resumed = true))
    frames.runFrame()
    await Promise.resolve()
    // One frame applies a dozen chunks: still far from half the limit.
    expect(applied.length).toBeLessThanOrEqual((FRAME_APPLY_MS + 1) * APPLY_CHUNK)
    expect(resumed).toBe(false)
    while (frameBacklog() > BACKLOG_LIMIT / 2) frames.runFrame()
    await Promise.resolve()
    expect(resumed).toBe(true)
    expect(whenBacklogFits()).toBeNull()
    // Nothing lost or reordered on the way.
    frames.runFrame()
    while (frameBacklog() > 0) frames.runFrame()
    expect(applied).toEqual(Array.from({ length: pushed }, (_, i) => i + 1))
    batcher.dispose()
  })

  it('a disposed batcher takes its items off the backlog and lets waiting readers go', async () => {
    vi.useFakeTimers()
    stubFrames()
    const batcher = createFrameBatcher<number>(() => {})
    const before = frameBacklog()
    while (whenBacklogFits() === null) batcher.push(1)
    let resumed = false
    void whenBacklogFits()?.then(() => (resumed = true))
    batcher.dispose()
    await Promise.resolve()
    expect(resumed).toBe(true)
    expect(frameBacklog()).toBe(before)
  })
})
