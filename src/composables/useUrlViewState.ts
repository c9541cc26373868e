// Keeps the view in the URL: a copied link opens the same view, and back/forward step through views.
import { useLocalStorage } from '@vueuse/core'
import { computed, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { hasViewQuery, queryToView, sameQuery, viewToQuery } from '@/router/viewQuery'
import type { ViewState } from '@/router/viewQuery'
import { useAlertsStore } from '@/stores/alertsStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { useTrainingStore } from '@/stores/trainingStore'

/** The dashboard chart's remembered window and index (its own storage key, shared in this document). */
const CHART_PREFS_KEY = 'rtm:dashboard:chart'

/** Call once in the page. */
export function useUrlViewState(): void {
  const route = useRoute()
  const router = useRouter()
  const alerts = useAlertsStore()
  const training = useTrainingStore()
  const connection = useConnectionStore()
  const chart = useLocalStorage(CHART_PREFS_KEY, { windowMs: 5 * 60_000, symbol: '' })

  const view = computed<ViewState>(() => ({
    windowMs: chart.value.windowMs,
    index: chart.value.symbol || null,
    severities: [...alerts.severityFilter],
    categories: [...alerts.categoryFilter],
    compare: [...training.compared],
    paused: connection.paused,
  }))

  function apply(next: ViewState): void {
    chart.value = {
      windowMs: next.windowMs ?? chart.value.windowMs,
      symbol: next.index ?? chart.value.symbol,
    }
    alerts.severityFilter = new Set(next.severities)
    alerts.categoryFilter = new Set(next.categories)
    training.compared = next.compare
    connection.setPaused(next.paused)
  }

  // A link with a view opens that view; a bare link keeps what this browser remembers.
  if (hasViewQuery(route.query)) apply(queryToView(route.query))

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
      if (!sameQuery(viewToQuery(view.value, query), query)) apply(queryToView(query))
    },
  )
}
