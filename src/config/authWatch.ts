// After an auth failure, a new token in storage (set by another tab or the host page) means: try again.
import type { AuthConfig } from './runtimeConfig'

/** Calls `retry` when the configured token's storage key changes; returns the unsubscribe function. */
export function watchTokenChanges(auth: AuthConfig, retry: () => void): () => void {
  if (auth.mode !== 'bearer' || !auth.storageKey || typeof window === 'undefined') return () => {}
  const key = auth.storageKey
  const onStorage = (event: StorageEvent) => {
    if (event.key === key || event.key === null) retry()
  }
  window.addEventListener('storage', onStorage)
  return () => window.removeEventListener('storage', onStorage)
}
