// Test hook: the ids the page applied, per channel, on `window.__rtm` (only when config.debug is on).
import type { Channel } from '@/protocol/contract'

export interface DebugHook {
  applied: Record<string, string[]>
  /**
   * Set by a harness (the browser benchmark): called when what `channel`'s store applied so far is
   * published for Vue to render, which is later than applied while the page is behind.
   */
  published?: (channel: string) => void
  /** Which part this tab plays in sharing the stream: 'leader', 'follower' or 'solo'. */
  role?: () => string
}

declare global {
  interface Window {
    __rtm?: DebugHook
  }
}

/** The page's hook object, created on first use (a harness may have installed it before). */
function debugHook(): DebugHook {
  return (window.__rtm ??= { applied: {} })
}

export function exposeAppliedIds(): (channel: Channel, id: string) => void {
  if (typeof window === 'undefined') return () => {}
  const hook = debugHook()
  return (channel, id) => {
    ;(hook.applied[channel] ??= []).push(id)
  }
}

/** Tells the harness, if it listens, that `channel`'s applied events are published now. */
export function exposePublished(): (channel: Channel) => void {
  if (typeof window === 'undefined') return () => {}
  const hook = debugHook()
  return (channel) => hook.published?.(channel)
}

/** Lets tests ask a tab whether it holds the stream. */
export function exposeRole(role: () => string): void {
  if (typeof window === 'undefined') return
  debugHook().role = role
}
