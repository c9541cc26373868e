// Baseline (c), the fair one: @vueuse/core useEventSource per channel, each message validated and
// queued, and the queue applied to the same stores once per animation frame (the app's own batcher).
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
import { createFrameBatcher } from '@/realtime/frameBatcher'
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
  name: 'VueUseBatchedRoot',
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
      // Applied and published once per frame, as the app's useSSE does: one commit per batch.
      const batcher = createFrameBatcher<ChannelEvent>((events) => {
        for (const event of events) store.apply(event)
        store.commit()
        // Stamped once the batch's commit returned, as for the other pages.
        const at = performance.timeOrigin + performance.now()
        for (const event of events) recorder.markApplied(event.id, at)
        recorder.batchDone()
      })
      // The usual pattern: watch `data`, parse and check per message; here it is queued, not applied.
      watch(data, (raw) => {
        if (raw === null) return
        const json = parseJsonObject(raw)
        if (!json.ok) return
        const payload = validatePayload(type, json.value)
        if (!payload.ok) return
        batcher.push({
          channel,
          event: type,
          id: lastEventId.value,
          data: payload.value,
        } as ChannelEvent)
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
