// The server's clock against ours: read from the status endpoint's `server_time`, once per app and
// again every few minutes, so data ages do not inherit the client's clock error.
import { effectScope, shallowRef, type ShallowRef } from 'vue'
import { useIntervalFn } from '@vueuse/core'
import { tokenProviderFor } from '@/config/authToken'
import { resolveEndpoint } from '@/config/resolveUrl'
import type { AppConfig } from '@/config/runtimeConfig'
import { fetchCapabilities, STATUS_PATH } from '@/realtime/backendStatus'
import { bearerHeaders } from '@/realtime/realtimeSource'
import { clockOffset } from '@/stores/timestamps'

/** How often the offset is measured again (clocks drift, laptops sleep). */
const REFRESH_MS = 5 * 60_000

let shared: { offsetMs: ShallowRef<number | null> } | null = null

async function measure(config: AppConfig): Promise<number | null> {
  const token = await tokenProviderFor(config.auth)?.()
  const sentAt = Date.now()
  const status = await fetchCapabilities(
    (input, init) => fetch(input, init),
    resolveEndpoint(config.apiBaseUrl, STATUS_PATH),
    bearerHeaders(token),
  )
  const receivedAt = Date.now()
  return status.serverTime === null ? null : clockOffset(status.serverTime, sentAt, receivedAt)
}

/**
 * Server minus client clock in ms; null until measured, or when the backend does not send
 * `server_time` (ages are then shown uncorrected and say so).
 */
export function useServerClock(config: AppConfig | null): {
  offsetMs: Readonly<ShallowRef<number | null>>
} {
  if (shared) return shared
  // Without a config (a component mounted alone) there is no backend to ask: uncorrected.
  if (!config || typeof fetch === 'undefined') return { offsetMs: shallowRef(null) }
  const offsetMs = shallowRef<number | null>(null)
  shared = { offsetMs }
  const run = () =>
    measure(config)
      .then((value) => {
        if (value !== null) offsetMs.value = value
      })
      .catch(() => {
        // A failed status request leaves the last known offset (or none): ages say "uncorrected".
      })
  // Detached: the page lives all day; the timer must not die with the first panel that asked.
  effectScope(true).run(() => useIntervalFn(run, REFRESH_MS, { immediateCallback: true }))
  return shared
}

/** Tests: forget the measured clock, or set it as a backend's status would. */
export function resetServerClock(offsetMs: number | null = null): void {
  shared = { offsetMs: shallowRef(offsetMs) }
  if (offsetMs === null) shared = null
}
