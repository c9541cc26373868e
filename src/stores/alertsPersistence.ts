// What the alerts store keeps in localStorage: user settings and per-alert workflow, read back through guards.
import type { Serializer } from '@vueuse/core'
import { ALERT_CATEGORIES, SEVERITIES } from '../protocol/contract'
import type { AlertCategory, Severity } from '../protocol/contract'

export const SETTINGS_KEY = 'rtm:alerts:settings'
export const WORKFLOW_KEY = 'rtm:alerts:workflow'
/** Workflow is remembered for this many alert ids (most recently touched kept). */
export const WORKFLOW_CAP = 1000

export interface AlertSettings {
  /** Shown severities; empty means all. */
  severities: Severity[]
  /** Shown categories; empty means all. */
  categories: AlertCategory[]
  notifyDesktop: boolean
  soundCritical: boolean
  /** Repeat the sound at a gentle interval while a critical stays unacknowledged (opt-in). */
  repeatSound: boolean
}

/** What the analyst did with one alert. */
export interface AlertWorkflow {
  id: string
  ackedAt: number | null
  snoozedUntil: number | null
  /** The row's count when it was snoozed: a higher count at expiry means it fired again meanwhile. */
  snoozedCount: number | null
}

export function defaultSettings(): AlertSettings {
  return {
    severities: [],
    categories: [],
    notifyDesktop: false,
    soundCritical: false,
    repeatSound: false,
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function pickList<T extends string>(value: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(value)) return []
  const out = new Set<T>()
  for (const item of value) {
    if ((allowed as readonly unknown[]).includes(item)) out.add(item as T)
  }
  return [...out]
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return null
  }
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** Settings from storage text; anything unknown or malformed falls back to defaults field by field. */
export function readSettings(raw: string): AlertSettings {
  const parsed = safeJson(raw)
  const base = defaultSettings()
  if (!isRecord(parsed)) return base
  return {
    severities: pickList(parsed.severities, SEVERITIES),
    categories: pickList(parsed.categories, ALERT_CATEGORIES),
    notifyDesktop: typeof parsed.notifyDesktop === 'boolean' ? parsed.notifyDesktop : false,
    soundCritical: typeof parsed.soundCritical === 'boolean' ? parsed.soundCritical : false,
    repeatSound: typeof parsed.repeatSound === 'boolean' ? parsed.repeatSound : false,
  }
}

/** Workflow entries from storage text; malformed entries are dropped, the newest WORKFLOW_CAP kept. */
export function readWorkflow(raw: string): AlertWorkflow[] {
  const parsed = safeJson(raw)
  if (!Array.isArray(parsed)) return []
  const out: AlertWorkflow[] = []
  for (const item of parsed) {
    if (!isRecord(item) || typeof item.id !== 'string') continue
    out.push({
      id: item.id,
      ackedAt: finiteOrNull(item.ackedAt),
      snoozedUntil: finiteOrNull(item.snoozedUntil),
      snoozedCount: finiteOrNull(item.snoozedCount),
    })
  }
  return out.slice(-WORKFLOW_CAP)
}

export const settingsSerializer: Serializer<AlertSettings> = {
  read: readSettings,
  write: (value) => JSON.stringify(value),
}

export const workflowSerializer: Serializer<AlertWorkflow[]> = {
  read: readWorkflow,
  write: (value) => JSON.stringify(value),
}

/**
 * Returns a new list with `id`'s entry patched and moved to the end (most recent), bounded to `cap`.
 * Entries that no longer hold anything are removed.
 */
export function patchWorkflow(
  list: readonly AlertWorkflow[],
  id: string,
  patch: Partial<Omit<AlertWorkflow, 'id'>>,
  cap = WORKFLOW_CAP,
): AlertWorkflow[] {
  const previous = list.find((entry) => entry.id === id)
  const next: AlertWorkflow = {
    id,
    ackedAt: previous?.ackedAt ?? null,
    snoozedUntil: previous?.snoozedUntil ?? null,
    snoozedCount: previous?.snoozedCount ?? null,
    ...patch,
  }
  const out = list.filter((entry) => entry.id !== id)
  if (next.ackedAt !== null || next.snoozedUntil !== null) out.push(next)
  return out.length > cap ? out.slice(out.length - cap) : out
}

/** Acknowledges many ids at once (one storage write). */
export function acknowledgeMany(
  list: readonly AlertWorkflow[],
  ids: readonly string[],
  at: number,
  cap = WORKFLOW_CAP,
): AlertWorkflow[] {
  const byId = new Map(list.map((entry) => [entry.id, entry]))
  for (const id of ids) {
    const previous = byId.get(id)
    if (previous?.ackedAt != null) continue
    byId.delete(id)
    byId.set(id, {
      id,
      ackedAt: at,
      snoozedUntil: previous?.snoozedUntil ?? null,
      snoozedCount: previous?.snoozedCount ?? null,
    })
  }
  const out = [...byId.values()]
  return out.length > cap ? out.slice(out.length - cap) : out
}
