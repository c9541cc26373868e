// Alerts channel state: the de-duplicated alert list, the analyst's workflow (ack, snooze), filters and settings.
import { useIntervalFn, useLocalStorage } from '@vueuse/core'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { AlertCategory, EventOf, RiskAlert, Severity } from '../protocol/contract'
import {
  AlertBook,
  countPending,
  countUnreadCritical,
  criticalAnnouncement,
  isAcknowledged,
  isSnoozed,
  selectVisible,
} from './alertsModel'
import type { VisibilityContext } from './alertsModel'
import {
  SETTINGS_KEY,
  WORKFLOW_KEY,
  acknowledgeMany,
  defaultSettings,
  patchWorkflow,
  settingsSerializer,
  workflowSerializer,
} from './alertsPersistence'
import type { AlertSettings, AlertWorkflow } from './alertsPersistence'

export const SNOOZE_MINUTES = [15, 60] as const
export type SnoozeMinutes = (typeof SNOOZE_MINUTES)[number]
/** How often `now` advances, so snoozes expire without any event arriving. */
export const NOW_TICK_MS = 15_000

export interface SnoozedAlert {
  alert: RiskAlert
  until: number
}

export const useAlertsStore = defineStore('alerts', () => {
  // Mutated per event outside reactivity; `alerts` is the copy published at commit.
  const book = new AlertBook()
  const alerts = shallowRef<readonly RiskAlert[]>([])
  const version = shallowRef(0)
  const lastCriticalAnnouncement = shallowRef<string | null>(null)
  /** Bumped with every announcement: two alerts with the same text must be announced twice. */
  const criticalSeq = shallowRef(0)
  const now = shallowRef(Date.now())
  useIntervalFn(() => {
    now.value = Date.now()
  }, NOW_TICK_MS)

  const settings = useLocalStorage<AlertSettings>(SETTINGS_KEY, defaultSettings(), {
    serializer: settingsSerializer,
    shallow: true,
  })
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

  /** Ids the list shows while new arrivals are held back; null when not holding. */
  const frozenIds = shallowRef<ReadonlySet<string> | null>(null)

  const context = computed<VisibilityContext>(() => ({
    severities: severityFilter.value,
    categories: categoryFilter.value,
    workflow: workflow.value,
    now: now.value,
    frozenIds: frozenIds.value,
  }))
  const visible = computed(() => selectVisible(alerts.value, context.value))
  const pendingCount = computed(() => countPending(alerts.value, context.value))
  const unreadCritical = computed(() =>
    countUnreadCritical(alerts.value, workflow.value, now.value),
  )
  const snoozedAlerts = computed<SnoozedAlert[]>(() =>
    alerts.value.flatMap((alert) => {
      const state = workflow.value.get(alert.alert_id)
      return state && isSnoozed(state, now.value)
        ? [{ alert, until: state.snoozedUntil as number }]
        : []
    }),
  )

  /** While held, alerts that arrive stay out of `visible` and are counted in `pendingCount`. */
  function holdNew(hold: boolean): void {
    if (!hold) frozenIds.value = null
    else if (!frozenIds.value) frozenIds.value = new Set(alerts.value.map((a) => a.alert_id))
  }

  /** Shows the held-back alerts; keeps holding if the list was held. */
  function releaseNew(): void {
    if (frozenIds.value) frozenIds.value = new Set(alerts.value.map((a) => a.alert_id))
  }

  function acknowledge(id: string): void {
    if (isAcknowledged(workflow.value.get(id))) return
    workflowList.value = patchWorkflow(workflowList.value, id, { ackedAt: Date.now() })
  }

  /** Acknowledges what the analyst can see: the visible rows, not filtered-out or held-back ones. */
  function acknowledgeAll(): void {
    const ids = visible.value.filter((row) => !row.acknowledged).map((row) => row.alert.alert_id)
    if (ids.length > 0) workflowList.value = acknowledgeMany(workflowList.value, ids, Date.now())
  }

  function snooze(id: string, minutes: SnoozeMinutes): void {
    now.value = Date.now()
    const snoozedUntil = now.value + minutes * 60_000
    workflowList.value = patchWorkflow(workflowList.value, id, { snoozedUntil })
  }

  function unsnooze(id: string): void {
    now.value = Date.now()
    workflowList.value = patchWorkflow(workflowList.value, id, { snoozedUntil: null })
  }

  let dirty = false
  // Critical arrivals since the last commit, newest first.
  const arrivedCritical: RiskAlert[] = []

  function apply(event: EventOf<'alerts'>): void {
    const alert = event.data
    const previous = book.get(alert.alert_id)
    if (book.upsert(alert) === 'dropped') return
    dirty = true
    if (alert.severity === 'critical' && previous?.severity !== 'critical') {
      arrivedCritical.unshift(alert)
    }
  }

  function commit(): void {
    if (!dirty) return
    alerts.value = book.list()
    const announcement = criticalAnnouncement(arrivedCritical)
    if (announcement !== null) {
      lastCriticalAnnouncement.value = announcement
      criticalSeq.value += 1
    }
    arrivedCritical.length = 0
    dirty = false
    version.value += 1
  }

  /** Drops the alerts (not the settings or the workflow, which are keyed by alert_id). */
  function clear(): void {
    book.clear()
    alerts.value = []
    arrivedCritical.length = 0
    dirty = false
    lastCriticalAnnouncement.value = null
    if (frozenIds.value) frozenIds.value = new Set()
    version.value += 1
  }

  return {
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
    frozenIds,
    visible,
    pendingCount,
    unreadCritical,
    snoozedAlerts,
    lastCriticalAnnouncement,
    criticalSeq,
    toggleSeverity,
    toggleCategory,
    holdNew,
    releaseNew,
    acknowledge,
    acknowledgeAll,
    snooze,
    unsnooze,
    apply,
    commit,
    clear,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAlertsStore, import.meta.hot))
