// Publish-time bounds of an event (src/protocol/limits.ts): size, strings, arrays, nesting depth.
import {
  CLIENT_MAX_EVENT_CHARS,
  MAX_ARRAY_ITEMS,
  MAX_EVENT_DATA_CHARS,
  MAX_NESTING_DEPTH,
  MAX_STRING_CHARS,
} from '../src/protocol/limits.ts'

const int = (value: number): string => value.toLocaleString('en-US')

/** Dot path of a place in a payload, for error texts (`indices.3.name`). */
function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`
}

/**
 * Checks a parsed JSON value against the per-value bounds without recursion (so a deeply nested
 * value cannot overflow the stack here); returns the first problem with the real bound, or null.
 */
export function checkValueBounds(value: unknown): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 1 }]
  while (stack.length > 0) {
    const { value: item, path, depth } = stack.pop() as (typeof stack)[number]
    const where = path === '' ? 'payload' : path
    if (typeof item === 'string') {
      if (item.length > MAX_STRING_CHARS) {
        return `${where}: string of ${int(item.length)} characters; at most ${int(MAX_STRING_CHARS)}`
      }
      continue
    }
    if (typeof item !== 'object' || item === null) continue
    if (depth > MAX_NESTING_DEPTH) {
      return `${where}: nested ${depth} levels deep; at most ${MAX_NESTING_DEPTH}`
    }
    if (Array.isArray(item)) {
      if (item.length > MAX_ARRAY_ITEMS) {
        return `${where}: array of ${int(item.length)} items; at most ${int(MAX_ARRAY_ITEMS)}`
      }
      item.forEach((child, index) =>
        stack.push({ value: child, path: join(path, index), depth: depth + 1 }),
      )
      continue
    }
    for (const [key, child] of Object.entries(item)) {
      if (key.length > MAX_STRING_CHARS) {
        return `${where}: a key of ${int(key.length)} characters; at most ${int(MAX_STRING_CHARS)}`
      }
      stack.push({ value: child, path: join(path, key), depth: depth + 1 })
    }
  }
  return null
}

/** Checks the serialized `data` text of an event against the size bound; null when it fits. */
export function checkDataSize(text: string): string | null {
  if (text.length <= MAX_EVENT_DATA_CHARS) return null
  return (
    `event data is ${int(text.length)} characters; at most ${int(MAX_EVENT_DATA_CHARS)} ` +
    `(clients skip events over ${int(CLIENT_MAX_EVENT_CHARS)})`
  )
}

/**
 * Nesting depth of a JSON text, counted over brackets outside strings (for raw `data` texts that
 * may not even be JSON); stops counting once past the bound.
 */
export function rawNestingDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index)
    if (inString) {
      if (char === 0x5c)
        index += 1 // backslash: skip the escaped character
      else if (char === 0x22) inString = false
    } else if (char === 0x22) {
      inString = true
    } else if (char === 0x5b || char === 0x7b) {
      depth += 1
      if (depth > deepest) deepest = depth
      if (deepest > MAX_NESTING_DEPTH) return deepest
    } else if (char === 0x5d || char === 0x7d) {
      depth = Math.max(0, depth - 1)
    }
  }
  return deepest
}

/**
 * Checks one event's data before it is stored: an object by value and by its JSON size, a raw
 * text by size and bracket depth. Returns the problem (with the real bound) or null.
 */
export function checkEventData(data: object | string): string | null {
  if (typeof data === 'string') {
    const size = checkDataSize(data)
    if (size !== null) return size
    const depth = rawNestingDepth(data)
    return depth > MAX_NESTING_DEPTH
      ? `data: nested more than ${MAX_NESTING_DEPTH} levels deep; at most ${MAX_NESTING_DEPTH}`
      : null
  }
  return checkValueBounds(data) ?? checkDataSize(JSON.stringify(data))
}
