import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import ChartLegend from '@/components/ChartLegend.vue'

describe('ChartLegend', () => {
  it('lists each series by name, with a decorative swatch in its colour and line style', () => {
    const wrapper = mount(ChartLegend, {
      props: {
        items: [
          { name: 'loss', color: '#1f6feb', line: 'solid' },
          { name: 'val loss', color: '#1f6feb', line: 'dashed' },
        ],
      },
    })
    const list = wrapper.get('ul')
    expect(list.attributes('aria-label')).toBe('Legend')
    const items = wrapper.findAll('li')
    expect(items.map((li) => li.text())).toEqual(['loss', 'val loss'])
    const swatch = items[1]?.get('.chart-legend__swatch')
    expect(swatch?.attributes('aria-hidden')).toBe('true')
    expect(swatch?.classes()).toContain('chart-legend__swatch--dashed')
    expect(swatch?.attributes('style')).toContain('--swatch: #1f6feb')
  })
})
