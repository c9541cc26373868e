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
import { createAppRouter } from './router'
import './styles/base.css'

async function start(): Promise<void> {
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
