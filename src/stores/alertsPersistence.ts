// What the alerts store keeps in localStorage: user settings and per-alert workflow, read back through schemas.
import type { Serializer } from '@vueuse/core'
import * as v from 'valibot'
import { ALERT_CATEGORIES, SEVERITIES } from '../protocol/contract'
import type { AlertCategory, Severity } from '../protocol/contract'
import { STORAGE_KEYS } from '../config/storageKeys'

export const SETTINGS_KEY = STORAGE_KEYS.alertSettings
export const WORKFLOW_KEY = STORAGE_KEYS.alertWorkflow
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
  /** Severity and value of the row when it was acknowledged: a repeat worse than these re-opens it. */
  ackedSeverity?: Severity | null
  ackedValue?: number | null
  /** Payload time of the worse repeat that re-opened the row (its ack was dropped); null after an ack. */
  reopenedAt?: number | null
  /** End of a snooze that ran out with no repeat: the next repeat speaks once. */
  snoozeEndedAt?: number | null
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

/** A list of known values: anything else in it is dropped, and each value kept once. */
function knownList<const T extends readonly string[]>(allowed: T) {
  const known = v.picklist(allowed)
  return v.fallback(
    v.pipe(
      v.array(v.unknown()),
      v.transform((items) => [...new Set(items.filter((item) => v.is(known, item)))]),
    ),
    () => [],
  )
}

const flag = v.fallback(v.boolean(), false)
const finiteOrNull = v.fallback(v.nullable(v.pipe(v.number(), v.finite())), null)

/** Settings text: a field that is missing or malformed takes its default, other text all defaults. */
const SettingsSchema = v.fallback(
  v.pipe(
    v.string(),
    v.parseJson(),
    v.object({
      severities: knownList(SEVERITIES),
      categories: knownList(ALERT_CATEGORIES),
      notifyDesktop: flag,
      soundCritical: flag,
      repeatSound: flag,
    }),
  ),
  defaultSettings,
)

/** Fields added later: absent in older storage (left out), null when cleared, dropped when malformed. */
const laterFiniteOrNull = v.fallback(
  v.optional(v.nullable(v.pipe(v.number(), v.finite()))),
  undefined,
)

const WorkflowEntrySchema = v.object({
  id: v.string(),
  ackedAt: finiteOrNull,
  snoozedUntil: finiteOrNull,
  snoozedCount: finiteOrNull,
  ackedSeverity: v.fallback(v.optional(v.nullable(v.picklist(SEVERITIES))), undefined),
  ackedValue: laterFiniteOrNull,
  reopenedAt: laterFiniteOrNull,
  snoozeEndedAt: laterFiniteOrNull,
})

/** Workflow text: a list of entries, of which the malformed are dropped; other text, none. */
const WorkflowSchema = v.fallback(
  v.pipe(
    v.string(),
    v.parseJson(),
    v.array(v.unknown()),
    v.transform((items) =>
      items
        .flatMap((item) => {
          const entry = v.safeParse(WorkflowEntrySchema, item)
          return entry.success ? [entry.output] : []
        })
        .slice(-WORKFLOW_CAP),
    ),
  ),
  () => [],
)

/** Settings from storage text; anything unknown or malformed falls back to defaults field by field. */
export function readSettings(raw: string): AlertSettings {
  return v.parse(SettingsSchema, raw)
}

/** Workflow entries from storage text; malformed entries are dropped, the newest WORKFLOW_CAP kept. */
export function readWorkflow(raw: string): AlertWorkflow[] {
  return v.parse(WorkflowSchema, raw)
}

export const settingsSerializer: Serializer<AlertSettings> = {
  read: readSettings,
  write: (value) => JSON.stringify(value),
}

export const workflowSerializer: Serializer<AlertWorkflow[]> = {
  read: readWorkflow,
  write: (value) => JSON.stringify(value),
}

/** An entry worth keeping: acknowledged, snoozed, re-opened or waiting for its first repeat after a snooze. */
function holdsSomething(entry: AlertWorkflow): boolean {
  return (
    entry.ackedAt !== null ||
    entry.snoozedUntil !== null ||
    entry.reopenedAt != null ||
    entry.snoozeEndedAt != null
  )
}

/** What an ack records of the row: a later repeat is compared with it (see alertsModel's escalation). */
export interface AckBaseline {
  severity: Severity
  value: number | null
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
    ackedAt: null,
    snoozedUntil: null,
    snoozedCount: null,
    ...previous,
    ...patch,
    id,
  }
  const out = list.filter((entry) => entry.id !== id)
  if (holdsSomething(next)) out.push(next)
  return out.length > cap ? out.slice(out.length - cap) : out
}

/** The fields an ack sets: its time and what the row was like, so a worse repeat can re-open it. */
export function ackPatch(at: number, baseline: AckBaseline | undefined): Partial<AlertWorkflow> {
  return {
    ackedAt: at,
    ackedSeverity: baseline?.severity ?? null,
    ackedValue: baseline?.value ?? null,
    reopenedAt: null,
    snoozeEndedAt: null,
  }
}

/** Acknowledges many ids at once (one storage write). */
export function acknowledgeMany(
  list: readonly AlertWorkflow[],
  ids: readonly string[],
  at: number,
  cap = WORKFLOW_CAP,
  baselineOf: (id: string) => AckBaseline | undefined = () => undefined,
): AlertWorkflow[] {
  const byId = new Map(list.map((entry) => [entry.id, entry]))
  for (const id of ids) {
    const previous = byId.get(id)
    if (previous?.ackedAt != null) continue
    byId.delete(id)
    byId.set(id, {
      id,
      snoozedUntil: previous?.snoozedUntil ?? null,
      snoozedCount: previous?.snoozedCount ?? null,
      ...ackPatch(at, baselineOf(id)),
      ackedAt: at,
    })
  }
  const out = [...byId.values()]
  return out.length > cap ? out.slice(out.length - cap) : out
}
