// What "ours" and the useEventSource baseline draw from the Pinia stores: three line charts and two lists.
import type { ECharts } from 'echarts/core'
import { defineComponent, h, watch } from 'vue'
import type { Point } from '@/stores/runSeries'
import type { TimeSeries } from '@/stores/ringBuffer'
import { useAlertsStore } from '@/stores/alertsStore'
import { useBacktestStore } from '@/stores/backtestStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { CHART_POINTS, createLineChart, setLine } from './charts'
import { AlertList } from './AlertList'
import { IndexTable } from './IndexTable'

function tailOfSeries(series: TimeSeries): [number, number][] {
  const times = series.times
  const values = series.values
  const start = Math.max(0, times.length - CHART_POINTS)
  const out: [number, number][] = []
  for (let i = start; i < times.length; i += 1) out.push([times[i] as number, values[i] as number])
  return out
}

function tailOfPoints(points: readonly Point[] | undefined): readonly Point[] {
  if (!points) return []
  return points.length > CHART_POINTS ? points.slice(-CHART_POINTS) : points
}

/** Charts redrawn when a store's version moves (once per commit), like the app's panels. */
export function useStoreCharts(parent: HTMLElement): void {
  const dashboard = useDashboardStore()
  const training = useTrainingStore()
  const backtest = useBacktestStore()
  const charts: Record<'dashboard' | 'training' | 'backtest', ECharts> = {
    dashboard: createLineChart(parent, 'Portfolio equity'),
    training: createLineChart(parent, 'Training loss'),
    backtest: createLineChart(parent, 'Backtest equity'),
  }
  watch(
    () => dashboard.version,
    () => setLine(charts.dashboard, tailOfSeries(dashboard.equity)),
  )
  watch(
    () => training.version,
    () => setLine(charts.training, tailOfPoints(training.runs[0]?.curves.loss)),
  )
  watch(
    () => backtest.version,
    () => setLine(charts.backtest, tailOfPoints(backtest.backtests[0]?.series.equity)),
  )
}

/** The index table and the newest alerts, read from the stores. */
export const StoreTables = defineComponent({
  name: 'StoreTables',
  setup() {
    const dashboard = useDashboardStore()
    const alerts = useAlertsStore()
    return () =>
      h('div', { class: 'tables' }, [
        h(IndexTable, { indices: dashboard.latest?.indices ?? [] }),
        h(AlertList, { alerts: alerts.alerts.slice(0, 20) }),
      ])
  },
})
