// The rows of a long list that are in view (a virtual list), from the scroll offset and the viewport
// height the list already tracks (scroll events, ResizeObserver). It never reads layout when rows
// change: VueUse's useVirtualList read scrollTop and clientHeight on every change of its source,
// after other panels had written the DOM in the same frame, and that forced a synchronous style
// and layout of the page (116 ms per second at 1,000 ev/s, the largest cost in Vue's flush).
import { computed, type Ref } from 'vue'

export interface WindowedRow<T> {
  data: T
  /** Position in the whole list, from 0. */
  index: number
}

export interface RowWindowOptions<T> {
  rows: Readonly<Ref<readonly T[]>>
  /** Height a row is drawn at, px (reactive reads inside are tracked). */
  heightOf: (row: T) => number
  /** The scroll container's scrollTop, as its scroll events last reported it. */
  scrollTop: Readonly<Ref<number>>
  /** The scroll container's visible height, px. */
  viewport: Readonly<Ref<number>>
  /** Rows drawn beyond each edge, so a short scroll or ↑/↓ never shows a blank row. */
  overscan: number
}

export function useRowWindow<T>(options: RowWindowOptions<T>) {
  const { rows, heightOf, scrollTop, viewport, overscan } = options
  /** tops[i] is row i's offset from the list's top; tops[n] the list's height. */
  const tops = computed(() => {
    const list = rows.value
    const out = new Float64Array(list.length + 1)
    for (let i = 0; i < list.length; i += 1) out[i + 1] = (out[i] as number) + heightOf(list[i] as T)
    return out
  })
  /** The first row whose bottom is below `y`. */
  function rowAt(y: number): number {
    const offsets = tops.value
    let low = 0
    let high = offsets.length - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((offsets[mid + 1] as number) <= y) low = mid + 1
      else high = mid
    }
    return low
  }
  const range = computed(() => {
    const count = rows.value.length
    const first = rowAt(scrollTop.value)
    const last = rowAt(scrollTop.value + viewport.value)
    return { start: Math.max(0, first - overscan), end: Math.min(count, last + 1 + overscan) }
  })
  const shown = computed<WindowedRow<T>[]>(() => {
    const { start, end } = range.value
    return rows.value.slice(start, end).map((data, i) => ({ data, index: start + i }))
  })
  /** The list element's style: as tall as all rows, shifted down to the first drawn row. */
  const wrapperStyle = computed(() => {
    const offsets = tops.value
    const top = offsets[range.value.start] as number
    const total = offsets[offsets.length - 1] as number
    return { width: '100%', height: `${total - top}px`, marginTop: `${top}px` }
  })
  return { shown, wrapperStyle }
}
