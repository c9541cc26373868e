import { describe, expect, it } from 'vitest'
import { hasViewQuery, queryToView, sameQuery, viewToQuery } from '@/router/viewQuery'

describe('view in the URL query', () => {
  it('reads back exactly what it writes, keeping other parameters', () => {
    const view = {
      windowMs: 15 * 60_000,
      index: '000001.SH',
      severities: ['critical', 'warning'] as const,
      categories: ['drawdown'] as const,
      compare: ['r-1', 'r-7'],
      paused: true,
    }
    const query = viewToQuery(
      { ...view, severities: [...view.severities], categories: [...view.categories] },
      { utm: 'x' },
    )
    expect(query).toEqual({
      utm: 'x',
      window: '15m',
      index: '000001.SH',
      sev: 'warning,critical',
      cat: 'drawdown',
      compare: 'r-1,r-7',
      paused: '1',
    })
    const back = queryToView(query as Record<string, string>)
    expect(back).toMatchObject({
      windowMs: 15 * 60_000,
      index: '000001.SH',
      compare: ['r-1', 'r-7'],
      paused: true,
    })
    expect([...back.severities].sort()).toEqual(['critical', 'warning'])
  })

  it('drops unknown values instead of trusting them', () => {
    const view = queryToView({ window: '7y', sev: 'critical,<script>', cat: 'nope', paused: 'yes' })
    expect(view).toEqual({
      windowMs: null,
      index: null,
      severities: ['critical'],
      categories: [],
      compare: [],
      paused: false,
    })
  })

  it('tells a bare link from one that carries a view, and compares queries by content', () => {
    expect(hasViewQuery({})).toBe(false)
    expect(hasViewQuery({ paused: '1' })).toBe(true)
    expect(sameQuery({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true)
    expect(sameQuery({ a: '1' }, { a: '1', b: '2' })).toBe(false)
  })
})
