// The view in the URL with a real router and real stores, and the dashboard chart's CSV.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import DashboardCsv from '@/components/DashboardCsv.vue'
import { useUrlViewState } from '@/composables/useUrlViewState'
import { useAlertsStore } from '@/stores/alertsStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { dashboardEvent } from './factories'
import { captureDownloads } from './downloads'
import { freshPinia } from './mountPage'

enableAutoUnmount(afterEach)
let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
})

const Page = defineComponent({
  setup() {
    useUrlViewState()
    return () => h('div', 'page')
  },
})

async function open(url: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/market/realtime', component: Page }],
  })
  await router.push(url)
  await router.isReady()
  mount({ render: () => h(RouterView) }, { global: { plugins: [pinia, router] } })
  await flushPromises()
  return router
}

describe('view in the URL', () => {
  it('a link sets filters, compared runs, window and pause; a change is a new history entry', async () => {
    const router = await open(
      '/market/realtime?sev=critical&cat=drawdown&compare=r-1,r-2&window=15m&paused=1',
    )
    const alerts = useAlertsStore()
    expect([...alerts.severityFilter]).toEqual(['critical'])
    expect([...alerts.categoryFilter]).toEqual(['drawdown'])
    expect(useTrainingStore().compared).toEqual(['r-1', 'r-2'])
    expect(useConnectionStore().paused).toBe(true)
    expect(JSON.parse(localStorage.getItem('rtm:dashboard:chart') ?? '{}').windowMs).toBe(
      15 * 60_000,
    )

    alerts.toggleSeverity('warning')
    await flushPromises()
    expect(router.currentRoute.value.query.sev).toBe('warning,critical')
    router.back()
    await vi.waitFor(() => expect([...useAlertsStore().severityFilter]).toEqual(['critical']))
  })

  it('a bare link keeps what this browser remembered and writes it into the URL', async () => {
    useAlertsStore().severityFilter = new Set(['info'])
    const router = await open('/market/realtime')
    expect(router.currentRoute.value.query.sev).toBe('info')
  })
})

describe('dashboard chart CSV', () => {
  it('writes equity and every index by time, named with the channel and time', async () => {
    const downloads = captureDownloads()
    try {
      const store = useDashboardStore()
      store.apply(dashboardEvent(1))
      store.apply(dashboardEvent(2))
      store.commit()
      const wrapper = mount(DashboardCsv, { global: { plugins: [pinia] } })
      await wrapper.get('button').trigger('click')
      expect(downloads.names[0]).toMatch(/^dashboard-chart-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.csv$/)
      const text = await downloads.text(0)
      const lines = text.trim().split('\r\n')
      expect(lines[0]).toBe('time,equity,000001.SH,399001.SZ')
      expect(lines).toHaveLength(3)
    } finally {
      downloads.restore()
    }
  })
})
