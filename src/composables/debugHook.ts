// Test hook: the ids the page applied, per channel, on `window.__rtm` (only when config.debug is on).
import type { Channel } from '@/protocol/contract'

export interface DebugHook {
  applied: Record<string, string[]>
  /** Which part this tab plays in sharing the stream: 'leader', 'follower' or 'solo'. */
  role?: () => string
}

declare global {
  interface Window {
    __rtm?: DebugHook
  }
}

export function exposeAppliedIds(): (channel: Channel, id: string) => void {
  if (typeof window === 'undefined') return () => {}
  const hook: DebugHook = (window.__rtm ??= { applied: {} })
  return (channel, id) => {
    ;(hook.applied[channel] ??= []).push(id)
  }
}

/** Lets tests ask a tab whether it holds the stream. */
export function exposeRole(role: () => string): void {
  if (typeof window === 'undefined') return
  const hook: DebugHook = (window.__rtm ??= { applied: {} })
  hook.role = role
}
