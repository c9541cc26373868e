import { describe, expect, it } from 'vitest'
import { RingBuffer, TimeSeries } from '@/stores/ringBuffer'

describe('RingBuffer', () => {
  it('keeps the newest items oldest → newest once it wraps', () => {
    const buffer = new RingBuffer<number>(3)
    expect(buffer.toArray()).toEqual([])
    expect(buffer.last()).toBeUndefined()
    for (let i = 1; i <= 5; i += 1) buffer.push(i)
    expect(buffer.length).toBe(3)
    expect(buffer.toArray()).toEqual([3, 4, 5])
    expect(buffer.last()).toBe(5)
    buffer.push(6)
    expect(buffer.toArray()).toEqual([4, 5, 6])
  })

  it('clears and starts over', () => {
    const buffer = new RingBuffer<string>(2)
    buffer.push('a')
    buffer.push('b')
    buffer.push('c')
    buffer.clear()
    expect(buffer.length).toBe(0)
    buffer.push('d')
    expect(buffer.toArray()).toEqual(['d'])
  })

  it('rejects a capacity below one', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError)
  })
})

describe('TimeSeries', () => {
  it('drops points older than the window before the newest point', () => {
    const series = new TimeSeries(10_000, 100)
    for (let t = 0; t <= 20_000; t += 1000) series.push(t, t / 1000)
    expect(series.points()[0]).toEqual([10_000, 10])
    expect(series.points().at(-1)).toEqual([20_000, 20])
    expect(series.length).toBe(11)
  })

  it('enforces the point cap by dropping the oldest', () => {
    const series = new TimeSeries(1e9, 5)
    for (let t = 1; t <= 8; t += 1) series.push(t, t * 10)
    expect(series.points()).toEqual([
      [4, 40],
      [5, 50],
      [6, 60],
      [7, 70],
      [8, 80],
    ])
    expect(series.times).toEqual([4, 5, 6, 7, 8])
    expect(series.values).toEqual([40, 50, 60, 70, 80])
  })

  it('stays ordered: an older point is dropped, a same-time point replaces the newest value', () => {
    const series = new TimeSeries(60_000, 10)
    series.push(1000, 1)
    series.push(2000, 2)
    series.push(1500, 99)
    series.push(2000, 3)
    series.push(Number.NaN, 4)
    expect(series.points()).toEqual([
      [1000, 1],
      [2000, 3],
    ])
  })

  it('returns points since a time, and stays correct across many pushes and compactions', () => {
    const series = new TimeSeries(3_600_000, 7200)
    for (let i = 0; i < 50_000; i += 1) series.push(i * 500, i)
    expect(series.length).toBe(7200)
    const all = series.points()
    expect(all[0]).toEqual([(50_000 - 7200) * 500, 50_000 - 7200])
    expect(all.at(-1)).toEqual([49_999 * 500, 49_999])
    expect(series.points(49_998 * 500)).toEqual([
      [49_998 * 500, 49_998],
      [49_999 * 500, 49_999],
    ])
    series.clear()
    expect(series.points()).toEqual([])
    expect(series.lastTime).toBeNull()
  })
})

describe('TimeSeries.decimated', () => {
  function filled(count: number, value: (i: number) => number): TimeSeries {
    const series = new TimeSeries(10 * 60_000, 100_000)
    for (let i = 0; i < count; i += 1) series.push(1_000 + i * 10, value(i))
    return series
  }

  it('returns every point when there are no more than two per bucket', () => {
    const series = filled(50, (i) => i)
    expect(series.decimated(undefined, 40)).toEqual(series.points())
  })

  it('keeps at most two points per bucket, the first and newest points, and every spike', () => {
    const series = filled(10_000, (i) => (i === 4321 ? 1e6 : i === 7777 ? -1e6 : Math.sin(i / 50)))
    const out = series.decimated(undefined, 500)
    expect(out.length).toBeLessThanOrEqual(2 * 500 + 2)
    expect(out[0]).toEqual([1_000, 0])
    expect(out[out.length - 1]).toEqual([1_000 + 9_999 * 10, Math.sin(9_999 / 50)])
    expect(out.some(([, v]) => v === 1e6)).toBe(true)
    expect(out.some(([, v]) => v === -1e6)).toBe(true)
    // In time order, as a line chart needs.
    for (let i = 1; i < out.length; i += 1)
      expect((out[i] as [number, number])[0]).toBeGreaterThan((out[i - 1] as [number, number])[0])
  })

  it('starts at the window asked for', () => {
    const series = filled(10_000, (i) => i)
    const since = 1_000 + 5_000 * 10
    const out = series.decimated(since, 100)
    expect(out[0]?.[0]).toBe(since)
    expect(out.every(([t]) => t >= since)).toBe(true)
  })
})
