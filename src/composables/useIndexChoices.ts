// The indices a chart offers to show: the same array while their symbols and names stay the same,
// so snapshots that only move prices re-render nothing that lists them.
import { computed, type ComputedRef } from 'vue'
import type { IndexQuote } from '@/protocol/contract'

export type IndexChoice = Pick<IndexQuote, 'symbol' | 'name'>

function sameChoices(a: readonly IndexChoice[], b: readonly IndexChoice[]): boolean {
  return (
    a.length === b.length && a.every((q, i) => q.symbol === b[i]?.symbol && q.name === b[i]?.name)
  )
}

export function useIndexChoices(
  quotes: () => readonly IndexQuote[],
): ComputedRef<readonly IndexChoice[]> {
  return computed<readonly IndexChoice[]>((previous) => {
    const next = quotes()
    if (previous && sameChoices(previous, next)) return previous
    return next.map(({ symbol, name }) => ({ symbol, name }))
  })
}
