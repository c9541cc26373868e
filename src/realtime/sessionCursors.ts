// Keeps last event ids in memory and mirrors them to sessionStorage, so a reload resumes where it stopped.

/** Last event ids by key; setting '' forgets one (an empty `id:` field resets the last event id). */
export interface CursorStore {
  get(key: string): string | null
  set(key: string, value: string): void
}

export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  /** Where the storage can list its keys, entries() finds stored cursors. */
  readonly length?: number
  key?(index: number): string | null
}

/** Cursors change on every event; storage is written at most every `flushMs`, and on pagehide. */
export function createSessionCursors(
  storage: StorageLike | null,
  prefix: string,
  flushMs = 250,
): CursorStore & { flush(): void; entries(): Record<string, string> } {
  const values = new Map<string, string>()
  const dirty = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  const storageKey = (key: string) => prefix + key

  function flush() {
    clearTimeout(timer)
    timer = undefined
    if (!storage) return dirty.clear()
    for (const key of dirty) {
      try {
        storage.setItem(storageKey(key), values.get(key) ?? '')
      } catch {
        // A full or blocked storage only costs resume-after-reload, not the live stream.
      }
    }
    dirty.clear()
  }

  return {
    get(key) {
      const known = values.get(key)
      if (known !== undefined) return known || null
      let stored: string | null = null
      try {
        stored = storage?.getItem(storageKey(key)) ?? null
      } catch {
        stored = null
      }
      if (stored) values.set(key, stored)
      return stored || null
    },
    set(key, value) {
      values.set(key, value)
      dirty.add(key)
      timer ??= setTimeout(flush, flushMs)
    },
    flush,
    entries() {
      const prefix = storageKey('')
      const found: Record<string, string> = {}
      try {
        for (let i = 0; storage?.key && i < (storage.length ?? 0); i += 1) {
          const name = storage.key(i)
          if (!name?.startsWith(prefix)) continue
          const value = storage.getItem(name)
          if (value) found[name.slice(prefix.length)] = value
        }
      } catch {
        // Unreadable storage: only the cursors of this page's life are handed over.
      }
      for (const [key, value] of values) {
        if (value) found[key] = value
        else delete found[key]
      }
      return found
    },
  }
}

export function browserSessionStorage(): StorageLike | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  } catch {
    return null
  }
}

/** For server-side connection tracking; kept for the session under `key`. */
export function createClientId(storage: StorageLike | null, key: string): string {
  try {
    const existing = storage?.getItem(key)
    if (existing) return existing
  } catch {
    // Fall through to a fresh id.
  }
  const id =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID()
      : `c-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
  try {
    storage?.setItem(key, id)
  } catch {
    // The id only has to last for this page then.
  }
  return id
}

/** An engine's cursors: a worker has no sessionStorage, so every move is handed on to the tabs. */
export class HandedCursors implements CursorStore {
  private readonly values: Map<string, string>
  private moved: Record<string, string> | null = null

  constructor(
    start: Record<string, string>,
    private readonly onMove: () => void,
    readonly flush: () => void,
  ) {
    this.values = new Map(Object.entries(start))
  }

  get(key: string): string | null {
    return this.values.get(key) || null
  }

  set(key: string, value: string): void {
    this.values.set(key, value)
    ;(this.moved ??= {})[key] = value
    this.onMove()
  }

  takeMoved(): Record<string, string> | null {
    const moved = this.moved
    this.moved = null
    return moved
  }
}
