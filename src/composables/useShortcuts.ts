// Single-key shortcuts for the page, ignored while typing in a field or with a modifier held.
import { useEventListener } from '@vueuse/core'

export interface Shortcut {
  key: string
  /** What the help overlay says it does. */
  description: string
  run: (event: KeyboardEvent) => void
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  const tag = target.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag !== 'INPUT') return false
  const type = (target as HTMLInputElement).type
  // Checkboxes, radios, ranges and buttons take no text: shortcuts still work there.
  return !['checkbox', 'radio', 'range', 'button', 'submit', 'reset'].includes(type)
}

/** Listens on the document for as long as the calling scope lives. */
export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  useEventListener(document, 'keydown', (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return
    if (isTyping(event.target)) return
    const shortcut = shortcuts.find((s) => s.key === event.key)
    if (!shortcut) return
    event.preventDefault()
    shortcut.run(event)
  })
}
