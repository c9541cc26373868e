// Layout an analyst reads at a phone's and a desktop's width: alert messages fill their rows and
// offer "Show all" when cut; the backtest comparison fits its box with four runs, and a box that
// must scroll can be scrolled by keyboard.
import type { Locator } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import { PANEL_TITLES, SLOW, emitCompletedBacktest, expectLive, panel } from './monitorPage.ts'

test.use({ backendOptions: { simulate: false } })

const STRATEGIES = [
  'mean-reversion-20d with sector-neutral hedging',
  'momentum-12-1',
  'pairs-trading-banks-cointegration-v2',
  'low-volatility-quality',
]

/**
 * Px by which `box`'s content is wider than the box (0 or less: it fits). Widths are rounded to
 * whole pixels, so a table of fractional column widths can read 1 px wider than its box without a
 * pixel drawn outside it; the component itself calls a box scrolling only past that (BacktestCompare).
 */
const overflow = (box: Locator) => box.evaluate((el) => el.scrollWidth - el.clientWidth - 1)

for (const width of [1440, 375]) {
  test(`the comparison of four backtests fits its box at ${width} px, every value in view`, async ({
    page,
    monitor,
  }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.goto(monitor.pageUrl)
    await expectLive(page)
    STRATEGIES.forEach((strategy, i) =>
      emitCompletedBacktest(monitor.backend.backend, `bt-${i + 1}`, strategy, 0.04 + i * 0.05),
    )
    const table = panel(page, PANEL_TITLES.backtest).getByTestId('backtest-compare')
    await expect(table.locator('tbody tr').first().locator('td')).toHaveCount(4, { timeout: SLOW })
    const wrap = table.locator('xpath=..')
    await table.scrollIntoViewIfNeeded()
    await expect.poll(() => overflow(wrap)).toBeLessThanOrEqual(0)
    const box = (await wrap.boundingBox())!
    for (const cell of await table.locator('td, th').all()) {
      const cellBox = (await cell.boundingBox())!
      expect(cellBox.x).toBeGreaterThanOrEqual(box.x - 1)
      expect(cellBox.x + cellBox.width).toBeLessThanOrEqual(box.x + box.width + 1)
      // No value spills out of its cell (cells do not wrap numbers).
      expect(
        await cell.evaluate((el) => el.scrollWidth - el.clientWidth),
        `${await cell.textContent()} spills out of its cell by`,
      ).toBeLessThanOrEqual(0)
    }
    // Each run is named: over its column, or by letter with the name in the key.
    for (const strategy of STRATEGIES) {
      await expect(panel(page, PANEL_TITLES.backtest).getByText(strategy).first()).toBeVisible()
    }
    // A box that fits is no tab stop.
    await expect(wrap).not.toHaveAttribute('tabindex', '0')
  })
}

test('a comparison too wide for a phone scrolls, and the keyboard can scroll it', async ({
  page,
  monitor,
}) => {
  await page.setViewportSize({ width: 375, height: 800 })
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  for (let i = 0; i < 8; i += 1) {
    emitCompletedBacktest(monitor.backend.backend, `bt-${i + 1}`, `strategy-${i + 1}`, 0.01 * i)
  }
  const table = panel(page, PANEL_TITLES.backtest).getByTestId('backtest-compare')
  await expect(table.locator('tbody tr').first().locator('td')).toHaveCount(8, { timeout: SLOW })
  const wrap = page.getByRole('region', { name: 'Run comparison, scrollable' })
  await expect(wrap).toHaveAttribute('tabindex', '0')
  await wrap.focus()
  await expect(wrap).toBeFocused()
  await page.keyboard.press('ArrowRight')
  await page.keyboard.press('ArrowRight')
  await expect.poll(() => wrap.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0)
})

