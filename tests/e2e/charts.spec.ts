// The charts in the built page: drawn by ECharts on a canvas the size of their box, resized with the
// window, and the user's zoom kept while live data goes on being drawn.
import { join } from 'node:path'
import type { Locator } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import { PANEL_TITLES, SLOW, appliedIds, expectLive, panel } from './monitorPage.ts'

/** Kept beside the other screenshots (test-results/screenshots), overwritten each run. */
const SHOTS_DIR = join('test-results', 'screenshots')

test.use({
  viewport: { width: 1440, height: 900 },
  colorScheme: 'light',
  backendOptions: { rates: { dashboard: 4, alerts: 1, training: 4, backtest: 4 } },
})

/** The box's width and its canvas's CSS width, px. */
async function widths(chart: Locator): Promise<{ box: number; canvas: number }> {
  return chart.evaluate((el) => {
    const canvas = el.querySelector('canvas')
    return { box: el.clientWidth, canvas: canvas ? parseFloat(canvas.style.width) : 0 }
  })
}

test("the dashboard chart fills its box, follows the window's width and keeps the user's zoom", async ({
  page,
  monitor,
}) => {
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  const dashboard = panel(page, PANEL_TITLES.dashboard)
  const chart = dashboard.getByRole('img', { name: /^Portfolio equity and/ })
  await expect(chart.locator('canvas').first()).toBeVisible({ timeout: SLOW })
  await expect.poll(async () => (await widths(chart)).canvas, { timeout: SLOW }).toBeGreaterThan(0)
  const wide = await widths(chart)
  expect(wide.canvas).toBe(wide.box)

  // A narrower window: the chart is redrawn at the box's new width.
  await page.setViewportSize({ width: 900, height: 900 })
  await expect.poll(async () => (await widths(chart)).box).not.toBe(wide.box)
  await expect
    .poll(async () => {
      const now = await widths(chart)
      return now.canvas - now.box
    })
    .toBe(0)
  await page.screenshot({ path: join(SHOTS_DIR, 'chart-dashboard-900.png'), clip: await box() })

  // Zoom in with the wheel over the plot, as a person would.
  const area = await chart.boundingBox()
  if (!area) throw new Error('the chart has no box')
  await page.mouse.move(area.x + area.width * 0.8, area.y + area.height / 2)
  for (let i = 0; i < 4; i += 1) await page.mouse.wheel(0, -400)
  const liveEdge = dashboard.getByTestId('live-edge')
  await expect(liveEdge).toBeVisible()
  await page.screenshot({ path: join(SHOTS_DIR, 'chart-dashboard-zoomed.png'), clip: await box() })

  // More data arrives and is drawn: the zoom stays (the live-edge offer with it).
  const before = (await appliedIds(page)).dashboard.length
  await expect
    .poll(async () => (await appliedIds(page)).dashboard.length, { timeout: SLOW })
    .toBeGreaterThanOrEqual(before + 3)
  await expect(liveEdge).toBeVisible()
  await page.screenshot({
    path: join(SHOTS_DIR, 'chart-dashboard-zoomed-later.png'),
    clip: await box(),
  })

  // Back to the newest data, the zoom width kept.
  await liveEdge.click()
  await expect(liveEdge).toBeHidden()

  async function box() {
    const rect = await dashboard.boundingBox()
    if (!rect) throw new Error('the dashboard panel has no box')
    return rect
  }
})
