// Alerts channel state: rows of repeats, storms, the analyst's workflow (ack, snooze), filters and settings.
import { useIntervalFn, useLocalStorage } from '@vueuse/core'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { AlertCategory, EventOf, RiskAlert, Severity } from '../protocol/contract'
import { batchApplier } from './applyEach'
import { AlertBook, type AlertRow } from './alertBook'
import {
  countBySeverity,
  countPending,
  countUnreadCritical,
  criticalAnnouncement,
  isAcknowledged,
  isSnoozed,
  repeatEffect,
  selectVisible,
} from './alertsModel'
import type { VisibilityContext } from './alertsModel'
import { buildEntries } from './alertStorms'
import {
  SETTINGS_KEY,
  WORKFLOW_CAP,
  WORKFLOW_KEY,
  ackPatch,
  acknowledgeMany,
  defaultSettings,
  patchWorkflow,
  settingsSerializer,
  workflowSerializer,
} from './alertsPersistence'
import type { AckBaseline, AlertSettings, AlertWorkflow } from './alertsPersistence'

export const SNOOZE_MINUTES = [15, 60, 240] as const
export type SnoozeMinutes = (typeof SNOOZE_MINUTES)[number]
/** How often `now` advances, so snoozes expire without any event arriving. */
export const NOW_TICK_MS = 5_000

interface Arrival {
  alert: RiskAlert
  signature: string
}

export interface SnoozedAlert {
  row: AlertRow
  until: number
}

