// Test hook: the ids the page applied, per channel, on `window.__rtm` (only when config.debug is on).
import type { Channel } from '@/realtime/protocol'

export interface DebugHook {
  applied: Record<string, string[]>
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
