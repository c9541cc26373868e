// The server's clock against ours, as the realtime engine measured it from the status endpoint's
// `server_time` (when it starts, after reconnects, and every few minutes), so data ages do not
// inherit the client's clock error. The page asks the backend nothing itself.
import { shallowRef, type ShallowRef } from 'vue'
import type { RealtimeSource } from '@/realtime/realtimeSource'

let shared: { offsetMs: ShallowRef<number | null> } | null = null

/**
 * Server minus client clock in ms; null until measured, or when the backend does not send
 * `server_time` (ages are then shown uncorrected and say so).
 */
export function useServerClock(client: RealtimeSource | null): {
  offsetMs: Readonly<ShallowRef<number | null>>
} {
  if (shared) return shared
  // Without a client (a component mounted alone) there is no backend to ask: uncorrected.
  if (!client) return { offsetMs: shallowRef(null) }
  const offsetMs = shallowRef<number | null>(client.clockOffsetMs)
  shared = { offsetMs }
  // Kept for the page's life: it must not end with the first panel that asked.
  client.onStatusChange(() => {
    // A failed status read leaves the last known offset (or none): ages say "uncorrected".
    if (client.clockOffsetMs !== null) offsetMs.value = client.clockOffsetMs
  })
  return shared
}

/** Tests: forget the measured clock, or set it as a backend's status would. */
export function resetServerClock(offsetMs: number | null = null): void {
  shared = { offsetMs: shallowRef(offsetMs) }
  if (offsetMs === null) shared = null
}
