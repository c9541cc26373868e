// "Ours": the app's real path — RealtimeClient (fetch + eventsource-parser, multiplexed) → useChannelFeeds → stores.
import './shared/frameFlag'
import { createPinia } from 'pinia'
import { createApp, defineComponent, h } from 'vue'
import { useChannelFeeds } from '@/composables/useChannelFeeds'
import { createRealtimeClient, installRealtimeClient } from '@/composables/useRealtimeClient'
import { buildTimeConfig } from '@/config/runtimeConfig'
import { CHANNELS, type Channel } from '@/realtime/protocol'
import { useAlertsStore } from '@/stores/alertsStore'
import { useBacktestStore } from '@/stores/backtestStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { Recorder, exposeBench } from './shared/recorder'
import { StoreTables, useStoreCharts } from './shared/storeView'

const recorder = new Recorder()
// Same origin as the page; debug on, so the app's own test hook lists the ids it applied.
const config = { ...buildTimeConfig(), apiBaseUrl: '', debug: true }
const client = createRealtimeClient(config)

/** Stamps the ids the app's debug hook collected for `channel`, once its store committed the batch. */
function stampCommitted(channel: Channel): void {
  const ids = window.__rtm?.applied[channel]
  if (!ids || ids.length === 0) return
  const at = performance.timeOrigin + performance.now()
  for (const id of ids) recorder.markApplied(id, at)
  ids.length = 0
  recorder.batchDone()
}

const Root = defineComponent({
  name: 'OursRoot',
  setup() {
    useChannelFeeds(CHANNELS, config.debug)
    const stores = {
      dashboard: useDashboardStore(),
      alerts: useAlertsStore(),
      training: useTrainingStore(),
      backtest: useBacktestStore(),
    }
    for (const channel of CHANNELS) {
      stores[channel].$onAction(({ name, after }) => {
        if (name === 'commit') after(() => stampCommitted(channel))
      })
    }
    useStoreCharts(document.getElementById('charts') as HTMLElement)
    return () => h(StoreTables)
  },
})

const app = createApp(Root)
app.use(createPinia())
installRealtimeClient(app, client)
app.mount('#app')
exposeBench(recorder, () =>
  CHANNELS.every((channel) => client.status(channel).state.phase === 'open'),
)
