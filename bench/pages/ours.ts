// "Ours": the app's real path — RealtimeClient (fetch + eventsource-parser, multiplexed) → useChannelFeeds → stores.
import { frameFlag } from './shared/frameFlag'
import { createPinia } from 'pinia'
import { createApp, defineComponent, h } from 'vue'
import { useChannelFeeds } from '@/composables/useChannelFeeds'
import { createRealtimeClient, installRealtimeClient } from '@/composables/useRealtimeClient'
import { buildTimeConfig } from '@/config/runtimeConfig'
import { CHANNELS } from '@/realtime/protocol'
import { Recorder, exposeBench } from './shared/recorder'
import { StoreTables, useStoreCharts } from './shared/storeView'

const recorder = new Recorder()
// Same origin as the page; debug on, so the app's own test hook lists the ids it applied.
const config = { ...buildTimeConfig(), apiBaseUrl: '', debug: true }
const client = createRealtimeClient(config)

/**
 * The app's debug hook pushes each applied id onto `window.__rtm.applied[channel]`, inside the
 * frame batch that applies and commits it. Arrays set up here record the ids instead, and stamp
 * them in a microtask, i.e. right after the batch's commit (before Vue renders). No store action is
 * wrapped, so Pinia's own per-action cost is all the app's.
 */
function appliedIdSink(): string[] {
  const ids: string[] = []
  let queued = false
  let inFrame = false
  const sink: string[] = []
  sink.push = (...pushed: string[]) => {
    ids.push(...pushed)
    if (!queued) {
      queued = true
      inFrame = frameFlag.inside
      queueMicrotask(() => {
        queued = false
        const at = performance.timeOrigin + performance.now()
        for (const id of ids) recorder.markApplied(id, at)
        ids.length = 0
        recorder.batchDone(inFrame)
      })
    }
    return 0
  }
  return sink
}

window.__rtm = {
  applied: Object.fromEntries(CHANNELS.map((channel) => [channel, appliedIdSink()])),
}

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
  CHANNELS.every((channel) => client.status(channel).state.phase === 'open'),
)
