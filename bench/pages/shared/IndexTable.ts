// The index quotes every bench page renders with Vue.
import { defineComponent, h, type PropType } from 'vue'
import type { IndexQuote } from '@/protocol/contract'

export const IndexTable = defineComponent({
  name: 'IndexTable',
  props: { indices: { type: Array as PropType<readonly IndexQuote[]>, required: true } },
  setup(props) {
    return () =>
      h(
        'table',
        h(
          'tbody',
          props.indices.map((quote) =>
            h('tr', { key: quote.symbol }, [
              h('td', quote.name),
              h('td', quote.last.toFixed(2)),
              h('td', `${(quote.change_pct * 100).toFixed(2)} %`),
            ]),
          ),
        ),
      )
  },
})
