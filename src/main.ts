// Entry: read config.json, then mount the app, or an error screen that says what to fix.
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import ConfigErrorScreen from './components/ConfigErrorScreen.vue'
import { APP_CONFIG } from './composables/useAppConfig'
import { exposeEngine } from './composables/debugHook'
import { createRealtimeClient, installRealtimeClient } from './composables/useRealtimeClient'
import { watchTokenChanges } from './config/authWatch'
import { ConfigError, loadRuntimeConfig } from './config/runtimeConfig'
import { startSharedEngine } from './realtime/engineHosts'
import { createAppRouter, loadRealtimeView } from './router'
import './styles/base.css'

async function start(): Promise<void> {
  // The page's chunk and the shared engine's worker load while config.json does (a failed load
  // is the router's to report; a worker that cannot start, the engine proxy's).
  loadRealtimeView().catch(() => {})
  startSharedEngine()
  let config
  try {
    config = await loadRuntimeConfig()
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : String(error)
    console.error(`[realtime-monitor] configuration error: ${message}`)
    createApp(ConfigErrorScreen, { message }).mount('#app')
    return
  }
  const app = createApp(App)
  app.use(createPinia())
  app.use(createAppRouter())
  app.provide(APP_CONFIG, config)
  const client = createRealtimeClient(config)
  installRealtimeClient(app, client)
  watchTokenChanges(config.auth, () => client.retryNow())
  if (config.debug) exposeEngine(() => client.engine)
  app.mount('#app')
}

void start()
