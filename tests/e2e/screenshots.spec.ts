// Full-page screenshots of the live page in light and dark, phone and desktop widths, kept as artifacts.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { CHANNELS } from '../../src/protocol/contract.ts'
import { expect, test } from './fixtures.ts'
import {
  PANEL_TITLES,
  SLOW,
  appliedIds,
  emitCompletedBacktest,
  expectLive,
  overallState,
  panel,
} from './monitorPage.ts'

/** Outside Playwright's output folder, which it empties per run; each run overwrites these files. */
const SHOTS_DIR = join('test-results', 'screenshots')
const THEME_KEY = 'rtm:theme'

/** Scrolls to the bottom half a window at a time, letting each stop paint, then back to the top. */
async function scrollThrough(page: Page): Promise<void> {
  const frames = () =>
    page.evaluate(
      () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
    )
  for (;;) {
    const atBottom = await page.evaluate(() => {
      const before = window.scrollY
      window.scrollBy(0, Math.max(1, Math.floor(window.innerHeight / 2)))
      return window.scrollY === before
    })
    await frames()
    if (atBottom) break
  }
  await page.evaluate(() => window.scrollTo(0, 0))
  await frames()
}

const VIEWPORTS = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
] as const

// A busier simulator, so every panel has something to show within a second or two.
test.use({ backendOptions: { rates: { dashboard: 4, alerts: 4, training: 8, backtest: 8 } } })

for (const theme of ['light', 'dark'] as const) {
  for (const viewport of VIEWPORTS) {
    test.describe(`${theme} theme at ${viewport.width} px`, () => {
      test.use({ viewport, colorScheme: theme })

      test('screenshot of the live page', async ({ page, monitor }, testInfo) => {
        await page.addInitScript(
          ([key, value]) => localStorage.setItem(key as string, value as string),
          [THEME_KEY, theme],
        )
        await page.goto(monitor.pageUrl)
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
        await expectLive(page)
        await expect(panel(page, PANEL_TITLES.dashboard).getByTestId('kpi-equity')).toBeVisible({
          timeout: SLOW,
        })
        await expect(panel(page, PANEL_TITLES.alerts).getByRole('listitem').nth(2)).toBeVisible({
          timeout: SLOW,
        })
        await expect(panel(page, PANEL_TITLES.training).getByRole('article').first()).toBeVisible({
          timeout: SLOW,
        })
        await expect(panel(page, PANEL_TITLES.backtest).getByRole('article').first()).toBeVisible({
          timeout: SLOW,
        })

        // Enough progress reports that the run charts draw lines, not single points.
        await expect
          .poll(
            async () => Math.min(...Object.values(await appliedIds(page)).map((ids) => ids.length)),
            { timeout: SLOW },
          )
          .toBeGreaterThanOrEqual(10)

        // Freeze the data so the picture is not taken halfway through an update.
        monitor.backend.backend.setRates(
          Object.fromEntries(CHANNELS.map((channel) => [channel, 0])),
        )
        await expect(page.getByText('loading chart…')).toHaveCount(0, { timeout: SLOW })
        // Charts draw only while on screen: scroll down the page as a person would, so each one
        // catches up with the numbers beside it before the full-page picture is taken.
        await scrollThrough(page)
        // Live; on a loaded machine the header may add that drawing is behind, which is not a fault.
        await expect(overallState(page)).toContainText(/^Connection:\s*live/)

        // Nothing wider than the window: no sideways scrolling on a phone.
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        )
        expect(overflow, 'page wider than the viewport by this many px').toBeLessThanOrEqual(0)

        // The new parts in view: two training runs compared, a storm in the alert list.
        const compare = panel(page, PANEL_TITLES.training).getByTestId('compare')
        if ((await compare.count()) >= 2) {
          await compare.nth(0).check()
          await compare.nth(1).check()
          await expect(page.getByTestId('compare-chart')).toBeVisible()
        }
        for (let i = 0; i < 8; i += 1) {
          monitor.backend.backend.emit('alerts', 'risk_alert', {
            alert_id: `storm-${i}`,
            timestamp: new Date().toISOString(),
            severity: 'warning',
            category: 'volatility',
            symbol: `60${String(i).padStart(4, '0')}.SH`,
            message: `60${String(i).padStart(4, '0')}.SH 20-day realized volatility 52% exceeds 35%`,
          })
        }
        await expect(panel(page, PANEL_TITLES.alerts).getByTestId('storm').first()).toBeVisible({
          timeout: SLOW,
        })
        await expect(page.getByText('loading chart…')).toHaveCount(0, { timeout: SLOW })
        await scrollThrough(page)

        await mkdir(SHOTS_DIR, { recursive: true })
        const path = join(SHOTS_DIR, `realtime-${theme}-${viewport.width}.png`)
        await page.screenshot({ path, fullPage: true, animations: 'disabled' })
        await testInfo.attach(`realtime-${theme}-${viewport.width}`, {
          path,
          contentType: 'image/png',
        })
        // Each panel alone too, at full resolution, to read the new parts (the sticky header
        // would cover a panel taller than the window, so it scrolls away for these pictures).
        await page.addStyleTag({ content: '.strip { position: static !important; }' })
        for (const [channel, title] of Object.entries(PANEL_TITLES)) {
          await panel(page, title).screenshot({
            path: join(SHOTS_DIR, `panel-${channel}-${theme}-${viewport.width}.png`),
            animations: 'disabled',
          })
        }
      })
    })
  }
}

