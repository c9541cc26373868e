// Keeps the view in the URL: a copied link opens the same view, and back/forward step through views.
import { useLocalStorage } from '@vueuse/core'
import { computed, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { STORAGE_KEYS } from '@/config/storageKeys'
import { hasViewQuery, queryToView, sameQuery, viewToQuery } from '@/router/viewQuery'
import type { ViewState } from '@/router/viewQuery'
import { useAlertsStore } from '@/stores/alertsStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { useTrainingStore } from '@/stores/trainingStore'

/** The dashboard chart's remembered window and index (its own storage key, shared in this document). */
const CHART_PREFS_KEY = STORAGE_KEYS.dashboardChart
const DEFAULT_WINDOW_MS = 5 * 60_000

/** Call once in the page. */
export function useUrlViewState(): void {
  const route = useRoute()
  const router = useRouter()
  const alerts = useAlertsStore()
  const training = useTrainingStore()
  const connection = useConnectionStore()
  const chart = useLocalStorage(CHART_PREFS_KEY, { windowMs: DEFAULT_WINDOW_MS, symbol: '' })

  const view = computed<ViewState>(() => ({
    windowMs: chart.value.windowMs,
    index: chart.value.symbol || null,
    severities: [...alerts.severityFilter],
    categories: [...alerts.categoryFilter],
    compare: [...training.compared],
    paused: connection.paused,
  }))

  /**
   * `link`: a link opened the page, and what it leaves out keeps what this browser remembers.
   * Otherwise (back/forward) the entry is a view this page wrote, whole: a missing index is "none
   * chosen". Keeping the remembered one there would differ from the URL and push a new entry,
   * which cuts off the forward history.
   */
  function apply(next: ViewState, from: 'link' | 'history'): void {
    const keep = from === 'link'
    chart.value = {
      windowMs: next.windowMs ?? (keep ? chart.value.windowMs : DEFAULT_WINDOW_MS),
      symbol: next.index ?? (keep ? chart.value.symbol : ''),
    }
    alerts.severityFilter = new Set(next.severities)
    alerts.categoryFilter = new Set(next.categories)
    training.compared = next.compare
    connection.setPaused(next.paused)
  }

  // A link with a view opens that view; a bare link keeps what this browser remembers.
  if (hasViewQuery(route.query)) apply(queryToView(route.query), 'link')

  // The view changed here: a new history entry (so back undoes it); the first write replaces.
  let first = true
  watch(
    view,
    (state) => {
      const query = viewToQuery(state, route.query)
      if (sameQuery(query, route.query)) return
      const nav = { query, hash: route.hash }
      void (first ? router.replace(nav) : router.push(nav))
    },
    { immediate: true },
  )
  first = false

  // Back/forward (or a link to another view): the URL wins.
  watch(
    () => route.query,
    (query) => {
      if (!sameQuery(viewToQuery(view.value, query), query)) apply(queryToView(query), 'history')
    },
  )
}
