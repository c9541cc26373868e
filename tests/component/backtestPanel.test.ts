import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import BacktestPanel from '@/components/BacktestPanel.vue'
import { useBacktestStore } from '@/stores/backtestStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { backtestEvent, channelStatus, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'
import { drawnChart, seriesOf } from './realCharts'

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
  useConnectionStore().setStatus('backtest', channelStatus('backtest', OPEN))
})
afterEach(() => {
  document.body.innerHTML = ''
})

function add(...events: ReturnType<typeof backtestEvent>[]) {
  const store = useBacktestStore()
  for (const event of events) store.apply(event)
  store.commit()
}

const METRICS = {
  total_return: 0.183,
  annual_return: 0.071,
  sharpe: 1.21,
  max_drawdown: 0.118,
  win_rate: 0.54,
}

describe('BacktestPanel', () => {
  it('says that no backtests have reported yet', () => {
    const wrapper = mountWith(BacktestPanel, pinia)
    expect(wrapper.text()).toContain('No events yet')
    expect(wrapper.text()).toContain('Backtests appear here')
  })

  it('shows strategy, status, progress with the current date, equity and trades', async () => {
    add(
      backtestEvent('b-1', 1, { current_date: '2021-06-29', progress: 0.41 }),
      backtestEvent('b-1', 2),
    )
    const wrapper = mountWith(BacktestPanel, pinia)
    await flushPromises()
    const card = wrapper.get('[data-backtest-id="b-1"]')
    expect(card.get('h3').text()).toBe('mean-reversion-20d')
    expect(card.get('[data-testid="status"]').text()).toContain('running')
    expect(card.text()).toContain('42 %')
    expect(card.text()).toContain('at 2021-06-30')
    expect(card.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('42')
    expect(card.text()).toContain('1,183,000.00')
    expect(card.text()).toContain('1,090,000.00')
    expect(card.get('[data-testid="trades"]').text()).toBe('318')
    expect(card.find('[data-testid="metrics"]').exists()).toBe(false)
    expect(card.find('.chart-box').exists()).toBe(true)
    const legend = card.get('ul[aria-label="Legend"]')
    expect(legend.findAll('li').map((li) => li.text())).toEqual(['Equity', 'Benchmark', 'Drawdown'])
  })

  it('draws equity, benchmark and drawdown from the store in the real chart', async () => {
    const days = [
      { current_date: '2021-06-28', equity: 1_000_000, benchmark_equity: 1_000_000, drawdown: 0 },
      { current_date: '2021-06-29', equity: 1_020_000, benchmark_equity: 1_005_000, drawdown: 0 },
      { current_date: '2021-06-30', equity: 990_000, benchmark_equity: 1_001_000, drawdown: 0.029 },
    ]
    add(...days.map((day, i) => backtestEvent('b-chart', i + 1, day)))
    const wrapper = mountWith(BacktestPanel, pinia)
    await flushPromises()
    const card = wrapper.get('[data-backtest-id="b-chart"]')
    const chart = await drawnChart(card.element)
    const values = (id: string) =>
      seriesOf(chart)
        .find((s) => s.id === id)
        ?.data.map(([, v]) => v)
    expect(values('equity')).toEqual(days.map((d) => d.equity))
    expect(values('benchmark')).toEqual(days.map((d) => d.benchmark_equity))
    // Drawdown is drawn downwards from zero, as a loss reads.
    expect(values('drawdown')).toEqual(days.map((d) => -d.drawdown))
    wrapper.unmount()
  })

  it('shows the final metrics table of a completed backtest', () => {
    add(backtestEvent('b-2', 1, { status: 'completed', progress: 1, metrics: METRICS }))
    const wrapper = mountWith(BacktestPanel, pinia)
    const table = wrapper.get('[data-backtest-id="b-2"] [data-testid="metrics"]')
    expect(table.text()).toContain('Total return+18.30 %')
    expect(table.text()).toContain('Annual return+7.10 %')
    expect(table.text()).toContain('Sharpe1.21')
    expect(table.text()).toContain('Max drawdown11.80 %')
    expect(table.text()).toContain('Win rate54.0 %')
  })

  it('shows the error of a failed backtest', () => {
    add(backtestEvent('b-3', 1, { status: 'failed', error: 'data gap 2020-03-16' }))
    const wrapper = mountWith(BacktestPanel, pinia)
    expect(wrapper.get('[data-backtest-id="b-3"] [data-testid="error"]').text()).toContain(
      'data gap 2020-03-16',
    )
  })

  it('is dimmed with "as of" when its channel has failed', () => {
    add(backtestEvent('b-1', 1))
    useConnectionStore().setStatus(
      'backtest',
      channelStatus(
        'backtest',
        { phase: 'failed', reason: 'HTTP 401' },
        { lastEventAt: Date.now() - 5000 },
      ),
    )
    const wrapper = mountWith(BacktestPanel, pinia)
    expect(wrapper.find('.panel--dimmed').exists()).toBe(true)
    expect(wrapper.get('[data-testid="as-of"]').text()).toMatch(/^as of \d\d:\d\d:\d\d$/)
    expect(wrapper.text()).toContain('failed')
  })

  it('shows the excess return over the benchmark next to the equity curve', () => {
    add(
      backtestEvent('b-1', 1, {
        current_date: '2021-01-04',
        equity: 1_000_000,
        benchmark_equity: 1_000_000,
      }),
      backtestEvent('b-1', 2, {
        current_date: '2021-01-05',
        equity: 1_100_000,
        benchmark_equity: 1_050_000,
      }),
    )
    const wrapper = mountWith(BacktestPanel, pinia)
    expect(wrapper.get('[data-testid="excess"]').text()).toMatch(
      /^\+5\.00 % over the benchmark\s*\(strategy \+10\.00 %, benchmark \+5\.00 %\)$/,
    )
  })

  it('lists the three deepest drawdown episodes once enough data exists', () => {
    // 30 days: falls of 10 %, 20 % (recovered) and 5 %, then a 30 % fall still under water.
    const values = [
      100, 90, 100, 101, 81, 90, 101, 102, 97, 102, 103, 103, 103, 103, 103, 103, 103, 103, 103,
      103, 103, 72, 80,
    ]
    const events = values.map((equity, i) =>
      backtestEvent('b-1', i, {
        current_date: `2021-02-${String(i + 1).padStart(2, '0')}`,
        equity,
      }),
    )
    add(...events.slice(0, 10))
    const early = mountWith(BacktestPanel, pinia)
    expect(early.find('[data-testid="drawdowns"]').exists()).toBe(false)
    early.unmount()
    add(...events.slice(10))
    const wrapper = mountWith(BacktestPanel, pinia)
    const rows = wrapper
      .get('[data-testid="drawdowns"]')
      .findAll('tbody tr')
      .map((tr) => tr.findAll('td').map((td) => td.text()))
    expect(rows).toEqual([
      ['30.1 %', '2021-02-21', '2021-02-22', 'not yet'],
      ['19.8 %', '2021-02-04', '2021-02-05', '2021-02-07'],
      ['10.0 %', '2021-02-01', '2021-02-02', '2021-02-03'],
    ])
  })

  it('compares completed backtests side by side in one table', () => {
    add(
      backtestEvent('b-1', 1, { status: 'completed', progress: 1, metrics: METRICS }),
      backtestEvent('b-2', 2, {
        strategy: 'momentum-60d',
        status: 'completed',
        progress: 1,
        metrics: { ...METRICS, sharpe: 0.8, total_return: 0.25 },
      }),
      backtestEvent('b-3', 3),
    )
    const wrapper = mountWith(BacktestPanel, pinia)
    const table = wrapper.get('[data-testid="backtest-compare"]')
    expect(table.findAll('thead th').map((th) => th.text())).toEqual([
      'Metric',
      expect.stringContaining('momentum-60d'),
      expect.stringContaining('mean-reversion-20d'),
    ])
    const sharpe = table.findAll('tbody tr').find((tr) => tr.text().startsWith('Sharpe'))
    expect(sharpe?.findAll('td').map((td) => td.text())).toEqual(['0.80', '1.21 (best)'])
  })
})
