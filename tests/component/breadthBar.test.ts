import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import BreadthBar from '@/components/BreadthBar.vue'

afterEach(() => {
  document.body.innerHTML = ''
})

function segment(wrapper: ReturnType<typeof mount>, key: string) {
  return wrapper.get(`[data-segment="${key}"]`)
}

/** A segment's width in percent of the bar. */
function widthOf(wrapper: ReturnType<typeof mount>, key: string): number {
  const style = (segment(wrapper, key).element as HTMLElement).style
  expect(style.width).toMatch(/%$/)
  return Number.parseFloat(style.width)
}

describe('BreadthBar', () => {
  const breadth = { advancing: 2411, declining: 1820, unchanged: 301 }

  it('is one image whose name states the three numbers', () => {
    const wrapper = mount(BreadthBar, { props: { breadth } })
    const bar = wrapper.get('[role="img"]')
    expect(bar.attributes('aria-label')).toBe(
      'Market breadth: 2,411 advancing, 301 unchanged, 1,820 declining',
    )
  })

  it('sizes advancing, unchanged and declining in that order by their share of the total', () => {
    const wrapper = mount(BreadthBar, { props: { breadth } })
    const keys = wrapper.findAll('[data-segment]').map((s) => s.attributes('data-segment'))
    expect(keys).toEqual(['advancing', 'unchanged', 'declining'])
    expect(widthOf(wrapper, 'advancing')).toBeCloseTo(53.2, 1)
    expect(widthOf(wrapper, 'unchanged')).toBeCloseTo(6.64, 1)
    expect(widthOf(wrapper, 'declining')).toBeCloseTo(40.16, 1)
  })

  it('labels wide segments visibly and narrow ones for screen readers only', () => {
    const wrapper = mount(BreadthBar, { props: { breadth } })
    const text = (key: string) => segment(wrapper, key).get('span')
    expect(text('advancing').text()).toBe('▲ 2,411')
    expect(text('advancing').classes()).not.toContain('visually-hidden')
    expect(text('declining').classes()).not.toContain('visually-hidden')
    expect(text('unchanged').text()).toBe('■ 301')
    expect(text('unchanged').classes()).toContain('visually-hidden')
  })

  it('writes the numbers out as text under the bar', () => {
    const wrapper = mount(BreadthBar, { props: { breadth } })
    const numbers = wrapper.get('p').text()
    expect(numbers).toContain('2,411 advancing')
    expect(numbers).toContain('1,820 declining')
    expect(numbers).toContain('301 unchanged')
  })

  it('copes with an empty market: no segment has width', () => {
    const wrapper = mount(BreadthBar, {
      props: { breadth: { advancing: 0, declining: 0, unchanged: 0 } },
    })
    for (const key of ['advancing', 'unchanged', 'declining']) expect(widthOf(wrapper, key)).toBe(0)
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toContain('0 advancing')
  })
})
