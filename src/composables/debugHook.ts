// Test hook: the ids the page applied, per channel, on `window.__rtm` (only when config.debug is on).
import type { Channel } from '@/protocol/contract'

export interface DebugHook {
  applied: Record<string, string[]>
  /**
   * Set by a harness (the browser benchmark): called when what `channel`'s store applied so far is
   * published for Vue to render, which is later than applied while the page is behind.
   */
  published?: (channel: string) => void
  /** Where this tab's engine runs ('shared-worker', 'worker', 'page') and how many tabs share it. */
  engine?: () => { host: string; tabs: number }
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

/** Lets tests ask a tab where its engine runs. */
export function exposeEngine(engine: () => { host: string; tabs: number }): void {
  if (typeof window === 'undefined') return
  debugHook().engine = engine
}
