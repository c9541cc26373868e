// Baseline (a), the common approach: four EventSource objects, JSON.parse, reactive arrays, setOption per event.
import './shared/frameFlag'
import type { ECharts } from 'echarts/core'
import { createApp, defineComponent, h, reactive } from 'vue'
import type {
  BacktestProgress,
  DashboardUpdate,
  RiskAlert,
  TrainingProgress,
} from '@/protocol/contract'
import { CHANNEL_EVENT, CHANNELS } from '@/protocol/contract'
import { CHART_POINTS, createLineChart, setLine } from './shared/charts'
import { Recorder, exposeBench } from './shared/recorder'
import { AlertList } from './shared/AlertList'
import { IndexTable } from './shared/IndexTable'

const recorder = new Recorder()

const state = reactive({
  dashboard: [] as DashboardUpdate[],
  alerts: [] as RiskAlert[],
  training: [] as TrainingProgress[],
  backtest: [] as BacktestProgress[],
})

const parent = document.getElementById('charts') as HTMLElement
const charts: { [K in keyof typeof state]: ECharts | null } = {
  dashboard: createLineChart(parent, 'Portfolio equity'),
  alerts: null,
  training: createLineChart(parent, 'Training loss'),
  backtest: createLineChart(parent, 'Backtest equity'),
}

/** The value each chart plots from an event. */
function plotted(channel: keyof typeof state, index: number): number {
  switch (channel) {
    case 'dashboard':
      return (state.dashboard[index] as DashboardUpdate).portfolio.equity
    case 'training':
      return (state.training[index] as TrainingProgress).metrics.loss
    case 'backtest':
      return (state.backtest[index] as BacktestProgress).equity
    case 'alerts':
      return 0
  }
}

const sources = CHANNELS.map((channel) => {
  const source = new EventSource(`/api/v1/sse/${channel}`)
  source.addEventListener(CHANNEL_EVENT[channel], (message: MessageEvent<string>) => {
    // Trusted as is, as such dashboards do.
    const data = JSON.parse(message.data) as never
    const list = state[channel] as unknown[]
    list.push(data)
    if (list.length > CHART_POINTS) list.shift()
    const chart = charts[channel]
    if (chart)
      setLine(
        chart,
        list.map((_, i) => [i, plotted(channel, i)] as const),
      )
    recorder.markApplied(message.lastEventId)
    recorder.batchDone()
  })
  return source
})

const Root = defineComponent({
  name: 'NativeRoot',
  setup() {
    return () =>
      h('div', { class: 'tables' }, [
        h(IndexTable, { indices: state.dashboard[state.dashboard.length - 1]?.indices ?? [] }),
        h(AlertList, { alerts: state.alerts.slice(-20).reverse() }),
      ])
  },
})

createApp(Root).mount('#app')
exposeBench(recorder, () => sources.every((source) => source.readyState === EventSource.OPEN))
