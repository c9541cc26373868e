// The production build pointed (config.json) at the Python FastAPI + sse-starlette backend that
// sends Python dict text: the panels fill; with decoding off, nothing is ever called live; data
// that queued on the way is said to arrive late.
import type { Page } from '@playwright/test'
import { CHANNELS } from '../../src/protocol/contract.ts'
import { startPythonBackend, type PythonBackend } from '../support/pythonBackend.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts'
import { expect, serveDist, test, type StaticSite } from './fixtures.ts'
import { PANEL_TITLES, SLOW, expectLive, overallState, panel, sample } from './monitorPage.ts'

interface Setup {
  backend: PythonBackend
  site: StaticSite
  pageUrl: string
  /** Between the page and the backend when asked for (a link that can hold the bytes). */
  proxy: TcpProxy | null
}

let setup: Setup | undefined

test.afterEach(async () => {
  await setup?.site.close()
  await setup?.proxy?.close()
  await setup?.backend.stop()
  setup = undefined
})

async function start(transport: Record<string, unknown> = {}, viaProxy = false): Promise<Setup> {
  const backend = await startPythonBackend({ style: 'dict', rate: 5 })
  const proxy = viaProxy ? await startTcpProxy(backend.port) : null
  const site = await serveDist({
    configJson: {
      apiBaseUrl: proxy?.url ?? backend.url,
      debug: true,
      transport: { backoffBaseMs: 200, backoffMaxMs: 2000, ...transport },
    },
  })
  setup = { backend, site, proxy, pageUrl: `${site.url}/market/realtime` }
  return setup
}

async function appliedCount(page: Page, channel: string): Promise<number> {
  return page.evaluate((c) => window.__rtm?.applied[c]?.length ?? 0, channel)
}

async function sentByBackend(backend: PythonBackend): Promise<Record<string, number>> {
  const response = await fetch(`${backend.url}/api/v1/sse/status`)
  return ((await response.json()) as { sent: Record<string, number> }).sent
}

test.describe('a FastAPI + sse-starlette backend that yields dicts', () => {
  test('the four panels fill with its data and the header says live', async ({ page }) => {
    const { pageUrl } = await start()
    await page.goto(pageUrl)
    await expectLive(page)
    for (const channel of CHANNELS) {
      await expect.poll(() => appliedCount(page, channel), { timeout: SLOW }).toBeGreaterThan(0)
    }

    const dashboard = panel(page, PANEL_TITLES.dashboard)
    await expect(dashboard.getByTestId('kpi-equity')).toHaveText(/^\d{1,3}(,\d{3})*\.\d{2}$/, { timeout: SLOW })
    await expect(dashboard.getByRole('table', { name: 'Index quotes' }).getByRole('rowheader').first()).toHaveText(
      /SSE Composite|000001\.SH/,
    )

    // Alert texts come through the literal decoder intact: quotes, backslashes, CJK, emoji.
    const alerts = panel(page, PANEL_TITLES.alerts).getByRole('list', { name: 'Alerts, newest first' })
    await expect(alerts.getByRole('listitem').first()).toBeVisible({ timeout: SLOW })
    await expect(alerts).toContainText(
      /Drawdown on 'mean-reversion-20d'|Symbol "600519\.SH"|C:\\feeds\\sse\\level2|贵州茅台|🚨|l'écart|漢字/,
      { timeout: SLOW },
    )

    const training = panel(page, PANEL_TITLES.training)
    await expect(training.getByRole('article', { name: /^Training run / }).first()).toBeVisible({ timeout: SLOW })
    await expect(training.getByRole('progressbar').first()).toHaveAttribute('aria-valuenow', /\d/)

    const backtest = panel(page, PANEL_TITLES.backtest)
    await expect(backtest.getByRole('article', { name: /^Backtest / }).first()).toBeVisible({ timeout: SLOW })
    await expect(backtest.getByRole('progressbar').first()).toHaveAttribute('aria-valuenow', /\d/)

    for (const title of Object.values(PANEL_TITLES)) {
      await expect(panel(page, title).getByText('live', { exact: true })).toBeVisible()
    }
  })

  test('with decoding off, no panel and not the header says live while every event is rejected', async ({
    page,
  }) => {
    const { backend, pageUrl } = await start({ pythonLiterals: false })
    await page.goto(pageUrl)
    // config.json's `transport.pythonLiterals: false` is a known switch (no "cannot start" screen).
    await expect(page.getByRole('heading', { level: 1, name: 'Realtime Monitor' })).toBeVisible()
    // Events are flowing and being rejected: the backend has sent plenty, the page applied none.
    await expect
      .poll(async () => Math.min(...Object.values(await sentByBackend(backend))), { timeout: SLOW })
      .toBeGreaterThanOrEqual(10)
    for (const channel of CHANNELS) expect(await appliedCount(page, channel)).toBe(0)

    // The page says so, in visible text, on each panel and in the header.
    await expect(overallState(page)).toContainText(/rejected/i, { timeout: SLOW })
    for (const title of Object.values(PANEL_TITLES)) {
      await expect(panel(page, title)).toContainText(/rejected/i, { timeout: SLOW })
      // How many, why, and what to fix.
      await expect(panel(page, title).getByTestId('rejected')).toContainText(
        /\d+ of \d+ events rejected: data is not JSON .*json\.dumps\(data\)/,
      )
    }
    await expect(page.getByTestId('failure')).toContainText(/Data rejected on \w+: \d+ of \d+ events rejected/)
    await page.screenshot({ path: test.info().outputPath('rejected.png'), fullPage: true })
    const seen = await sample(async () => {
      const header = (await overallState(page).textContent()) ?? ''
      const panels = await Promise.all(
        Object.values(PANEL_TITLES).map((title) => panel(page, title).getByText('live', { exact: true }).count()),
      )
      return { header, livePanels: panels.reduce((a, b) => a + b, 0) }
    }, 3000)
    for (const { header, livePanels } of seen) {
      expect(header).not.toMatch(/live$/)
      expect(livePanels).toBe(0)
    }
    for (const channel of CHANNELS) expect(await appliedCount(page, channel)).toBe(0)
  })

  test('data held on the way for seconds is said to arrive late, and the note goes once it is on time', async ({
    page,
  }) => {
    const { proxy, pageUrl } = await start({}, true)
    await page.goto(pageUrl)
    await expectLive(page)
    for (const channel of CHANNELS) {
      await expect.poll(() => appliedCount(page, channel), { timeout: SLOW }).toBeGreaterThan(5)
    }
    const note = page.getByTestId('behind')
    // Nothing is late before the freeze. A machine slowed by other work may make the page's first
    // seconds draw slowly, and the page says so until its frames come at full rate again: wait.
    await expect(note).toBeHidden({ timeout: SLOW })

    // Four seconds of the backend's events queue in the proxy (a congested link), each stamped by
    // the backend when it was sent; then they arrive together.
    proxy?.freeze()
    await page.waitForTimeout(4000)
    // The note as drawn in the first frame that shows it (it may last only until the next status).
    const seen = page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid="behind"]')?.textContent?.replace(/\s+/g, ' ').trim()
        return text && /data arrives \d+ s late/.test(text) ? text : null
      },
      null,
      { polling: 'raf', timeout: SLOW },
    )
    proxy?.thaw()
    const text = await (await seen).jsonValue()
    expect(text).toMatch(/data arrives [3-9] s late — the display is behind real time/)
    // Fresh events arrive on time again: the note goes.
    await expect(note).toBeHidden({ timeout: SLOW })
    await expectLive(page)
  })
})