for (const width of [375, 1440]) {
  test(`alert messages fill their row at ${width} px and offer "Show all" exactly when cut`, async ({
    page,
    monitor,
  }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.goto(monitor.pageUrl)
    await expectLive(page)
    const messages = [
      'Gross exposure 131% above target 90%: technology and staples over their caps; rebalance',
      'Single-name concentration in 600519.SH at 14.8% of NAV (limit 10%)',
      'VaR 2.1%',
      'Liquidity: 3 positions need more than 5 days of ADV to exit at 20% participation; the smallest, 688981.SH, would take 11 days',
    ]
    messages.forEach((message, i) =>
      monitor.backend.backend.emit('alerts', 'risk_alert', {
        alert_id: `m-${i}`,
        timestamp: new Date(Date.now() + i).toISOString(),
        severity: 'warning',
        category: 'exposure',
        symbol: `M${i}`,
        message,
      }),
    )
    const list = panel(page, PANEL_TITLES.alerts).getByRole('list', {
      name: 'Alerts, newest first',
    })
    await expect(list.getByRole('listitem')).toHaveCount(messages.length, { timeout: SLOW })
    for (let i = 0; i < messages.length; i += 1) {
      const row = list.locator(`li[data-alert-id="m-${i}"]`)
      const text = row.locator('.alert__text')
      // Cut means the clamped text holds more than it shows; then, and only then, "Show all"
      // (waiting for the row's ResizeObserver to have measured it).
      const agrees = async () => {
        const cut = await text.evaluate((el) => el.scrollHeight > el.clientHeight + 1)
        const more = await row.getByRole('button', { name: 'Show all' }).count()
        return cut === (more === 1)
      }
      await expect.poll(agrees).toBe(true)
      // The message and its details fit the row: nothing is drawn past its foot.
      const rowBox = (await row.boundingBox())!
      const details = (await row.locator('.alert__bottom').boundingBox())!
      expect(details.y + details.height).toBeLessThanOrEqual(rowBox.y + rowBox.height + 1)
      // No more than a line to spare between the message and its details.
      const textBox = (await text.boundingBox())!
      expect(details.y - (textBox.y + textBox.height)).toBeLessThan(12)
    }
    // The short one is whole; the 125-character one is cut at 375 px and offers the full text.
    await expect(
      list.locator('li[data-alert-id="m-2"]').getByRole('button', { name: 'Show all' }),
    ).toHaveCount(0)
    if (width === 375) {
      await expect(
        list.locator('li[data-alert-id="m-3"]').getByRole('button', { name: 'Show all' }),
      ).toHaveCount(1)
    }
  })
}

for (const width of [1280, 1440]) {
  test(`the index table shows every column at ${width} px, beside the alerts panel`, async ({
    page,
    monitor,
  }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.goto(monitor.pageUrl)
    await expectLive(page)
    // The six indices the simulator sends, each with a wide change.
    const quotes: [string, string, number][] = [
      ['000001.SH', 'SSE Composite', 3342.1],
      ['399001.SZ', 'SZSE Component', 10685.3],
      ['000300.SH', 'CSI 300', 3961.7],
      ['399006.SZ', 'ChiNext', 2178.4],
      ['HSI', 'Hang Seng', 19835.6],
      ['SPX', 'S&P 500', 5881.6],
    ]
    const indices = quotes.map(([symbol, name, last]) => ({
      symbol,
      name,
      last,
      change: -last * 0.0123,
      change_pct: -0.0123,
    }))
    monitor.backend.backend.emit('dashboard', 'dashboard_update', {
      timestamp: new Date().toISOString(),
      indices,
      breadth: { advancing: 2456, declining: 2369, unchanged: 299 },
      turnover: 317.32e9,
      portfolio: {
        equity: 1_251_487.44,
        pnl_day: -1487.44,
        pnl_day_pct: -0.0012,
        exposure_pct: 0.601,
      },
    })
    const box = panel(page, PANEL_TITLES.dashboard).locator('.indices')
    await expect(box.locator('tbody tr')).toHaveCount(indices.length, { timeout: SLOW })
    await expect.poll(() => overflow(box)).toBeLessThanOrEqual(0)
    await expect(box.getByRole('columnheader', { name: 'Change %' })).toBeInViewport()
  })
}
