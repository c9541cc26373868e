// "Ours": the app's real path — RealtimeClient (fetch + eventsource-parser, multiplexed) → useChannelFeeds → stores.
import './shared/frameFlag'
import { createPinia } from 'pinia'
import { createApp, defineComponent, h } from 'vue'
import { useChannelFeeds } from '@/composables/useChannelFeeds'
import { createRealtimeClient, installRealtimeClient } from '@/composables/useRealtimeClient'
import { buildTimeConfig } from '@/config/runtimeConfig'
import { CHANNELS } from '@/protocol/contract'
import { listenToAppliedIds } from './shared/appliedIdSink'
import { Recorder, exposeBench } from './shared/recorder'
import { StoreTables, useStoreCharts } from './shared/storeView'

const recorder = new Recorder()
// Same origin as the page; debug on, so the app's own test hook lists the ids it applied.
const config = { ...buildTimeConfig(), apiBaseUrl: '', debug: true }
const client = createRealtimeClient(config)

listenToAppliedIds(recorder)

const Root = defineComponent({
  name: 'OursRoot',
  setup() {
    useChannelFeeds(CHANNELS, config.debug)
    useStoreCharts(document.getElementById('charts') as HTMLElement)
    return () => h(StoreTables)
  },
})

const app = createApp(Root)
app.use(createPinia())
installRealtimeClient(app, client)
app.mount('#app')
exposeBench(recorder, () =>
  CHANNELS.every((channel) => client.status(channel)?.state.phase === 'open'),
)