export const useAlertsStore = defineStore('alerts', () => {
  // Mutated per event outside reactivity; `rows` is the copy published at commit.
  const book = new AlertBook()
  const rows = shallowRef<readonly AlertRow[]>([])
  /** The latest copy of each row, newest first (for views that only need the alerts). */
  const alerts = computed<readonly RiskAlert[]>(() => rows.value.map((row) => row.alert))
  const version = shallowRef(0)
  const lastCriticalAnnouncement = shallowRef<string | null>(null)
  /** Bumped with every announcement: two alerts with the same text must be announced twice. */
  const criticalSeq = shallowRef(0)
  /** What the last announcement was about, the same in every tab ("row#new"…): tabs voice each once. */
  const lastCriticalSignatures = shallowRef<readonly string[]>([])
  const now = shallowRef(Date.now())

  const settings = useLocalStorage<AlertSettings>(SETTINGS_KEY, defaultSettings(), {
    serializer: settingsSerializer,
    shallow: true,
  })
  // Other tabs' acks and snoozes arrive through the storage event (same origin, same key).
  const workflowList = useLocalStorage<AlertWorkflow[]>(WORKFLOW_KEY, [], {
    serializer: workflowSerializer,
    shallow: true,
  })
  const workflow = computed(() => new Map(workflowList.value.map((entry) => [entry.id, entry])))

  function updateSettings(patch: Partial<AlertSettings>): void {
    settings.value = { ...settings.value, ...patch }
  }

  const severityFilter = computed<ReadonlySet<Severity>>({
    get: () => new Set(settings.value.severities),
    set: (value) => updateSettings({ severities: [...value] }),
  })
  const categoryFilter = computed<ReadonlySet<AlertCategory>>({
    get: () => new Set(settings.value.categories),
    set: (value) => updateSettings({ categories: [...value] }),
  })
  const notifyDesktop = computed<boolean>({
    get: () => settings.value.notifyDesktop,
    set: (value) => updateSettings({ notifyDesktop: value }),
  })
  const soundCritical = computed<boolean>({
    get: () => settings.value.soundCritical,
    set: (value) => updateSettings({ soundCritical: value }),
  })
  const repeatSound = computed<boolean>({
    get: () => settings.value.repeatSound,
    set: (value) => updateSettings({ repeatSound: value }),
  })

  function toggleSeverity(severity: Severity): void {
    const next = new Set(severityFilter.value)
    if (!next.delete(severity)) next.add(severity)
    severityFilter.value = next
  }

  function toggleCategory(category: AlertCategory): void {
    const next = new Set(categoryFilter.value)
    if (!next.delete(category)) next.add(category)
    categoryFilter.value = next
  }

  /** Row keys the list shows while new rows are held back; null when not holding. */
  const frozenIds = shallowRef<ReadonlySet<string> | null>(null)
  /** Storm groups the analyst opened. */
  const expandedGroups = shallowRef<ReadonlySet<string>>(new Set())

  const context = computed<VisibilityContext>(() => ({
    severities: severityFilter.value,
    categories: categoryFilter.value,
    workflow: workflow.value,
    now: now.value,
    frozenIds: frozenIds.value,
  }))
  const visible = computed(() => selectVisible(rows.value, context.value))
  const entries = computed(() => buildEntries(visible.value, expandedGroups.value))
  const pendingCount = computed(() => countPending(rows.value, context.value))
  const unreadCritical = computed(() => countUnreadCritical(rows.value, workflow.value, now.value))
  const severityCounts = computed(() => countBySeverity(rows.value, workflow.value, now.value))
  const snoozedAlerts = computed<SnoozedAlert[]>(() =>
    rows.value.flatMap((row) => {
      const state = workflow.value.get(row.key)
      return state && isSnoozed(state, now.value)
        ? [{ row, until: state.snoozedUntil as number }]
        : []
    }),
  )

  function toggleGroup(id: string): void {
    const next = new Set(expandedGroups.value)
    if (!next.delete(id)) next.add(id)
    expandedGroups.value = next
  }

  /** While held, rows that arrive stay out of `visible` and are counted in `pendingCount`. */
  function holdNew(hold: boolean): void {
    if (!hold) frozenIds.value = null
    else if (!frozenIds.value) frozenIds.value = new Set(rows.value.map((r) => r.key))
  }

  /** Shows the held-back rows; keeps holding if the list was held. */
  function releaseNew(): void {
    if (frozenIds.value) frozenIds.value = new Set(rows.value.map((r) => r.key))
  }

  /** What the row is like now: an ack remembers it, and only a worse repeat re-opens the row. */
  function baselineOf(key: string): AckBaseline | undefined {
    const alert = book.get(key)?.alert
    return alert ? { severity: alert.severity, value: alert.value ?? null } : undefined
  }

  function acknowledge(key: string): void {
    const state = workflow.value.get(key)
    if (isAcknowledged(state) && state?.snoozedCount == null) return
    workflowList.value = patchWorkflow(workflowList.value, key, {
      ...ackPatch(Date.now(), baselineOf(key)),
      snoozedCount: null,
    })
  }

  function acknowledgeKeys(keys: readonly string[]): void {
    if (keys.length > 0) {
      workflowList.value = acknowledgeMany(
        workflowList.value,
        keys,
        Date.now(),
        WORKFLOW_CAP,
        baselineOf,
      )
    }
  }

  /** Acknowledges what the analyst can see: the visible rows, not filtered-out or held-back ones. */
  function acknowledgeAll(): void {
    acknowledgeKeys(visible.value.filter((row) => !row.acknowledged).map((row) => row.key))
  }

  function snooze(key: string, minutes: SnoozeMinutes): void {
    now.value = Date.now()
    const snoozedUntil = now.value + minutes * 60_000
    const count = book.get(key)?.count ?? 0
    workflowList.value = patchWorkflow(workflowList.value, key, {
      snoozedUntil,
      snoozedCount: count,
    })
  }

  function unsnooze(key: string): void {
    now.value = Date.now()
    workflowList.value = patchWorkflow(workflowList.value, key, {
      snoozedUntil: null,
      snoozedCount: null,
    })
  }

  function announce(arrived: readonly Arrival[]): void {
    const text = criticalAnnouncement(arrived.map((a) => a.alert))
    if (text === null) return
    lastCriticalAnnouncement.value = text
    lastCriticalSignatures.value = arrived.map((a) => a.signature)
    criticalSeq.value += 1
  }

  /**
   * Ends snoozes that ran out: a row that fired again meanwhile comes back unread (its ack is
   * dropped) and, when critical, is announced again; one that stayed quiet just comes back.
   */
  function expireSnoozes(): void {
    let list = workflowList.value
    const realerted: Arrival[] = []
    for (const state of list) {
      if (state.snoozedUntil === null || state.snoozedUntil > now.value) continue
      const row = book.get(state.id)
      const fired =
        row !== undefined && state.snoozedCount !== null && row.count > state.snoozedCount
      // A quiet snooze leaves a mark: the first repeat after it speaks once (see `apply`). Its end
      // time, not this tab's clock, names it, so every tab names that repeat the same.
      list = patchWorkflow(list, state.id, {
        snoozedUntil: null,
        snoozedCount: null,
        ...(fired ? { ackedAt: null } : { snoozeEndedAt: state.snoozedUntil }),
      })
      if (fired && row.alert.severity === 'critical') {
        realerted.push({ alert: row.alert, signature: `${row.key}#snooze@${state.snoozedUntil}` })
      }
    }
    if (list !== workflowList.value) workflowList.value = list
    announce(realerted)
  }

  useIntervalFn(() => {
    now.value = Date.now()
    expireSnoozes()
  }, NOW_TICK_MS)

  let dirty = false
  // Critical arrivals since the last commit, newest first.
  const arrivedCritical: Arrival[] = []

  /**
   * A repeat worse than the acknowledged row re-opens it (its ack dropped, where it came from
   * kept for the row to show); the first repeat after a quiet snooze brings the row back unread.
   * Both speak once when critical. The same event gives the same signature in every tab.
   */
  function applyRepeatEffect(key: string, alert: RiskAlert): boolean {
    const state = workflow.value.get(key)
    const effect = repeatEffect(state, alert, Date.now())
    if (effect === null || state === undefined) return false
    const at = book.get(key)?.lastSeen ?? Date.now()
    workflowList.value = patchWorkflow(
      workflowList.value,
      key,
      effect === 'reopen'
        ? { ackedAt: null, reopenedAt: at, snoozeEndedAt: null }
        : { ackedAt: null, snoozeEndedAt: null },
    )
    if (alert.severity === 'critical') {
      const signature =
        effect === 'reopen'
          ? `${key}#reopen@${alert.timestamp}`
          : `${key}#after-snooze@${state.snoozeEndedAt}`
      arrivedCritical.unshift({ alert, signature })
    }
    return true
  }

  function apply(event: EventOf<'alerts'>): void {
    const alert = event.data
    const knownKey = book.rowOf(alert.alert_id)
    const before = knownKey === undefined ? undefined : book.get(knownKey)?.alert.severity
    const { result, key } = book.upsert(alert)
    if (result === 'dropped' || key === null) return
    dirty = true
    // A copy sent again: the row shows it was re-sent; nothing to count or announce.
    if (result === 'replay') return
    if (result === 'repeat' && applyRepeatEffect(key, alert)) return
    // A new row, or a row that turned critical; repeats of a critical row do not announce again.
    const turnedCritical = result === 'repeat' && knownKey !== undefined && before !== 'critical'
    if (alert.severity === 'critical' && (result === 'new' || turnedCritical)) {
      const signature = result === 'new' ? `${key}#new` : `${key}#critical@${alert.timestamp}`
      arrivedCritical.unshift({ alert, signature })
    }
  }

  /** A frame's batch in one action (see applyEach.ts). */
  const applyAll = batchApplier(apply)

  function commit(): void {
    if (!dirty) return
    rows.value = book.list()
    announce(arrivedCritical)
    arrivedCritical.length = 0
    dirty = false
    version.value += 1
  }

  /** Drops the rows (not the settings or the workflow, which are keyed by row). */
  function clear(): void {
    book.clear()
    rows.value = []
    arrivedCritical.length = 0
    dirty = false
    lastCriticalAnnouncement.value = null
    if (frozenIds.value) frozenIds.value = new Set()
    version.value += 1
  }

  return {
    rows,
    alerts,
    version,
    now,
    settings,
    workflowList,
    workflow,
    severityFilter,
    categoryFilter,
    notifyDesktop,
    soundCritical,
    repeatSound,
    frozenIds,
    expandedGroups,
    visible,
    entries,
    pendingCount,
    unreadCritical,
    severityCounts,
    snoozedAlerts,
    lastCriticalAnnouncement,
    criticalSeq,
    lastCriticalSignatures,
    toggleSeverity,
    toggleCategory,
    toggleGroup,
    holdNew,
    releaseNew,
    acknowledge,
    acknowledgeKeys,
    acknowledgeAll,
    snooze,
    unsnooze,
    expireSnoozes,
    apply,
    applyAll,
    commit,
    clear,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAlertsStore, import.meta.hot))
