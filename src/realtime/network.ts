// Online/offline as the browser reports it; elsewhere (tests, workers without it) always online.

export interface NetworkMonitor {
  isOnline(): boolean
  subscribe(listener: (online: boolean) => void): () => void
}

export function browserNetwork(): NetworkMonitor {
  const hasWindow = typeof window !== 'undefined' && typeof navigator !== 'undefined'
  return {
    isOnline: () => !hasWindow || navigator.onLine !== false,
    subscribe(listener) {
      if (!hasWindow) return () => {}
      const changed = (event: Event) => listener(event.type === 'online')
      const types = ['online', 'offline'] as const
      for (const type of types) window.addEventListener(type, changed)
      return () => types.forEach((type) => window.removeEventListener(type, changed))
    },
  }
}

/** A monitor driven by hand, for tests and for hosts that know better than the browser. */
export function manualNetwork(initial = true): NetworkMonitor & { set(online: boolean): void } {
  let online = initial
  const listeners = new Set<(online: boolean) => void>()
  return {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(next) {
      online = next
      for (const listener of [...listeners]) listener(next)
    },
  }
}