const LONG_MESSAGES = [
  'Portfolio drawdown 18.2% exceeds the 10% limit on the CN-equity long/short book after the afternoon session; largest contributors 600519.SH, 000858.SZ and 300750.SZ, hedges under water since the open',
  'Gross exposure 131% above target 90%: technology and consumer staples both over their sector caps; rebalancing suggested before the close to bring the book back inside the mandate',
  'Single-name concentration in 600519.SH at 14.8% of NAV (limit 10%)',
  'Liquidity: 3 positions need more than 5 days of ADV to exit at 20% participation; the smallest, 688981.SH, would take 11 days at the current volume profile and spreads have widened twice today',
  'Volatility of 300750.SZ 20-day realized 61% exceeds 35% threshold',
]

for (const theme of ['light', 'dark'] as const) {
  for (const viewport of VIEWPORTS) {
    test.describe(`analyst views, ${theme} theme at ${viewport.width} px`, () => {
      test.use({ viewport, colorScheme: theme, backendOptions: { simulate: false } })

      test('screenshot of long alert messages and a four-run backtest comparison', async ({
        page,
        monitor,
      }) => {
        await page.addInitScript(
          ([key, value]) => localStorage.setItem(key as string, value as string),
          [THEME_KEY, theme],
        )
        await page.goto(monitor.pageUrl)
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
        await expectLive(page)
        const backend = monitor.backend.backend
        LONG_MESSAGES.forEach((message, i) => {
          backend.emit('alerts', 'risk_alert', {
            alert_id: `long-${i}`,
            timestamp: new Date(Date.now() + i).toISOString(),
            severity: i < 2 ? 'critical' : 'warning',
            category: ['drawdown', 'exposure', 'concentration', 'liquidity', 'volatility'][i],
            symbol: `L${i}`,
            message,
            value: 0.12 + i / 100,
            threshold: 0.1,
          })
        })
        const strategies = [
          'mean-reversion-20d with sector-neutral hedging',
          'momentum-12-1',
          'pairs-trading-banks-cointegration-v2',
          'low-volatility-quality',
        ]
        strategies.forEach((strategy, i) =>
          emitCompletedBacktest(backend, `bt-2026-${i + 1}`, strategy, 0.04 + i * 0.05),
        )
        // A training run with its first epoch only: no curve yet.
        backend.emit('training', 'training_progress', {
          run_id: 'r-first',
          model: 'transformer-small',
          timestamp: new Date().toISOString(),
          status: 'running',
          epoch: 1,
          total_epochs: 20,
          step: 5,
          total_steps: 100,
          metrics: { loss: 0.9 },
        })
        const alerts = panel(page, PANEL_TITLES.alerts)
        await expect(alerts.getByRole('listitem')).toHaveCount(LONG_MESSAGES.length, {
          timeout: SLOW,
        })
        const backtests = panel(page, PANEL_TITLES.backtest)
        const compare = backtests.getByTestId('backtest-compare')
        await expect(compare).toContainText('low-volatility-quality', { timeout: SLOW })
        await expect(page.getByText('loading chart…')).toHaveCount(0, { timeout: SLOW })
        await scrollThrough(page)
        await page.addStyleTag({ content: '.strip { position: static !important; }' })
        await mkdir(SHOTS_DIR, { recursive: true })
        await alerts.screenshot({
          path: join(SHOTS_DIR, `analyst-alerts-${theme}-${viewport.width}.png`),
          animations: 'disabled',
        })
        await backtests.screenshot({
          path: join(SHOTS_DIR, `analyst-backtests-${theme}-${viewport.width}.png`),
          animations: 'disabled',
        })
        await backtests.locator('.compare-box').screenshot({
          path: join(SHOTS_DIR, `analyst-compare-${theme}-${viewport.width}.png`),
          animations: 'disabled',
        })
        await panel(page, PANEL_TITLES.training).screenshot({
          path: join(SHOTS_DIR, `analyst-training-${theme}-${viewport.width}.png`),
          animations: 'disabled',
        })
      })
    })
  }
}
