// The virtual list's window: which rows are drawn for a scroll offset and viewport, with mixed row
// heights, and where the drawn block sits.
import { describe, expect, it } from 'vitest'
import { shallowRef } from 'vue'
import { useRowWindow } from '@/composables/useRowWindow'

function setup(heights: number[], overscan = 0) {
  const rows = shallowRef(heights.map((height, id) => ({ id, height })))
  const scrollTop = shallowRef(0)
  const viewport = shallowRef(100)
  const list = useRowWindow({ rows, heightOf: (row) => row.height, scrollTop, viewport, overscan })
  const ids = () => list.shown.value.map((row) => row.data.id)
  return { rows, scrollTop, viewport, list, ids }
}

describe('useRowWindow', () => {
  it('draws the rows that cross the viewport, with their positions in the whole list', () => {
    const { scrollTop, list, ids } = setup(Array(100).fill(40))
    // 0–100 px: rows 0, 1, 2 (row 2 spans 80–120).
    expect(ids()).toEqual([0, 1, 2])
    scrollTop.value = 1000
    // 1000–1100 px: rows 25, 26, 27.
    expect(ids()).toEqual([25, 26, 27])
    expect(list.shown.value.map((row) => row.index)).toEqual([25, 26, 27])
    expect(list.wrapperStyle.value).toEqual({ width: '100%', height: '3000px', marginTop: '1000px' })
  })

  it('adds the overscan on both sides, clamped to the list', () => {
    const { scrollTop, ids } = setup(Array(20).fill(40), 2)
    expect(ids()).toEqual([0, 1, 2, 3, 4])
    scrollTop.value = 400
    expect(ids()).toEqual([8, 9, 10, 11, 12, 13, 14])
    scrollTop.value = 700
    expect(ids()).toEqual([15, 16, 17, 18, 19])
  })

  it('follows mixed heights, and rows arriving at the top', () => {
    const { rows, scrollTop, ids, list } = setup([100, 20, 20, 20, 200, 20])
    scrollTop.value = 110
    // 110–210 px: row 1 (100–120) … row 4 (160–360).
    expect(ids()).toEqual([1, 2, 3, 4])
    expect(list.wrapperStyle.value.marginTop).toBe('100px')
    rows.value = [{ id: 9, height: 50 }, ...rows.value]
    // Everything moved down by 50 px: 110–210 is now row 0's tail through row 3.
    expect(ids()).toEqual([0, 1, 2, 3, 4])
  })

  it('draws nothing for an empty list', () => {
    const { rows, ids, list } = setup([])
    expect(ids()).toEqual([])
    expect(list.wrapperStyle.value.height).toBe('0px')
    rows.value = [{ id: 1, height: 40 }]
    expect(ids()).toEqual([1])
  })
})
