// Entry: read config.json, then mount the app, or an error screen that says what to fix.
import { createPinia } from 'pinia'
import { createApp, effectScope } from 'vue'
import App from './App.vue'
import StartErrorScreen from './components/StartErrorScreen.vue'
import { APP_CONFIG } from './composables/useAppConfig'
import { exposeEngine } from './composables/debugHook'
import { createRealtimeClient, installRealtimeClient } from './composables/useRealtimeClient'
import { watchTokenChanges } from './config/authWatch'
import { ConfigError, loadRuntimeConfig } from './config/runtimeConfig'
import { createAppRouter, loadRealtimePage } from './router'
import './styles/base.css'

async function start(): Promise<void> {
  // config.json and the shared engine's worker were started by src/boot.ts; the page's chunk loads
  // meanwhile.
  const page = loadRealtimePage()
  page.catch(() => {}) // reported below, once the config is read
  let config
  try {
    config = await loadRuntimeConfig()
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : String(error)
    console.error(`[realtime-monitor] configuration error: ${message}`)
    return showStartError('config', message)
  }
  const app = createApp(App)
  app.use(createPinia())
  app.use(createAppRouter())
  app.provide(APP_CONFIG, config)
  const client = createRealtimeClient(config)
  installRealtimeClient(app, client)
  watchTokenChanges(config.auth, () => client.retryNow())
  if (config.debug) exposeEngine(() => client.engine)
  // The channels are fed for the app's lifetime from before its first render: the engine opens
  // its streams (or hands over its recent windows) while the page mounts.
  let feeds
  try {
    feeds = (await page).useChannelFeeds
  } catch (error) {
    // Without the page the app has nothing to show: say so, and ask for the reload that fixes it.
    client.close()
    return showStartError('code', String(error))
  }
  app.runWithContext(() => effectScope(true).run(() => feeds(config.channels, config.debug)))
  app.mount('#app')
}

/** The app cannot start: a screen that says why and what to do instead of it. */
function showStartError(cause: 'config' | 'code', message: string): void {
  createApp(StartErrorScreen, { cause, message }).mount('#app')
}

void start()
