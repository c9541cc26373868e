import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { BEHIND_NOTE_HOLD_MS, useRenderHealthOf } from '@/render/useRenderHealth'
import { BEHIND_INTERVAL_MS } from '@/render/renderLoad'
import { FRAME_BUDGET_MS, RenderScheduler, type SchedulerEnvironment } from '@/render/scheduler'

/** A fake clock and frame source: each frame advances the clock by `frameMs`. */
function fakeEnvironment() {
  let now = 0
  let hidden = false
  let frames: ((time: number) => void)[] = []
  const visibility = new Set<() => void>()
  const longFrames = new Set<(start: number, duration: number) => void>()
  const env: SchedulerEnvironment = {
    now: () => now,
    requestFrame: (callback) => frames.push(callback),
    cancelFrame: () => {
      frames = []
    },
    hidden: () => hidden,
    onVisibilityChange: (listener) => {
      visibility.add(listener)
      return () => visibility.delete(listener)
    },
    onLongFrame: (listener) => {
      longFrames.add(listener)
      return () => longFrames.delete(listener)
    },
  }
  return {
    env,
    advance(ms: number) {
      now += ms
    },
    frame(frameMs = 1000 / 60) {
      now += frameMs
      const due = frames
      frames = []
      for (const callback of due) callback(now)
    },
    pending: () => frames.length,
    /** The observer reports a long frame that started at `start` (by default: now). */
    longFrame(duration: number, start = now) {
      for (const listener of longFrames) listener(start, duration)
    },
    setHidden(value: boolean) {
      hidden = value
      for (const listener of visibility) listener()
    },
  }
}

function chartTask(scheduler: RenderScheduler, env: ReturnType<typeof fakeEnvironment>, cost = 2) {
  const drawn: number[] = []
  const task = scheduler.register({
    heavy: true,
    draw: () => {
      drawn.push(env.env.now())
      env.advance(cost)
    },
  })
  return { task, drawn }
}

