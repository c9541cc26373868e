// The VueUse baselines: @vueuse/core useEventSource per channel, each message parsed and validated
// and fed to the app's stores. Unbatched (b), each message is applied and published at once, the
// usual pattern; batched (c), the fair one, messages are queued and applied once per animation
// frame with the app's own batcher, one commit per batch.
import './frameFlag'
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
import { createFrameBatcher } from '@/render/frameBatcher'
import { useAlertsStore } from '@/stores/alertsStore'
import { useBacktestStore } from '@/stores/backtestStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { Recorder, epochNow, exposeBench } from './recorder'
import { StoreTables, useStoreCharts } from './storeView'

interface FeedStore {
  apply(event: ChannelEvent): void
  commit(): void
}

export function mountVueUsePage(batched: boolean): void {
  const recorder = new Recorder()
  const open: Record<Channel, () => boolean> = {
    dashboard: () => false,
    alerts: () => false,
    training: () => false,
    backtest: () => false,
  }

  /** Applies and publishes `events`, then stamps them once the commit returned (as every page does). */
  function applyAndStamp(store: FeedStore, events: readonly ChannelEvent[]): void {
    for (const event of events) store.apply(event)
    store.commit()
    const at = epochNow()
    for (const event of events) recorder.markApplied(event.id, at)
    recorder.batchDone()
  }

  const Root = defineComponent({
    name: batched ? 'VueUseBatchedRoot' : 'VueUseRoot',
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
        const batcher = batched
          ? createFrameBatcher<ChannelEvent>((events) => applyAndStamp(store, events))
          : null
        // The usual pattern: watch `data`, parse and check per message.
        watch(data, (raw) => {
          if (raw === null) return
          const json = parseJsonObject(raw)
          if (!json.ok) return
          const payload = validatePayload(type, json.value)
          if (!payload.ok) return
          const event = { channel, event: type, id: lastEventId.value, data: payload.value }
          if (batcher) batcher.push(event as ChannelEvent)
          else applyAndStamp(store, [event as ChannelEvent])
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
}
