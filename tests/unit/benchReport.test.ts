import { describe, expect, it } from 'vitest'
import { rateRatioRange, sustainableRange } from '../../bench/lib/report'
import type { StepResult } from '../../bench/lib/measure'

const RATES = [100, 1000, 2000, 5000, 10000, 15000, 20000, 30000, 50000]

function steps(page: StepResult['page'], passed: number[]): StepResult[] {
  return RATES.map((rate) => ({ page, rate, sustainable: passed.includes(rate) }) as StepResult)
}

describe('benchmark ratios', () => {
  it('places a max sustainable rate between the step passed and the next one', () => {
    const all = [
      ...steps('app', [100, 1000, 2000, 5000, 10000, 15000, 20000]),
      ...steps('native', [100]),
    ]
    expect(sustainableRange(all, 'app', RATES)).toEqual({ low: 20000, high: 30000 })
    expect(sustainableRange(all, 'native', RATES)).toEqual({ low: 100, high: 1000 })
    expect(sustainableRange(all, 'vueuse', RATES)).toEqual({ low: 0, high: 100 })
  })

  it('gives the ratio of max rates as a range, lower bound first', () => {
    // App in [20k, 30k), page in [100, 1k): at least 20k / 1k, at most 30k / 100.
    expect(rateRatioRange({ low: 20000, high: 30000 }, { low: 100, high: 1000 })).toBe('20× – 300×')
    // The app passed the top step: no upper bound.
    expect(rateRatioRange({ low: 50000, high: null }, { low: 5000, high: 10000 })).toBe(
      '5.0× – unbounded',
    )
    // A page that passed no step: the upper bound is unknown too.
    expect(rateRatioRange({ low: 20000, high: 30000 }, { low: 0, high: 100 })).toBe(
      '200× – unbounded',
    )
  })
})
