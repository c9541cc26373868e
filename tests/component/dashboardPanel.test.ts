import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import DashboardPanel from '@/components/DashboardPanel.vue'
import { useConnectionStore } from '@/stores/connectionStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { channelStatus, dashboardEvent, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'
import { chartsIn, drawnChart, seriesOf } from './realCharts'

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
})
afterEach(() => {
  document.body.innerHTML = ''
})

function fill(overrides: Parameters<typeof dashboardEvent>[1] = {}, seconds = 1) {
  const store = useDashboardStore()
  store.apply(dashboardEvent(seconds, overrides))
  store.commit()
}

describe('DashboardPanel', () => {
  it('says what it waits for before the first snapshot', () => {
    const wrapper = mountWith(DashboardPanel, pinia)
    expect(wrapper.text()).toContain('No events yet')
    expect(wrapper.text()).toContain('with the first snapshot')
  })

  it('shows the KPIs with sign and arrow, the indices and the breadth', async () => {
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    fill()
    const wrapper = mountWith(DashboardPanel, pinia)
    await flushPromises()
    expect(wrapper.get('[data-testid="kpi-equity"]').text()).toBe('1,254,300.50')
    const pnl = wrapper.get('[data-testid="kpi-pnl"]')
    expect(pnl.text()).toContain('▲')
    expect(pnl.text()).toContain('+8450.20')
    expect(wrapper.get('[data-testid="kpi-pnl-pct"]').text()).toBe('+0.68 %')
    expect(wrapper.get('[data-testid="kpi-exposure"]').text()).toBe('62.0 %')
    const rows = wrapper.findAll('tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[0]?.text()).toContain('SSE Composite')
    expect(rows[0]?.text()).toContain('3,342.10')
    expect(rows[0]?.text()).toContain('+0.37 %')
    expect(rows[1]?.text()).toContain('▼')
    expect(rows[1]?.text()).toContain('−20.30')
    expect(wrapper.get('[data-testid="breadth"]').text()).toContain('2,411 advancing')
    expect(wrapper.get('[data-testid="breadth"]').text()).toContain('1,820 declining')
    expect(wrapper.get('[data-testid="breadth"] [role="img"]').attributes('aria-label')).toBe(
      'Market breadth: 2,411 advancing, 301 unchanged, 1,820 declining',
    )
    const legend = wrapper.get('ul[aria-label="Legend"]')
    expect(legend.findAll('li').map((li) => li.text())).toEqual(['Equity', 'SSE Composite'])
    expect(wrapper.find('.panel--dimmed').exists()).toBe(false)
  })

  it('draws the equity and the chosen index from the store in the real chart', async () => {
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    const store = useDashboardStore()
    const equities = [1_250_000, 1_251_500, 1_249_800, 1_252_100]
    equities.forEach((equity, i) =>
      store.apply(
        dashboardEvent(i, {
          portfolio: { equity, pnl_day: 0, pnl_day_pct: 0, exposure_pct: 0.5 },
        }),
      ),
    )
    store.commit()
    const wrapper = mountWith(DashboardPanel, pinia)
    await flushPromises()
    const chart = await drawnChart(wrapper.element)
    const byId = (id: string) => seriesOf(chart).find((s) => s.id === id)
    expect(byId('equity')?.data.map(([, v]) => v)).toEqual(equities)
    // The first index in the table is the one charted until the user picks another.
    const index = store.indexSeries.get('000001.SH')
    expect(byId('index')?.name).toBe('SSE Composite')
    expect(byId('index')?.data).toHaveLength(index?.decimated(undefined, 1000).length ?? -1)

    // A new snapshot reaches the chart at its next turn, without a remount.
    store.apply(
      dashboardEvent(equities.length, {
        portfolio: { equity: 1_260_000, pnl_day: 0, pnl_day_pct: 0, exposure_pct: 0.5 },
      }),
    )
    store.commit()
    await vi.waitFor(() => expect(byId('equity')?.data.at(-1)?.[1]).toBe(1_260_000))
    expect(chartsIn(wrapper.element)[0]).toBe(chart)
    wrapper.unmount()
  })

  it('labels the index axis with distinct numbers when the index moves less than 1,000', async () => {
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    const store = useDashboardStore()
    // SZSE Component between 10,960 and 11,040: "11k" on every tick before.
    for (let i = 0; i <= 8; i += 1) {
      const last = 10_960 + i * 10
      store.apply(
        dashboardEvent(i, {
          indices: [
            { symbol: '399001.SZ', name: 'SZSE Component', last, change: 0, change_pct: 0 },
          ],
        }),
      )
    }
    store.commit()
    const wrapper = mountWith(DashboardPanel, pinia)
    await flushPromises()
    const chart = await drawnChart(wrapper.element)
    const option = chart.getOption() as {
      yAxis: { axisLabel: { formatter: (value: number) => string } }[]
    }
    const label = option.yAxis[1]!.axisLabel.formatter
    const ticks = [10_960, 10_980, 11_000, 11_020, 11_040].map(label)
    expect(new Set(ticks).size).toBe(ticks.length)
    expect(ticks[2]).toBe('11,000')
    wrapper.unmount()
  })

  it('colours a loss down and gives it a minus sign and a down arrow', () => {
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    fill({ portfolio: { equity: 1e6, pnl_day: -1200, pnl_day_pct: -0.0012, exposure_pct: 0.5 } })
    const wrapper = mountWith(DashboardPanel, pinia)
    const tile = wrapper.get('[data-testid="kpi-pnl"]')
    expect(tile.text()).toContain('▼')
    expect(tile.text()).toContain('−1200.00')
    expect(tile.element.closest('.kpi')?.classList.contains('kpi--down')).toBe(true)
  })

  it('is dimmed and says "as of" when its channel is reconnecting', () => {
    fill()
    useConnectionStore().setStatus(
      'dashboard',
      channelStatus('dashboard', {
        phase: 'backoff',
        attempt: 2,
        retryAt: Date.now() + 4000,
        reason: 'HTTP 500',
      }),
    )
    const wrapper = mountWith(DashboardPanel, pinia)
    expect(wrapper.find('.panel--dimmed').exists()).toBe(true)
    expect(wrapper.get('[data-testid="as-of"]').text()).toMatch(/^as of \d\d:\d\d:\d\d$/)
    expect(wrapper.text()).toMatch(/reconnecting in \d s/)
    expect(wrapper.text()).not.toMatch(/\blive\b/)
  })

  it('keeps the frozen snapshot while paused and jumps to the newest on resume', async () => {
    const connection = useConnectionStore()
    connection.setStatus('dashboard', channelStatus('dashboard', OPEN))
    fill()
    const wrapper = mountWith(DashboardPanel, pinia)
    connection.setPaused(true)
    await flushPromises()
    fill({ portfolio: { equity: 2e6, pnl_day: 1, pnl_day_pct: 0, exposure_pct: 0.1 } }, 2)
    await flushPromises()
    expect(wrapper.get('[data-testid="kpi-equity"]').text()).toBe('1,254,300.50')
    expect(wrapper.get('[data-testid="as-of"]').text()).toContain('paused')
    connection.setPaused(false)
    await flushPromises()
    expect(wrapper.get('[data-testid="kpi-equity"]').text()).toBe('2,000,000.00')
  })

  it('leaves the chart controls alone while snapshots only move prices, and lists a new index', async () => {
    useConnectionStore().setStatus('dashboard', channelStatus('dashboard', OPEN))
    fill()
    const wrapper = mountWith(DashboardPanel, pinia)
    await flushPromises()
    const controls = wrapper.get('.dchart__controls').element
    const changes: MutationRecord[] = []
    const observer = new MutationObserver((records) => changes.push(...records))
    observer.observe(controls, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    })
    const [sse, szse] = dashboardEvent(1).data.indices
    for (let second = 2; second <= 5; second += 1) {
      fill(
        {
          indices: [
            { ...sse!, last: 3342 + second },
            { ...szse!, last: 10650 - second },
          ],
        },
        second,
      )
      await flushPromises()
    }
    expect(wrapper.get('tbody tr').text()).toContain('3,347.00')
    expect(observer.takeRecords().concat(changes)).toEqual([])
    fill({ indices: [sse!, szse!, { ...sse!, symbol: '000300.SH', name: 'CSI 300' }] }, 6)
    await flushPromises()
    expect(wrapper.findAll('.dchart__index option').map((o) => o.text())).toEqual([
      'SSE Composite',
      'SZSE Component',
      'CSI 300',
    ])
    observer.disconnect()
  })

  it('shows the channel gap on the panel', () => {
    fill()
    useConnectionStore().setStatus(
      'dashboard',
      channelStatus('dashboard', OPEN, {
        gap: { since: Date.now() - 5000, reason: 'server reset', uncertain: true },
      }),
    )
    const wrapper = mountWith(DashboardPanel, pinia)
    expect(wrapper.get('[data-testid="gap"]').text()).toContain('Events may be missing')
    expect(wrapper.get('[data-testid="gap"]').text()).toContain('server reset')
  })
})
