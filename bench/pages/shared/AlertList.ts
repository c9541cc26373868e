// The newest alerts every bench page renders with Vue.
import { defineComponent, h, type PropType } from 'vue'
import type { RiskAlert } from '@/protocol/contract'

export const AlertList = defineComponent({
  name: 'AlertList',
  props: { alerts: { type: Array as PropType<readonly RiskAlert[]>, required: true } },
  setup(props) {
    return () =>
      h(
        'ul',
        props.alerts.map((alert) =>
          h('li', { key: alert.alert_id }, `${alert.severity} · ${alert.message}`),
        ),
      )
  },
})
