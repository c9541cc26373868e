// Turns the auth section of the config into a token provider, asked again before every connection attempt.
import type { TokenProvider } from '@/protocol/transport'
import type { AuthConfig } from './runtimeConfig'

type TokenFunction = () => string | null | undefined | Promise<string | null | undefined>

/** Reads the token from storage or from a function the host page puts on `window`; never logs it. */
export function tokenProviderFor(auth: AuthConfig): TokenProvider | undefined {
  if (auth.mode !== 'bearer') return undefined
  const { storageKey, tokenFunction } = auth
  return async () => {
    if (tokenFunction) {
      const fn = (globalThis as unknown as Record<string, unknown>)[tokenFunction]
      if (typeof fn === 'function') {
        const token = await (fn as TokenFunction)()
        if (token) return token
      }
    }
    if (storageKey) {
      try {
        return localStorage.getItem(storageKey) ?? sessionStorage.getItem(storageKey)
      } catch {
        return null
      }
    }
    return null
  }
}
