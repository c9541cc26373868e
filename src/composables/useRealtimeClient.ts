// Provides the one RealtimeClient of the app to components and composables (injectable for tests).
import { inject, type App, type InjectionKey } from 'vue'
import { tokenProviderFor } from '@/config/authToken'
import type { AppConfig } from '@/config/runtimeConfig'
import { RealtimeClient } from '@/realtime/realtimeClient'

export const REALTIME_CLIENT: InjectionKey<RealtimeClient> = Symbol('realtime-client')

export function createRealtimeClient(config: AppConfig): RealtimeClient {
  return new RealtimeClient({
    baseUrl: config.apiBaseUrl,
    transport: config.transport,
    token: tokenProviderFor(config.auth),
  })
}

/** Installs `client` for the app and writes its cursors before the page goes away. */
export function installRealtimeClient(app: App, client: RealtimeClient): void {
  app.provide(REALTIME_CLIENT, client)
  if (typeof window !== 'undefined') window.addEventListener('pagehide', () => client.flushCursors())
}

export function useRealtimeClient(): RealtimeClient {
  const client = inject(REALTIME_CLIENT, null)
  if (!client) throw new Error('No RealtimeClient installed: call installRealtimeClient(app, client)')
  return client
}
