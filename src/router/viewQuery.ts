// The page's view in the URL query: time window, chosen index, alert filters, compared runs, paused.
// Pure, so a copied link can be read back exactly and tested without a router.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { ALERT_CATEGORIES, SEVERITIES } from '@/protocol/contract'
import type { AlertCategory, Severity } from '@/protocol/contract'

/** Chart windows by their URL name. */
export const WINDOW_NAMES: Record<string, number> = {
  '1m': 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
}

export interface ViewState {
  /** Dashboard chart window (ms); null leaves the remembered one. */
  windowMs: number | null
  /** Symbol of the index on the dashboard chart; null leaves the remembered one. */
  index: string | null
  severities: Severity[]
  categories: AlertCategory[]
  /** Training runs overlaid, in order. */
  compare: string[]
  paused: boolean
}

/** The keys the view owns; other query parameters are left as they are. */
export const VIEW_KEYS = ['window', 'index', 'sev', 'cat', 'compare', 'paused'] as const

function first(value: LocationQuery[string] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' && v !== '' ? v : null
}

function list(value: LocationQuery[string] | undefined): string[] {
  const text = first(value)
  return text === null ? [] : text.split(',').filter(Boolean)
}

function pick<T extends string>(values: string[], allowed: readonly T[]): T[] {
  return allowed.filter((a) => values.includes(a))
}

export function hasViewQuery(query: LocationQuery): boolean {
  return VIEW_KEYS.some((key) => key in query)
}

/** The view a query describes; unknown values are dropped, never trusted. */
export function queryToView(query: LocationQuery): ViewState {
  const windowName = first(query.window)
  const index = first(query.index)
  return {
    windowMs: windowName !== null ? (WINDOW_NAMES[windowName] ?? null) : null,
    index: index !== null ? index.slice(0, 64) : null,
    severities: pick(list(query.sev), SEVERITIES),
    categories: pick(list(query.cat), ALERT_CATEGORIES),
    compare: list(query.compare)
      .slice(0, 12)
      .map((id) => id.slice(0, 200)),
    paused: first(query.paused) === '1',
  }
}

/** The query for a view, merged over the other parameters of `base`; empty parts left out. */
export function viewToQuery(view: ViewState, base: LocationQuery = {}): LocationQueryRaw {
  const out: LocationQueryRaw = {}
  for (const [key, value] of Object.entries(base)) {
    if (!(VIEW_KEYS as readonly string[]).includes(key)) out[key] = value
  }
  const windowName = Object.entries(WINDOW_NAMES).find(([, ms]) => ms === view.windowMs)?.[0]
  if (windowName) out.window = windowName
  if (view.index) out.index = view.index
  if (view.severities.length > 0) out.sev = pick(view.severities, SEVERITIES).join(',')
  if (view.categories.length > 0) out.cat = pick(view.categories, ALERT_CATEGORIES).join(',')
  if (view.compare.length > 0) out.compare = view.compare.join(',')
  if (view.paused) out.paused = '1'
  return out
}

/** Same query, whatever the key order. */
export function sameQuery(a: LocationQueryRaw, b: LocationQueryRaw): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const key of keys) if (String(a[key] ?? '') !== String(b[key] ?? '')) return false
  return true
}
