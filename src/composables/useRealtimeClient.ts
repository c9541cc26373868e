// Provides the app's realtime source to components: the page's proxy of the one realtime engine,
// which runs in a SharedWorker shared by every tab where the browser can (else a Worker, else here).
import { inject, type App, type InjectionKey } from 'vue'
import { tokenProviderFor } from '@/config/authToken'
import { cursorKeyPrefix, STORAGE_KEYS } from '@/config/storageKeys'
import type { AppConfig } from '@/config/runtimeConfig'
import { engineHosts } from '@/realtime/engineHosts'
import { EngineProxy, type PresenceMonitor } from '@/realtime/engineProxy'
import { browserNetwork } from '@/realtime/network'
import type { RealtimeSource } from '@/realtime/realtimeSource'
import {
  browserSessionStorage,
  createClientId,
  createSessionCursors,
} from '@/realtime/sessionCursors'
import { framePhase, whenBacklogFits } from '@/render/frameBatcher'

export const REALTIME_CLIENT: InjectionKey<RealtimeSource> = Symbol('realtime-client')

/** The engine proxy for `config`; this tab keeps the cursors it receives for a reload. */
export function createRealtimeClient(config: AppConfig): EngineProxy {
  const storage = browserSessionStorage()
  return new EngineProxy({
    baseUrl: config.apiBaseUrl,
    transport: config.transport,
    token: tokenProviderFor(config.auth),
    hosts: engineHosts(config.transport.shareAcrossTabs),
    cursors: createSessionCursors(storage, cursorKeyPrefix(config.apiBaseUrl)),
    clientId: createClientId(storage, STORAGE_KEYS.clientId),
    network: browserNetwork(),
    backlog: { whenFits: whenBacklogFits },
    frames: { phase: framePhase },
    presence: browserPresence(),
  })
}

/** Visible and focused as the browser says, with the events that change them. */
function browserPresence(): PresenceMonitor | undefined {
  if (typeof document === 'undefined' || typeof window === 'undefined') return undefined
  return {
    now: () => ({ visible: document.visibilityState === 'visible', focused: document.hasFocus() }),
    subscribe(listener) {
      const targets = [
        [document, 'visibilitychange'],
        [window, 'focus'],
        [window, 'blur'],
      ] as const
      for (const [target, type] of targets) target.addEventListener(type, listener)
      return () => {
        for (const [target, type] of targets) target.removeEventListener(type, listener)
      }
    },
  }
}

/** Installs `client` for the app and writes its cursors before the page goes away. */
export function installRealtimeClient(app: App, client: RealtimeSource): void {
  app.provide(REALTIME_CLIENT, client)
  if (typeof window === 'undefined') return
  window.addEventListener('pagehide', () => client.flushCursors())
  // The engine outlives this tab where it is shared: say goodbye so it stops sending here.
  window.addEventListener('pagehide', (event) => event.persisted || client.close())
}

export function useRealtimeClient(): RealtimeSource {
  const client = inject(REALTIME_CLIENT, null)
  if (!client)
    throw new Error('No realtime client installed: call installRealtimeClient(app, client)')
  return client
}
