// Baseline (b): @vueuse/core useEventSource per channel, each message validated and fed to the same stores.
import './shared/frameFlag'
import { useEventSource } from '@vueuse/core'
import { createPinia } from 'pinia'
import { createApp, defineComponent, h, watch } from 'vue'
import {
  CHANNEL_EVENT,
  CHANNELS,
  parseJsonObject,
  validatePayload,
  type Channel,
  type ChannelEvent,
} from '@/protocol/contract'
import { useAlertsStore } from '@/stores/alertsStore'
import { useBacktestStore } from '@/stores/backtestStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { Recorder, exposeBench } from './shared/recorder'
import { StoreTables, useStoreCharts } from './shared/storeView'

const recorder = new Recorder()
const open: Record<Channel, () => boolean> = {
  dashboard: () => false,
  alerts: () => false,
  training: () => false,
  backtest: () => false,
}

interface FeedStore {
  apply(event: ChannelEvent): void
  commit(): void
}

const Root = defineComponent({
  name: 'VueUseRoot',
  setup() {
    const stores = {
      dashboard: useDashboardStore(),
      alerts: useAlertsStore(),
      training: useTrainingStore(),
      backtest: useBacktestStore(),
    }
    for (const channel of CHANNELS) {
      const type = CHANNEL_EVENT[channel]
      const store = stores[channel] as unknown as FeedStore
      const { data, lastEventId, status } = useEventSource(`/api/v1/sse/${channel}`, [type], {
        autoReconnect: true,
      })
      open[channel] = () => status.value === 'OPEN'
      // The usual pattern: watch `data`, parse, check, apply and publish per message.
      watch(data, (raw) => {
        if (raw === null) return
        const json = parseJsonObject(raw)
        if (!json.ok) return
        const payload = validatePayload(type, json.value)
        if (!payload.ok) return
        const id = lastEventId.value
        store.apply({ channel, event: type, id, data: payload.value } as ChannelEvent)
        store.commit()
        recorder.markApplied(id)
        recorder.batchDone()
      })
    }
    useStoreCharts(document.getElementById('charts') as HTMLElement)
    return () => h(StoreTables)
  },
})

const app = createApp(Root)
app.use(createPinia())
app.mount('#app')
exposeBench(recorder, () => CHANNELS.every((channel) => open[channel]()))
