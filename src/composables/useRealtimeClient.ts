// Provides the one realtime source of the app (shared across tabs where the browser can) to components.
import { inject, type App, type InjectionKey } from 'vue'
import { tokenProviderFor } from '@/config/authToken'
import type { AppConfig } from '@/config/runtimeConfig'
import { RealtimeClient, type RealtimeClientOptions } from '@/realtime/realtimeClient'
import type { RealtimeSource } from '@/realtime/realtimeSource'
import { canShareAcrossTabs, SharedRealtimeClient } from '@/realtime/sharedClient'

export const REALTIME_CLIENT: InjectionKey<RealtimeSource> = Symbol('realtime-client')

/** One stream per browser when tabs can coordinate (Web Locks + BroadcastChannel), else one per tab. */
export function createRealtimeClient(config: AppConfig): RealtimeSource {
  const options: RealtimeClientOptions = {
    baseUrl: config.apiBaseUrl,
    transport: config.transport,
    token: tokenProviderFor(config.auth),
  }
  return config.transport.shareAcrossTabs && canShareAcrossTabs()
    ? new SharedRealtimeClient(options)
    : new RealtimeClient(options)
}

/** Installs `client` for the app and writes its cursors before the page goes away. */
export function installRealtimeClient(app: App, client: RealtimeSource): void {
  app.provide(REALTIME_CLIENT, client)
  if (typeof window !== 'undefined') window.addEventListener('pagehide', () => client.flushCursors())
}

export function useRealtimeClient(): RealtimeSource {
  const client = inject(REALTIME_CLIENT, null)
  if (!client) throw new Error('No realtime client installed: call installRealtimeClient(app, client)')
  return client
}
