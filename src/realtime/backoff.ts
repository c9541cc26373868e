// Full-jitter exponential backoff: spreads reconnects of many clients so a restarted backend is not stampeded.
import type { TransportOptions } from '@/protocol/transport'

/**
 * `attempt` is 1-based: attempt 1 waits a random time in [0, backoffBaseMs], and the ceiling
 * doubles up to backoffMaxMs, where delays stay jittered. A server `retry:` hint is a floor.
 */
export function backoffDelay(
  attempt: number,
  options: Pick<TransportOptions, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number = Math.random,
  serverRetryMs?: number,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30))
  const ceiling = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** exponent)
  const jittered = Math.round(random() * ceiling)
  if (serverRetryMs === undefined) return jittered
  return Math.max(serverRetryMs, Math.min(jittered, options.backoffMaxMs))
}

/** Parses an HTTP `Retry-After` header (seconds or an HTTP date) into ms from `now`. */
export function parseRetryAfter(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}