describe('RenderScheduler', () => {
  it('draws at most one heavy task per frame, round-robin, oldest first', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const charts = [0, 1, 2].map(() => chartTask(scheduler, env))
    for (const { task } of charts) task.invalidate()
    env.frame()
    expect(charts.map((c) => c.drawn.length)).toEqual([1, 0, 0])
    env.frame()
    env.frame()
    expect(charts.map((c) => c.drawn.length)).toEqual([1, 1, 1])
    // Nothing dirty any more: a second later the loop stops asking for frames.
    for (let i = 0; i < 70 && env.pending() > 0; i += 1) env.frame()
    expect(env.pending()).toBe(0)
    expect(charts.map((c) => c.drawn.length)).toEqual([1, 1, 1])
    charts[2]?.task.invalidate()
    charts[0]?.task.invalidate()
    env.frame()
    // The one drawn longest ago goes first.
    expect(charts.map((c) => c.drawn.length)).toEqual([2, 1, 1])
  })

  it('keeps light tasks within the frame budget and never draws an off-screen task', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    let light = 0
    const lights = [0, 1, 2, 3].map(() =>
      scheduler.register({
        draw: () => {
          light += 1
          env.advance(FRAME_BUDGET_MS / 2)
        },
      }),
    )
    const hiddenChart = chartTask(scheduler, env)
    hiddenChart.task.setVisible(false)
    hiddenChart.task.invalidate()
    for (const task of lights) task.invalidate()
    env.frame()
    expect(light).toBe(2)
    env.frame()
    expect(light).toBe(4)
    expect(hiddenChart.drawn).toHaveLength(0)
    hiddenChart.task.setVisible(true)
    env.frame()
    expect(hiddenChart.drawn).toHaveLength(1)
  })

  it('does not draw while the page is hidden and catches up when it shows', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    env.setHidden(true)
    chart.task.invalidate()
    expect(chart.task.drawNow()).toBe(false)
    env.frame()
    expect(chart.drawn).toHaveLength(0)
    env.setHidden(false)
    env.frame()
    expect(chart.drawn).toHaveLength(1)
  })

  it('stretches the redraw interval and reports being behind when frames are missed, then recovers', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    const reports: boolean[] = []
    scheduler.onStats((stats) => reports.push(stats.behind))
    // 10 frames a second: the page cannot keep up; the chart stays dirty all along.
    for (let i = 0; i < 60; i += 1) {
      chart.task.invalidate()
      env.frame(100)
    }
    const stretched = scheduler.stats()
    expect(stretched.behind).toBe(true)
    expect(stretched.intervalMs).toBeGreaterThanOrEqual(BEHIND_INTERVAL_MS)
    // While behind, the chart is drawn at the stretched interval, not every frame.
    const before = chart.drawn.length
    for (let i = 0; i < 10; i += 1) {
      chart.task.invalidate()
      env.frame(100)
    }
    expect(chart.drawn.length - before).toBeLessThan(10)
    // Full frame rate again: the interval shrinks back and the page is no longer behind.
    for (let i = 0; i < 60 * 20; i += 1) {
      chart.task.invalidate()
      env.frame()
    }
    expect(scheduler.stats().behind).toBe(false)
    expect(reports).toContain(true)
    expect(reports.at(-1)).toBe(false)
  })

  it('says behind after one window when the page is swamped (a frame every 200 ms)', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    for (let i = 0; i < 7; i += 1) {
      chart.task.invalidate()
      env.frame(200)
    }
    expect(scheduler.stats().behind).toBe(true)
  })

  it('stops saying behind at a middling frame rate without long frames (it was behind only once)', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    for (let i = 0; i < 60; i += 1) {
      chart.task.invalidate()
      env.frame(100)
    }
    expect(scheduler.stats().behind).toBe(true)
    // 38 frames a second, none long: not overloaded, not idle either; the interval still relaxes.
    for (let i = 0; i < 38 * 20; i += 1) {
      chart.task.invalidate()
      env.frame(1000 / 38)
    }
    expect(scheduler.stats().behind).toBe(false)
  })

  it('stops saying behind after one clean second at full frame rate, not before', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    // The page's first draw of everything: a few very long frames stretch the interval far.
    for (let i = 0; i < 5; i += 1) env.longFrame(400)
    expect(scheduler.stats().intervalMs).toBeGreaterThanOrEqual(1000)
    const second = (long: number | null) => {
      for (let i = 0; i < 60; i += 1) {
        chart.task.invalidate()
        env.frame()
        if (long !== null && i === 30) env.longFrame(long)
      }
    }
    // Full frame rate, but one frame a little over 50 ms in each second: still behind.
    second(60)
    second(60)
    second(60)
    expect(scheduler.stats().behind).toBe(true)
    // One second at full rate without a long frame (a few more frames close its window): keeping
    // up, at once.
    second(null)
    for (let i = 0; i < 5; i += 1) env.frame()
    expect(scheduler.stats()).toMatchObject({ behind: false, intervalMs: 0 })
  })

  it('keeps saying behind, without flicker, while overloaded and clean seconds take turns', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    const reports: boolean[] = []
    // Behind first: 10 frames a second for six seconds.
    for (let i = 0; i < 60; i += 1) {
      chart.task.invalidate()
      env.frame(100)
    }
    expect(scheduler.stats().behind).toBe(true)
    scheduler.onStats((stats) => reports.push(stats.behind))
    for (let turn = 0; turn < 6; turn += 1) {
      // A clean second at full frame rate, then an overloaded one at 10 frames a second.
      for (let i = 0; i < 61; i += 1) {
        chart.task.invalidate()
        env.frame()
      }
      for (let i = 0; i < 11; i += 1) {
        chart.task.invalidate()
        env.frame(100)
      }
    }
    expect(reports.length).toBeGreaterThanOrEqual(10)
    expect(reports.every((behind) => behind)).toBe(true)
  })

  it('does not count one-offs as load: frames from before it watched, and set-ups', () => {
    const env = fakeEnvironment()
    env.advance(5000)
    const scheduler = new RenderScheduler(env.env, 1000)
    // A chart whose first draw builds its canvas (its set-up) in 300 ms; later ones take 2 ms.
    let cost = 300
    const task = scheduler.register({
      heavy: true,
      draw: () => {
        env.advance(cost)
        return cost === 300 ? 'set-up' : undefined
      },
    })
    // The page's start: before the scheduler watched (module evaluation, first mount), and in its
    // first second (here) of watching (every channel's first data mounting rows and cards).
    env.longFrame(400, 4800)
    env.longFrame(400, 5900)
    expect(scheduler.stats().behind).toBe(false)
    env.advance(1000)
    const before = env.env.now()
    env.frame()
    cost = 2
    // The frame that held the set-up is reported: not load, the interval is not stretched.
    env.longFrame(env.env.now() - before + 10, before - 5)
    task.invalidate()
    for (let i = 0; i < 200 && env.pending() > 0; i += 1) env.frame()
    expect(env.pending()).toBe(0)
    expect(scheduler.stats()).toMatchObject({ behind: false, intervalMs: 0 })
    // A long frame with no set-up in it is load (here with the loop idle, nothing to draw).
    env.longFrame(400)
    expect(scheduler.stats().behind).toBe(true)
  })

  it('counts long animation frames as falling behind even at a fair frame rate', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const chart = chartTask(scheduler, env)
    for (let second = 0; second < 4; second += 1) {
      for (let i = 0; i < 60; i += 1) {
        chart.task.invalidate()
        env.frame()
      }
      // Two 200 ms frames a second (reported by the observer, between the frames counted here).
      env.longFrame(200)
      env.longFrame(200)
    }
    expect(scheduler.stats().behind).toBe(true)
  })

  it('keeps drawing the other tasks when one of them throws', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const failing = scheduler.register({
      draw: () => {
        throw new Error('bad option')
      },
    })
    const errors: unknown[] = []
    const original = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    try {
      const chart = chartTask(scheduler, env)
      failing.invalidate()
      chart.task.invalidate()
      env.frame()
      env.frame()
      expect(chart.drawn).toHaveLength(1)
      expect(errors).toHaveLength(1)
    } finally {
      console.error = original
    }
  })

  it('says it is behind on a very long frame even when nothing waits to be drawn', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    chartTask(scheduler, env).task.drawNow()
    expect(scheduler.stats().behind).toBe(false)
    env.longFrame(400)
    expect(scheduler.stats().behind).toBe(true)
    expect(scheduler.stats().intervalMs).toBeGreaterThanOrEqual(BEHIND_INTERVAL_MS)
  })

  it("draws the frame's chart in a task of its own after the frame where the browser allows it", () => {
    const env = fakeEnvironment()
    const after: (() => void)[] = []
    const scheduler = new RenderScheduler({
      ...env.env,
      afterFrame: (callback) => after.push(callback),
    })
    const chart = chartTask(scheduler, env)
    let light = 0
    const panel = scheduler.register({
      draw: () => {
        light += 1
      },
    })
    chart.task.invalidate()
    panel.invalidate()
    env.frame()
    // The panel is drawn in the frame; the chart waits for the task after it.
    expect(light).toBe(1)
    expect(chart.drawn).toHaveLength(0)
    after.shift()?.()
    expect(chart.drawn).toHaveLength(1)
    chart.task.dispose()
    chart.task.invalidate()
    env.frame()
    expect(after).toHaveLength(0)
  })

  it('draws a costly chart less often than a cheap one: each takes a bounded share of the thread', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const cheap = chartTask(scheduler, env, 2)
    const costly = chartTask(scheduler, env, 12)
    for (const chart of [cheap, costly]) chart.task.invalidate()
    // Five seconds with both charts dirty every frame, the page keeping up.
    for (let i = 0; i < 300; i += 1) {
      cheap.task.invalidate()
      costly.task.invalidate()
      env.frame()
    }
    expect(scheduler.stats().behind).toBe(false)
    // The cheap one many times a second; the costly one about 4 times a second (a few more at
    // first, while its cost is still being learnt), never less.
    expect(cheap.drawn.length).toBeGreaterThanOrEqual(50)
    expect(costly.drawn.length).toBeGreaterThanOrEqual(5 * 4 - 1)
    expect(costly.drawn.length).toBeLessThanOrEqual(5 * 4 + 5)
  })

  it('honours a task minimum interval whatever the load', () => {
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const drawn: number[] = []
    const task = scheduler.register({
      heavy: true,
      minIntervalMs: 100,
      draw: () => {
        drawn.push(1)
      },
    })
    for (let i = 0; i < 60; i += 1) {
      task.invalidate()
      env.frame()
    }
    // One second of frames: at most one draw per 100 ms.
    expect(drawn.length).toBeGreaterThanOrEqual(9)
    expect(drawn.length).toBeLessThanOrEqual(11)
  })
})

describe("the header's drawing health", () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('says behind at once and keeps saying it a few seconds after the page caught up', () => {
    vi.useFakeTimers()
    const env = fakeEnvironment()
    const scheduler = new RenderScheduler(env.env, 0)
    const scope = effectScope()
    const health = scope.run(() => useRenderHealthOf(scheduler))
    if (!health) throw new Error('no health')
    chartTask(scheduler, env).task.drawNow()
    env.longFrame(400)
    expect(health.stats.value.behind).toBe(true)
    // The scheduler catches up once nothing janks for a while (its idle timer) ...
    env.advance(10_000)
    vi.advanceTimersByTime(2500)
    expect(scheduler.stats().behind).toBe(false)
    // ... the note stays a little longer, then goes.
    expect(health.stats.value.behind).toBe(true)
    vi.advanceTimersByTime(BEHIND_NOTE_HOLD_MS)
    expect(health.stats.value.behind).toBe(false)
    scope.stop()
  })
})
