// The page shows live data from the simulator, over one multiplexed stream or one stream per channel.
import { expect, test } from './fixtures.ts'
import { PANEL_TITLES, SLOW, expectLive, overallState, panel, sample } from './monitorPage.ts'

test.describe('live data from the simulator', () => {
  // Alerts are rare by default (one every few seconds); a busier simulator keeps the test short.
  test.use({ backendOptions: { rates: { alerts: 4 } } })

  test('the four panels fill with live data and the header says live', async ({
    page,
    monitor,
  }) => {
    await page.goto(monitor.pageUrl)
    await expect(page.getByRole('heading', { level: 1, name: 'Realtime Monitor' })).toBeVisible()
    await expectLive(page)

    const dashboard = panel(page, PANEL_TITLES.dashboard)
    await expect(dashboard.getByTestId('kpi-equity')).toHaveText(/^\d{1,3}(,\d{3})*\.\d{2}$/, {
      timeout: SLOW,
    })
    await expect(
      dashboard.getByRole('table', { name: 'Index quotes' }).getByRole('row'),
    ).not.toHaveCount(0)
    await expect(
      dashboard.getByRole('table', { name: 'Index quotes' }).getByRole('rowheader').first(),
    ).toHaveText(/\S/)

    const alerts = panel(page, PANEL_TITLES.alerts)
    await expect(
      alerts.getByRole('list', { name: 'Alerts, newest first' }).getByRole('listitem').first(),
    ).toBeVisible({
      timeout: SLOW,
    })

    const training = panel(page, PANEL_TITLES.training)
    await expect(training.getByRole('article', { name: /^Training run / }).first()).toBeVisible({
      timeout: SLOW,
    })
    await expect(training.getByRole('progressbar').first()).toHaveAttribute('aria-valuenow', /\d/)

    const backtest = panel(page, PANEL_TITLES.backtest)
    await expect(backtest.getByRole('article', { name: /^Backtest / }).first()).toBeVisible({
      timeout: SLOW,
    })
    await expect(backtest.getByRole('progressbar').first()).toHaveAttribute('aria-valuenow', /\d/)

    // Each panel names its own state, and none is dimmed as out of date.
    for (const title of Object.values(PANEL_TITLES)) {
      await expect(panel(page, title).getByText('live', { exact: true })).toBeVisible()
      // Every panel says how old its data is; live ones are not dimmed.
      await expect(panel(page, title).getByTestId('as-of')).toHaveText(/^as of \d\d:\d\d:\d\d$/)
      await expect(panel(page, title)).not.toHaveClass(/panel--dimmed/)
    }

    // The numbers keep moving: the equity tile changes as snapshots arrive.
    const first = await dashboard.getByTestId('kpi-equity').textContent()
    await expect(dashboard.getByTestId('kpi-equity')).not.toHaveText(first ?? '', { timeout: SLOW })
  })
})

test.describe('stream connections', () => {
  test('one stream for all four channels when the backend multiplexes', async ({
    page,
    monitor,
  }) => {
    await page.goto(monitor.pageUrl)
    await expectLive(page)
    await expect(page.getByTestId('transport')).toHaveText('one multiplexed stream')
    await expect.poll(() => monitor.backend.backend.stats().streamConnections).toBe(1)
    const counts = await sample(() => monitor.backend.backend.stats().streamConnections, 3000)
    expect(new Set(counts)).toEqual(new Set([1]))
    await expect(overallState(page)).toHaveText(/live$/)
  })

  test.describe('an older backend without the multiplexed stream', () => {
    test.use({ backendOptions: { multiplex: false } })

    test('one stream per channel', async ({ page, monitor }) => {
      await page.goto(monitor.pageUrl)
      await expectLive(page)
      await expect(page.getByTestId('transport')).toHaveText('a stream per channel')
      await expect.poll(() => monitor.backend.backend.stats().streamConnections).toBe(4)
      const counts = await sample(() => monitor.backend.backend.stats(), 3000)
      expect(new Set(counts.map((stats) => stats.streamConnections))).toEqual(new Set([4]))
      expect(counts.at(-1)?.connections).toEqual({
        dashboard: 1,
        alerts: 1,
        training: 1,
        backtest: 1,
      })
      await expect(overallState(page)).toHaveText(/live$/)
    })
  })
})
